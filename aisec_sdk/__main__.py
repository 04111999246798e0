"""``python -m aisec_sdk``: the ``aisec`` command."""

from aisec_sdk.cli import main

raise SystemExit(main())
