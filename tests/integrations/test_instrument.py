"""`instrument` / `uninstrument`, ``aisec_sdk.auto``, entry points and lazy framework imports."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]

from aisec_sdk.instrumentation import available_integrations, instrument, uninstrument

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = ("openai", "langchain_core", "transformers")


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "AISEC_"))}
    environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), environ.get("PYTHONPATH", "")])
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="valid names: openai, langchain, transformers"):
        instrument("openai", "llamaindex")
    with pytest.raises(ValueError, match="'nope'"):
        uninstrument("nope")


def test_no_names_means_every_installed_framework() -> None:
    assert available_integrations() == ["openai", "langchain", "transformers"]
    try:
        assert instrument() == ["openai", "langchain", "transformers"]
        assert instrument() == []  # nothing left to do: the names acted on, as uninstrument
        assert instrument("openai") == []
        assert uninstrument("langchain") == ["langchain"]
        assert instrument() == ["langchain"]
    finally:
        assert uninstrument() == ["openai", "langchain", "transformers"]
    assert uninstrument() == []


def test_instrumentors_declare_version_ranges() -> None:
    for name, dist in (
        ("openai:OpenAIInstrumentor", "openai"),
        ("langchain:LangChainInstrumentor", "langchain-core"),
        ("transformers:TransformersInstrumentor", "transformers"),
    ):
        module, _, cls = name.partition(":")
        instrumentor = getattr(importlib.import_module(f"aisec_sdk.integrations.{module}"), cls)
        (requirement,) = instrumentor().instrumentation_dependencies()
        assert requirement.startswith(f"{dist} >=")


def test_entry_points_point_at_our_instrumentors() -> None:
    ours = {
        ep.name: ep
        for ep in entry_points(group="opentelemetry_instrumentor")
        if ep.name.startswith("aisec_")
    }
    if not ours:
        pytest.skip("aisec-sdk is not installed (pip install -e .): no entry points to check")
    assert sorted(ours) == ["aisec_langchain", "aisec_openai", "aisec_transformers"]
    for ep in ours.values():
        assert issubclass(ep.load(), BaseInstrumentor)


def test_importing_the_sdk_and_integrations_loads_no_framework() -> None:
    done = _run(
        """
        import sys
        import aisec_sdk, aisec_sdk.instrumentation
        import aisec_sdk.integrations.openai, aisec_sdk.integrations.langchain
        import aisec_sdk.integrations.transformers
        heavy = ("openai", "langchain_core", "transformers", "torch")
        print(sorted(m for m in heavy if m in sys.modules))
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_works_with_no_framework_installed() -> None:
    done = _run(
        f"""
        import sys, importlib.abc

        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {FRAMEWORKS!r}:
                    raise ModuleNotFoundError(f"No module named {{name!r}}")
                return None

        sys.meta_path.insert(0, Block())
        import aisec_sdk
        policy = aisec_sdk.Policy(guards={{"prompt_injection": {{"enabled": False}}}})
        print(aisec_sdk.scan("hello", policy=policy).action)
        print(aisec_sdk.instrument())
        import aisec_sdk.auto
        print(aisec_sdk.auto.instrumented)
        try:
            aisec_sdk.instrument("openai")
        except ImportError as exc:
            print("ImportError:", exc)
        print(aisec_sdk.uninstrument())
        """
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[:3] == ["allow", "[]", "[]"]
    assert lines[3].startswith("ImportError:") and "pip install 'aisec-sdk[openai]'" in lines[3]
    assert lines[4] == "[]"


def test_import_aisec_sdk_auto_instruments_everything_installed() -> None:
    done = _run(
        """
        import aisec_sdk.auto
        from openai.resources.chat.completions import Completions
        print(aisec_sdk.auto.instrumented, type(Completions.__dict__["create"]).__name__)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['openai', 'langchain', 'transformers'] FunctionWrapper"


APP = """
from aisec_sdk.integrations.langchain import LangChainInstrumentor
from aisec_sdk.integrations.openai import OpenAIInstrumentor
print(
    OpenAIInstrumentor().is_instrumented_by_opentelemetry,
    LangChainInstrumentor().is_instrumented_by_opentelemetry,
)
"""


@pytest.mark.parametrize(
    ("disabled", "expected"), [("openai", "True True"), ("openai,aisec_openai", "False True")]
)
def test_opentelemetry_instrument_loads_ours_and_honours_disabled(
    disabled: str, expected: str, tmp_path: Path
) -> None:
    launcher = Path(sys.executable).with_name("opentelemetry-instrument")
    if not launcher.exists() or not any(
        ep.name == "aisec_openai" for ep in entry_points(group="opentelemetry_instrumentor")
    ):
        pytest.skip("opentelemetry-instrument or our entry points are not installed")
    script = tmp_path / "app.py"
    script.write_text(APP)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "AISEC_"))}
    environ.update(
        OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=disabled,
        OTEL_TRACES_EXPORTER="none",
        OTEL_METRICS_EXPORTER="none",
        OTEL_LOGS_EXPORTER="none",
        PYTHONPATH=os.pathsep.join([str(ROOT), environ.get("PYTHONPATH", "")]),
    )
    done = subprocess.run(
        [str(launcher), sys.executable, str(script)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == expected
