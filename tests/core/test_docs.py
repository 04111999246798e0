"""docs/policy.md carries the policy tables generated from the pydantic models.

Regenerate after changing a field: ``python tests/core/test_docs.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "policy.md"
BEGIN, END = "<!-- BEGIN generated tables -->", "<!-- END generated tables -->"


def _type(annotation: object) -> str:
    text = getattr(annotation, "__name__", None) if isinstance(annotation, type) else None
    text = text or str(annotation)
    for noise in ("typing.", "pathlib.", "pydantic.types.", "aisec_sdk.verdict."):
        text = text.replace(noise, "")
    return text.replace("|", "\\|")


def _table(model: type[BaseModel]) -> str:
    rows = ["| field | type | default | meaning |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        default = "{}" if field.default_factory is not None else repr(field.default)
        description = (field.description or "").replace("\n", " ")
        rows.append(f"| `{name}` | `{_type(field.annotation)}` | `{default}` | {description} |")
    return "\n".join(rows)


def generated() -> str:
    """The generated part of docs/policy.md."""
    from aisec_sdk.guards.base import DirectionSettings, GuardSettings
    from aisec_sdk.policy import Policy

    return "\n\n".join(
        [
            "### Policy",
            _table(Policy),
            "### Guard settings (`guards.<id>`; every guard accepts these)",
            _table(GuardSettings),
            "### Direction overrides (`guards.<id>.input` / `.context` / `.output`)",
            _table(DirectionSettings),
        ]
    )


def test_policy_doc_matches_the_models() -> None:
    text = DOC.read_text()
    assert BEGIN in text and END in text
    current = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert current == generated(), "docs/policy.md is stale: run python tests/core/test_docs.py"


def test_every_policy_field_is_documented() -> None:
    from aisec_sdk.policy import Policy

    for name, field in Policy.model_fields.items():
        assert field.description, f"Policy.{name} has no docstring"


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    text = DOC.read_text()
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(f"{head}{BEGIN}\n{generated()}\n{END}{tail}")
