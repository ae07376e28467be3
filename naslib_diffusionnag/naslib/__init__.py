"""NASLib plugin: DiffusionNAG as a NASLib optimizer and as BANANAS' acquisition optimizer.

NASLib is imported lazily: ``import naslib_diffusionnag`` (and this module) never needs it.
What needs no NASLib: the ``dataset_api`` builder (``build_nb201_dataset_api``) and the
adapters' pure conversions. The optimizers, the runner and the graph side of the adapters
need NASLib (``require_naslib`` raises ``NASLibNotFoundError`` with the install hint).
"""
from __future__ import annotations

from typing import Any

from ._require import NASLibNotFoundError, naslib_available, naslib_info, require_naslib
from .adapter import ADAPTERS, GraphAdapter, NB201Adapter, get_adapter
from .dataset_api import DATASET_API_INFO_KEY, build_nb201_dataset_api, load_dataset_api

_LAZY = {"DiffusionNAG": ".optimizers", "BananasDiffusion": ".optimizers"}

__all__ = ["ADAPTERS", "DATASET_API_INFO_KEY", "BananasDiffusion", "DiffusionNAG", "GraphAdapter",
           "NASLibNotFoundError", "NB201Adapter", "build_nb201_dataset_api", "get_adapter",
           "load_dataset_api", "naslib_available", "naslib_info", "require_naslib"]


def __getattr__(name: str) -> Any:
    """The optimizers subclass NASLib classes, so they are built on first access only."""
    if name in _LAZY:
        require_naslib()
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
