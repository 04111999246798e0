"""Hugging Face model configs: custom code (``auto_map``) and chat templates.

``config.json`` with ``auto_map`` means the model only loads with ``trust_remote_code=True``,
running Python files from the repository; ``tokenizer_config.json``, ``chat_template.json``
and ``chat_template.jinja`` carry the Jinja chat template that serving stacks render.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from aisec_sdk._json import loads
from aisec_sdk.posture.models import ScanFinding
from aisec_sdk.posture.templates import template_findings

__all__ = ["HF_CONFIG_NAMES", "is_chat_template", "scan_chat_template", "scan_hf_config"]

HF_CONFIG_NAMES = frozenset(
    {"config.json", "tokenizer_config.json", "chat_template.json", "processor_config.json"}
)


def is_chat_template(path: PurePath) -> bool:
    """A chat template saved on its own (transformers >= 4.50): ``chat_template.jinja``
    and ``additional_chat_templates/<name>.jinja``."""
    name = path.name.lower()
    return name == "chat_template.jinja" or (
        name.endswith(".jinja") and path.parent.name == "additional_chat_templates"
    )


def scan_chat_template(data: bytes, path: str) -> list[ScanFinding]:
    """Findings for a ``.jinja`` chat template file."""
    where = PurePath(path)
    named = where.parent.name == "additional_chat_templates"
    key = f"chat_template[{where.stem}]" if named else "chat_template"
    return template_findings(data.decode("utf-8", "replace"), path, key)


def _templates(value: Any) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [("chat_template", value)]
    if isinstance(value, list):  # named templates: [{"name": ..., "template": ...}]
        return [
            (f"chat_template[{item.get('name', i)}]", item["template"])
            for i, item in enumerate(value)
            if isinstance(item, dict) and isinstance(item.get("template"), str)
        ]
    return []


def scan_hf_config(data: bytes, path: str) -> list[ScanFinding]:
    """Findings for a ``config.json`` or ``tokenizer_config.json``."""
    try:
        config = loads(data)
    except (UnicodeDecodeError, ValueError):
        return []  # not a model config (plenty of config.json files are something else)
    if not isinstance(config, dict):
        return []
    findings: list[ScanFinding] = []
    auto_map = config.get("auto_map")
    if isinstance(auto_map, dict) and auto_map:
        modules = sorted({str(v).split(".")[0] for v in auto_map.values() if isinstance(v, str)})
        findings.append(
            ScanFinding(
                "AISEC-MOD002",
                "medium",
                path,
                "model ships its own Python code (auto_map: "
                f"{', '.join(modules) or 'custom classes'}); loading it needs trust_remote_code",
                key="auto_map",
                details={"auto_map": {str(k): str(v) for k, v in auto_map.items()}},
            )
        )
    for key, template in _templates(config.get("chat_template")):
        findings += template_findings(template, path, key)
    return findings
