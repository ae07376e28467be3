"""One small explicit registry type for every plug-in point: search spaces, property sets,
search methods, acquisition functions, NASLib adapters and runner optimizers.

A registry maps names to entries of one kind (a class, a function, a small record), refuses
duplicates, and lists the valid names in its errors; the CLI takes its choices from the
registries, so a registered entry is usable everywhere at once. An entry may be registered
lazily, as ``"module:attribute"``: its name is listed at once, its module (and torch) imported
only when the entry is first used, so ``--help`` does not pay for what it only names.
"""
from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from typing import Generic, TypeVar

from .errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """Name -> entry of one kind. ``hint`` is appended to unknown-name errors (how to add one)."""

    def __init__(self, kind: str, hint: str = "") -> None:
        self.kind, self.hint = kind, hint
        self._items: dict[str, T] = {}
        self._lazy: dict[str, str] = {}

    def register(self, name: str, entry: T) -> T:
        """Add ``entry`` as ``name``; returns it. A name is registered once (unregister first)."""
        self._check_new(name)
        self._items[name] = entry
        return entry

    def register_lazy(self, name: str, target: str) -> None:
        """Add ``name`` for the entry at ``target`` (``"package.module:attribute"``), imported on
        first ``get``."""
        module, sep, attribute = target.partition(":")
        if not (module and sep and attribute):
            raise ValueError(f"lazy {self.kind} {name!r}: target {target!r} is not 'module:attribute'")
        self._check_new(name)
        self._lazy[name] = target

    def _check_new(self, name: str) -> None:
        if name in self:
            raise ValueError(f"{self.kind} {name!r} is already registered")

    def unregister(self, name: str) -> T:
        """Remove ``name`` (e.g. a plug-in or test undoing its registration); returns its entry."""
        entry = self.get(name)
        del self._items[name]
        return entry

    def get(self, name: str) -> T:
        if name in self._lazy:
            module, _, attribute = self._lazy.pop(name).partition(":")
            self._items[name] = getattr(import_module(module), attribute)
        try:
            return self._items[name]
        except KeyError:
            raise UnknownNameError(
                f"unknown {self.kind} {name!r}; choose one of: {', '.join(self.names())}{self.hint}"
            ) from None

    def names(self) -> list[str]:
        return sorted([*self._items, *self._lazy])

    def __contains__(self, name: object) -> bool:
        return name in self._items or name in self._lazy

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
