"""One entry point for every output format of a `Bom`."""

from __future__ import annotations

import json
from typing import Literal

from aisec_sdk.bom.model import Bom

__all__ = ["FORMATS", "Format", "render"]

Format = Literal["cyclonedx", "json", "markdown"]
FORMATS: tuple[Format, ...] = ("cyclonedx", "json", "markdown")


def render(bom: Bom, fmt: Format = "cyclonedx", spec: str = "1.6") -> str:
    """The BOM as text; a CycloneDX document is validated against its schema first."""
    if fmt == "cyclonedx":
        from aisec_sdk.bom.cyclonedx import to_cyclonedx, validate

        document = to_cyclonedx(bom, spec)
        validate(document)
        return json.dumps(document, indent=2) + "\n"
    if fmt == "json":
        return bom.model_dump_json(indent=2) + "\n"
    if fmt == "markdown":
        from aisec_sdk.bom.markdown import to_markdown

        return to_markdown(bom)
    raise ValueError(f"unknown BOM format {fmt!r}; choose one of {', '.join(FORMATS)}")
