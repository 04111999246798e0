"""Posture scanner: model files, code and datasets, without loading or importing anything.

``scan_paths`` scans files and folders, ``scan_file`` one file (for example weights about to
be loaded), ``detect_format`` names a weights file's format from its magic bytes. Reports
render as JSON (`ScanReport.to_dict`), SARIF 2.1.0 (`to_sarif`) or a table (`to_table`).
Exports load lazily, so ``aisec`` sub-commands stay cheap to list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aisec_sdk._lazy import lazy_exports

if TYPE_CHECKING:
    from aisec_sdk.posture.models import (
        SEVERITIES,
        FileResult,
        ScanFinding,
        ScanReport,
        Severity,
    )
    from aisec_sdk.posture.rules import RULES, Rule
    from aisec_sdk.posture.sarif import to_sarif
    from aisec_sdk.posture.scanner import PICKLE_FORMATS, detect_format, scan_file, scan_paths
    from aisec_sdk.posture.table import to_table

_EXPORTS: dict[str, str] = {
    "PICKLE_FORMATS": "aisec_sdk.posture.scanner",
    "RULES": "aisec_sdk.posture.rules",
    "Rule": "aisec_sdk.posture.rules",
    "SEVERITIES": "aisec_sdk.posture.models",
    "FileResult": "aisec_sdk.posture.models",
    "ScanFinding": "aisec_sdk.posture.models",
    "ScanReport": "aisec_sdk.posture.models",
    "Severity": "aisec_sdk.posture.models",
    "detect_format": "aisec_sdk.posture.scanner",
    "scan_file": "aisec_sdk.posture.scanner",
    "scan_paths": "aisec_sdk.posture.scanner",
    "to_sarif": "aisec_sdk.posture.sarif",
    "to_table": "aisec_sdk.posture.table",
}

__all__ = [
    "PICKLE_FORMATS",
    "RULES",
    "SEVERITIES",
    "FileResult",
    "Rule",
    "ScanFinding",
    "ScanReport",
    "Severity",
    "detect_format",
    "scan_file",
    "scan_paths",
    "to_sarif",
    "to_table",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
