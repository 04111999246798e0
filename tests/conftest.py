"""Shared fixtures: one in-memory span exporter on the process's tracer provider."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

_EXPORTER = InMemorySpanExporter()
ROOT = Path(__file__).resolve().parents[1]


def _install() -> None:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    if not getattr(provider, "_aisec_test_exporter", False):
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        provider._aisec_test_exporter = True  # type: ignore[attr-defined]


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """The in-memory exporter behind the global tracer provider, cleared for each test."""
    _install()
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


@pytest.fixture(autouse=True)
def _isolated_policy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts from the built-in defaults: no AISEC_* variables in the environment."""
    from aisec_sdk.policy import default_policy

    for name in list(os.environ):
        if name.startswith("AISEC_"):
            monkeypatch.delenv(name)
    default_policy.cache_clear()
    yield
    default_policy.cache_clear()


@pytest.fixture(scope="session")
def imported_by() -> Callable[[str], set[str]]:
    """Names in ``sys.modules`` of a fresh interpreter after ``import <modules>``."""

    def run(modules: str) -> set[str]:
        code = f"import json, sys; import {modules}; print(json.dumps(sorted(sys.modules)))"
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=120,
            check=True,
        )
        return set(json.loads(done.stdout.splitlines()[-1]))

    return run
