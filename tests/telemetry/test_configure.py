"""`aisec_sdk.configure`: the quick-start exporters, run in a subprocess (it installs a
process-wide tracer provider)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

_APP = textwrap.dedent(
    """
    import sys
    from opentelemetry import trace
    import aisec_sdk

    first, second = sys.argv[1], sys.argv[2]
    provider = aisec_sdk.configure(exporter="jsonl", path=first, batch=False)
    assert aisec_sdk.configure(exporter="jsonl", path=first, batch=False) is provider
    aisec_sdk.configure(exporter="jsonl", path=second, batch=False)
    with trace.get_tracer("app").start_as_current_span("work"):
        pass
    provider.force_flush()
    """
)


def _spans(path: Path) -> list[dict[str, object]]:
    return [
        span
        for line in path.read_text().splitlines()
        for resource in json.loads(line)["resourceSpans"]
        for scope in resource["scopeSpans"]
        for span in scope["spans"]
    ]


def test_configuring_the_same_file_twice_exports_each_span_once(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", _APP, str(first), str(second)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    (span,) = _spans(first)
    assert span["name"] == "work"
    assert [s["name"] for s in _spans(second)] == ["work"]  # another file is another target


_OTLP_APP = textwrap.dedent(
    """
    from opentelemetry.exporter.otlp.proto.http import trace_exporter
    import aisec_sdk

    built = []
    original = trace_exporter.OTLPSpanExporter.__init__

    def counting(self, *args, **kwargs):
        built.append(kwargs.get("endpoint"))
        original(self, *args, **kwargs)

    trace_exporter.OTLPSpanExporter.__init__ = counting
    for _ in range(2):
        aisec_sdk.configure(exporter="otlp", endpoint="http://127.0.0.1:9", metrics_enabled=False)
    aisec_sdk.configure(exporter="otlp", endpoint="http://127.0.0.1:8", metrics_enabled=False)
    print(built)
    """
)


def test_configuring_the_same_otlp_endpoint_twice_builds_one_exporter() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _OTLP_APP], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    built = json.loads(done.stdout.strip().replace("'", '"'))
    assert built == ["http://127.0.0.1:9/v1/traces", "http://127.0.0.1:8/v1/traces"]
