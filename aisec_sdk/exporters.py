"""A span exporter that appends OTLP JSON lines: the OpenTelemetry Collector file format.

Each export writes one ``ExportTraceServiceRequest`` as a JSON line, appended under an
exclusive file lock so several processes can share one file; ``aisec bom --from-otlp``
reads these files back. The encoding is OTLP/JSON's, which departs from the protobuf JSON
mapping in two places: trace and span ids are hex strings (not base64) and enum values are
integers (not names).
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

__all__ = ["OtlpJsonFileSpanExporter", "hex_id"]

_ID_KEYS = ("traceId", "spanId", "parentSpanId")
_HEX_ID = re.compile(r"[0-9a-fA-F]{16}|[0-9a-fA-F]{32}")


class OtlpJsonFileSpanExporter(SpanExporter):
    """Append spans to ``path`` as OTLP JSON, one request per line."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        from google.protobuf.json_format import MessageToDict
        from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

        if not spans:
            return SpanExportResult.SUCCESS
        request = MessageToDict(encode_spans(spans), use_integers_for_enums=True)
        for resource_spans in request.get("resourceSpans", ()):
            for scope_spans in resource_spans.get("scopeSpans", ()):
                for span in scope_spans.get("spans", ()):
                    _ids_to_hex(span)
                    for link in span.get("links", ()):
                        _ids_to_hex(link)
        line = json.dumps(request, ensure_ascii=False, separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        """Nothing to release: every export opens and closes the file."""


def hex_id(raw: Any) -> str:
    """A trace or span id as lowercase hex, whether written as hex (OTLP/JSON) or as base64
    (protobuf's JSON mapping of bytes); anything else is kept as written."""
    text = str(raw or "")
    if _HEX_ID.fullmatch(text):
        return text.lower()
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text
    return decoded.hex() if len(decoded) in (8, 16) else text


def _ids_to_hex(item: dict[str, Any]) -> None:
    """Rewrite the base64 ids of a span or link (the protobuf JSON mapping) as hex."""
    for key in _ID_KEYS:
        if item.get(key):
            item[key] = hex_id(item[key])
