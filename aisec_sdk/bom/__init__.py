"""The AI-BOM: what models, providers, datasets and frameworks an application really uses.

- `BomCollector`: an OpenTelemetry ``SpanProcessor`` that builds the BOM from live spans.
- `bom_from_otlp`: one BOM from OTLP JSON span files of many services.
- `scan_project`: a static BOM of a project and its Python environment.
- `render`: CycloneDX 1.6/1.7 (validated), our JSON, or Markdown.

Names load lazily so ``aisec_sdk.bom.command`` (imported by the CLI) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aisec_sdk._lazy import lazy_exports

if TYPE_CHECKING:
    from aisec_sdk.bom.allowlist import apply_policy as apply_policy
    from aisec_sdk.bom.collector import BomCollector as BomCollector
    from aisec_sdk.bom.cyclonedx import to_cyclonedx as to_cyclonedx
    from aisec_sdk.bom.cyclonedx import validate as validate
    from aisec_sdk.bom.export import render as render
    from aisec_sdk.bom.model import Bom as Bom
    from aisec_sdk.bom.model import BomFinding as BomFinding
    from aisec_sdk.bom.model import DatasetComponent as DatasetComponent
    from aisec_sdk.bom.model import EndpointComponent as EndpointComponent
    from aisec_sdk.bom.model import FrameworkComponent as FrameworkComponent
    from aisec_sdk.bom.model import FunctionComponent as FunctionComponent
    from aisec_sdk.bom.model import ModelComponent as ModelComponent
    from aisec_sdk.bom.model import ProviderComponent as ProviderComponent
    from aisec_sdk.bom.model import Relationship as Relationship
    from aisec_sdk.bom.model import Usage as Usage
    from aisec_sdk.bom.otlp_json import bom_from_otlp as bom_from_otlp
    from aisec_sdk.bom.static import scan_project as scan_project

_EXPORTS: dict[str, str] = {
    "Bom": "aisec_sdk.bom.model",
    "BomCollector": "aisec_sdk.bom.collector",
    "BomFinding": "aisec_sdk.bom.model",
    "DatasetComponent": "aisec_sdk.bom.model",
    "EndpointComponent": "aisec_sdk.bom.model",
    "FrameworkComponent": "aisec_sdk.bom.model",
    "FunctionComponent": "aisec_sdk.bom.model",
    "ModelComponent": "aisec_sdk.bom.model",
    "ProviderComponent": "aisec_sdk.bom.model",
    "Relationship": "aisec_sdk.bom.model",
    "Usage": "aisec_sdk.bom.model",
    "apply_policy": "aisec_sdk.bom.allowlist",
    "bom_from_otlp": "aisec_sdk.bom.otlp_json",
    "render": "aisec_sdk.bom.export",
    "scan_project": "aisec_sdk.bom.static",
    "to_cyclonedx": "aisec_sdk.bom.cyclonedx",
    "validate": "aisec_sdk.bom.cyclonedx",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
