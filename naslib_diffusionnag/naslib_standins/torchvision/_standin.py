"""Placeholders shared by the stand-in torchvision's modules."""
from __future__ import annotations

from typing import Any, NoReturn

#: Set on every stand-in package so setup_naslib (and a curious user) can tell it from the real one.
IS_DIFFUSIONNAG_STANDIN = True

HINT = ("this torchvision is the stand-in naslib_diffusionnag's setup_naslib installs for NASLib's "
        "tabular benchmarks, which never call it; install a torchvision build matching your torch "
        "(it takes precedence over the stand-in) to train networks or load image datasets")


class StandinUnavailableError(RuntimeError):
    """A torchvision feature was used that the stand-in does not provide."""


def fail(name: str) -> NoReturn:
    """Raise the one error every unsupported use ends in."""
    raise StandinUnavailableError(f"{name} is not available: {HINT}")


def placeholder(module: str, name: str) -> type:
    """A class that imports, can be subclassed and annotated with, and fails when used."""

    def _init(self: Any, *args: Any, **kwargs: Any) -> None:
        fail(f"{module}.{name}")

    return type(name, (), {"__init__": _init, "__module__": module,
                           "__doc__": f"Stand-in for {module}.{name}: fails when instantiated."})


def module_getattr(module: str, name: str) -> type:
    """``__getattr__`` body for a stand-in module: placeholders for public names only."""
    if name.startswith("__"):
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    return placeholder(module, name)
