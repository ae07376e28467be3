"""Stand-in torchvision (see ``naslib_diffusionnag.naslib_standins``): import-time names only."""
from . import datasets, models, transforms  # noqa: F401  (``import torchvision`` exposes them, like the real one)
from ._standin import IS_DIFFUSIONNAG_STANDIN, StandinUnavailableError  # noqa: F401

__version__ = "0.0.0+diffusionnag.standin"
