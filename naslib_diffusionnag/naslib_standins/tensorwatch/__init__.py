"""Stand-in tensorwatch (see ``naslib_diffusionnag.naslib_standins``).

NASLib's zero-cost ``model_stats`` module annotates a function with ``tensorwatch.ModelStats`` at
import time; nothing on a tabular search calls it. Every name is a placeholder that fails when
instantiated.
"""
from __future__ import annotations

from typing import Any, NoReturn

IS_DIFFUSIONNAG_STANDIN = True
__version__ = "0.0.0+diffusionnag.standin"


class StandinUnavailableError(RuntimeError):
    """A tensorwatch feature was used that the stand-in does not provide."""


def _fail(name: str) -> NoReturn:
    raise StandinUnavailableError(
        f"tensorwatch.{name} is not available: this tensorwatch is the stand-in naslib_diffusionnag's "
        "setup_naslib installs for NASLib's tabular benchmarks; NASLib's zero-cost model statistics "
        "need the real tensorwatch")


class ModelStats:
    """Placeholder for ``tensorwatch.ModelStats`` (NASLib annotates with it at import time)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _fail("ModelStats")


def __getattr__(name: str) -> type:
    if name.startswith("__"):
        raise AttributeError(f"module 'tensorwatch' has no attribute {name!r}")

    def _init(self: Any, *args: Any, **kwargs: Any) -> None:
        _fail(name)

    return type(name, (), {"__init__": _init, "__module__": "tensorwatch"})
