"""Stand-in ``torchvision.transforms.functional``: every function fails when called."""
from __future__ import annotations

from .._standin import module_getattr


def __getattr__(name: str) -> type:
    return module_getattr(__name__, name)
