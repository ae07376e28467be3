"""Search spaces: adapters between architectures and ``(X, A)`` tensors, by name."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..registry import Registry
from .base import SearchSpace
from .mbv3 import MBv3Space
from .nb201 import NB201Space

SPACES: Registry[Callable[..., SearchSpace]] = Registry(
    "search space", hint=" (a new space subclasses SearchSpace and registers its class in SPACES)")
SPACES.register("nb201", NB201Space)
SPACES.register("mbv3", MBv3Space)


def get_space(name: str, **options: Any) -> SearchSpace:
    """The search space registered as ``name`` (options go to its constructor)."""
    return SPACES.get(name)(**options)


__all__ = ["SPACES", "MBv3Space", "NB201Space", "SearchSpace", "get_space"]
