"""The lazy public names of `aisec_sdk` stay what they are, whatever is imported first."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import aisec_sdk
import aisec_sdk.bom

ROOT = Path(__file__).resolve().parents[2]

# Each snippet runs in a fresh interpreter: the bug depends on which module loads first.
FIRST_IMPORTS = {
    "uninstrument first": "import aisec_sdk\naisec_sdk.uninstrument()",
    "from-import, uninstrument first": "from aisec_sdk import uninstrument, instrument",
    "import aisec_sdk.auto": "import aisec_sdk.auto\nimport aisec_sdk",
    "import the submodule first": "import aisec_sdk.instrumentation",
}


@pytest.mark.parametrize("first", FIRST_IMPORTS.values(), ids=list(FIRST_IMPORTS))
def test_instrument_stays_the_function_not_its_module(first: str) -> None:
    code = first + textwrap.dedent(
        """
        import inspect
        import aisec_sdk
        assert inspect.isfunction(aisec_sdk.instrument), aisec_sdk.instrument
        from aisec_sdk import instrument
        assert instrument is aisec_sdk.instrument
        aisec_sdk.instrument("openai")
        print(aisec_sdk.uninstrument("openai"))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['openai']"


def test_dir_lists_the_public_api_and_loads_nothing() -> None:
    """``dir(aisec_sdk)`` is ``__all__`` (and module dunders), not the helpers the package
    imports for itself; listing it imports no module behind a lazy name."""
    code = textwrap.dedent(
        """
        import json, sys
        import aisec_sdk, aisec_sdk.bom
        before = set(sys.modules)
        names = dir(aisec_sdk)
        print(json.dumps([names, dir(aisec_sdk.bom), sorted(set(sys.modules) - before)]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    names, bom_names, loaded = json.loads(done.stdout)
    assert [n for n in names if not n.startswith("__")] == sorted(aisec_sdk.__all__)
    assert "__version__" in names
    assert [n for n in bom_names if not n.startswith("__")] == aisec_sdk.bom.__all__
    assert loaded == []
