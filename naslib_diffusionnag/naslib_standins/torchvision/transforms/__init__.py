"""Stand-in ``torchvision.transforms``.

NASLib's ``naslib/utils/load_ops.py`` subclasses ``Compose``, ``Resize``, ``ToPILImage``,
``ToTensor``, ``Normalize``, ``RandomHorizontalFlip``, ``RandomGrayscale`` and ``ColorJitter`` at
import time, so they are real classes here. ``Compose`` works (it only chains callables); the
others keep their constructor arguments and fail when applied to an image. Any other name is a
placeholder that fails when instantiated.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .._standin import fail, module_getattr
from . import functional  # noqa: F401  (``from torchvision.transforms import functional``)


class Compose:
    """Chains callables, as torchvision's does (no image code involved)."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = transforms

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.transforms)!r})"


class _ImageTransform:
    """Base of the transforms NASLib subclasses: keeps arguments, fails when applied."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args, self.kwargs = args, kwargs

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fail(f"{__name__}.{type(self).__name__}")

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        fail(f"{__name__}.{type(self).__name__}")


class Resize(_ImageTransform):
    """Placeholder base class for NASLib's ``load_ops.Resize``."""


class ToPILImage(_ImageTransform):
    """Placeholder base class for NASLib's ``load_ops.ToPILImage``."""


class ToTensor(_ImageTransform):
    """Placeholder base class for NASLib's ``load_ops.ToTensor``."""


class Normalize(_ImageTransform):
    """Placeholder base class for NASLib's ``load_ops.Normalize``."""


class RandomHorizontalFlip(_ImageTransform):
    """Placeholder base class for NASLib's ``load_ops.RandomHorizontalFlip``."""


class RandomGrayscale(_ImageTransform):
    """Placeholder base class for NASLib's ``load_ops.RandomGrayscale``."""


class ColorJitter(_ImageTransform):
    """Placeholder base class for NASLib's ``load_ops.ColorJitter``."""


def __getattr__(name: str) -> type:
    return module_getattr(__name__, name)
