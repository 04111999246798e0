"""Lazy public exports for packages: names load on first access, so imports stay cheap."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str,
    exports: Mapping[str, str],
    namespace: dict[str, Any],
    *,
    public_module: bool = False,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module ``__getattr__`` and ``__dir__`` for ``package``.

    ``exports`` maps a public name to the module defining it; a loaded name is cached in
    ``namespace``. With ``public_module``, exported classes report ``package`` as their module
    (reprs and tracebacks show a name users can import). ``dir()`` lists the public API
    (``__all__``, else ``exports``) and the module's dunders, not what the package imported
    for itself (``os``, ``TYPE_CHECKING``) nor its private names.
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        if public_module and isinstance(value, type):
            value.__module__ = package
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        dunders = (n for n in namespace if n.startswith("__") and n.endswith("__"))
        return sorted({*namespace.get("__all__", exports), *dunders})

    return __getattr__, __dir__
