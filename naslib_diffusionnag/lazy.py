"""Lazy package exports (PEP 562), so importing a package, and the CLI's ``--help`` and
argument errors, do not pay for torch: a public name is imported from its module on first use."""
from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(package: str, namespace: dict[str, Any],
                 exports: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: ``exports`` maps a public name to the
    submodule (relative to ``package``) that defines it, or to ``"submodule:attribute"`` when
    it is exported under another name; a resolved name is cached in ``namespace`` (the
    package's ``globals()``), so later lookups skip the hook."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = exports[name].partition(":")
        value = getattr(import_module(f".{module}", package), attribute or name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
