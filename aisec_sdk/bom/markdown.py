"""A Markdown summary of a `Bom`: findings first, then one table per component kind."""

from __future__ import annotations

from collections.abc import Sequence

from aisec_sdk.bom.model import (
    AnyComponent,
    Bom,
    DatasetComponent,
    FrameworkComponent,
    ModelComponent,
    ProviderComponent,
    Usage,
)

__all__ = ["to_markdown"]

# kind, section title, noun for the summary line
_KINDS = (
    ("model", "Models", "models"),
    ("provider", "Providers", "providers"),
    ("endpoint", "Endpoints", "endpoints"),
    ("framework", "Frameworks and AI packages", "frameworks"),
    ("dataset", "Datasets", "datasets"),
    ("function", "Application functions", "functions"),
)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def _seen(usage: Usage) -> str:
    if usage.first_seen is None:
        return ""
    first = usage.first_seen.strftime("%Y-%m-%d %H:%M:%S")
    last = usage.last_seen.strftime("%Y-%m-%d %H:%M:%S") if usage.last_seen else first
    return first if first == last else f"{first} .. {last}"


def _detail(component: AnyComponent) -> str:
    if isinstance(component, ModelComponent):
        parts = [component.provider or ""]
        if component.file is not None:
            parts.append(f"{component.file.format}, sha256 {component.file.sha256[:12]}")
        return "; ".join(p for p in parts if p)
    if isinstance(component, DatasetComponent) and component.file is not None:
        rows = "" if component.file.rows is None else f", {component.file.rows} rows"
        return f"{component.file.format}, {component.file.size} bytes{rows}"
    if isinstance(component, ProviderComponent):
        pii = f"PII {'/'.join(component.pii_flows)}" if component.pii_flows else ""
        found = f"{component.findings} guard findings" if component.findings else ""
        return "; ".join(p for p in (pii, found) if p)
    if isinstance(component, FrameworkComponent):
        return component.version or ""
    return ""


def to_markdown(bom: Bom) -> str:
    """The BOM as Markdown (GitHub flavoured tables)."""
    lines = [f"# AI-BOM: {bom.subject}", ""]
    counts = ", ".join(
        f"{len(bom.of_kind(kind))} {noun}" for kind, _, noun in _KINDS if bom.of_kind(kind)
    )
    lines.append(
        f"Generated {bom.generated_at:%Y-%m-%d %H:%M:%S} UTC by {bom.tool}: "
        f"{counts or 'no AI components found'}."
    )
    if bom.services:
        lines.append(f"Services: {', '.join(bom.services)}.")
    lines += ["", f"## Findings ({len(bom.findings)})", ""]
    if bom.findings:
        lines += _table(
            ("Rule", "Severity", "Component", "Message"),
            [(f.rule, f.severity, f"`{f.ref}`", f.message) for f in bom.findings],
        )
    else:
        lines.append("No findings.")
    for kind, title, _ in _KINDS:
        components = bom.of_kind(kind)
        if not components:
            continue
        lines += ["", f"## {title}", ""]
        lines += _table(
            ("Name", "Details", "Calls", "Tokens in/out", "Seen", "Evidence"),
            [
                (
                    c.name,
                    _detail(c),
                    c.usage.calls or "",
                    f"{c.usage.input_tokens}/{c.usage.output_tokens}"
                    if c.usage.input_tokens or c.usage.output_tokens
                    else "",
                    _seen(c.usage),
                    ", ".join([*c.sources, *c.locations[:3]]),
                )
                for c in components
            ],
        )
    if bom.relationships:
        lines += ["", "## Relationships", ""]
        lines += _table(
            ("From", "Relation", "To", "Calls"),
            [
                (f"`{r.source}`", r.kind, f"`{r.target}`", r.usage.calls or "")
                for r in bom.relationships
            ],
        )
    if bom.environment_variables:
        lines += ["", "## AI-related environment variables (names only)", ""]
        lines += [f"- `{name}`" for name in bom.environment_variables]
    return "\n".join(lines) + "\n"
