"""docs/scanner.md carries the rules table generated from the rule catalogue.

Regenerate after changing a rule: ``python tests/posture/test_docs.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "scanner.md"
BEGIN, END = "<!-- BEGIN generated rules -->", "<!-- END generated rules -->"


def generated() -> str:
    """The generated rules table of docs/scanner.md."""
    sys.path.insert(0, str(ROOT))
    from aisec_sdk.posture.rules import RULES, SECURITY_SEVERITY

    rows = [
        "| id | severity | what it finds | OWASP LLM 2025 | MITRE ATLAS | fix |",
        "|---|---|---|---|---|---|",
    ]
    for rule in RULES.values():
        rows.append(
            f"| `{rule.id}` | {rule.severity} ({SECURITY_SEVERITY[rule.severity]}) | "
            f"{rule.title} | {', '.join(rule.owasp)} | {', '.join(rule.atlas) or '-'} | "
            f"{rule.remedy} |"
        )
    return "\n".join(rows)


def test_scanner_doc_matches_the_rules() -> None:
    text = DOC.read_text()
    assert BEGIN in text and END in text
    current = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert current == generated(), "docs/scanner.md is stale: run python tests/posture/test_docs.py"


if __name__ == "__main__":
    text = DOC.read_text()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    DOC.write_text(f"{head}{BEGIN}\n{generated()}\n{END}{tail}")
