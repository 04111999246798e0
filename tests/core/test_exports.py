"""The lazy public names of `aisec_sdk` stay what they are, whatever is imported first."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

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
