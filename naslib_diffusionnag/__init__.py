"""naslib-diffusionnag: DiffusionNAG (An et al., ICLR 2024) for the NASLib ecosystem.

The package is layered so that each arrow points one way:
``spaces`` (architectures <-> tensors) and ``oracles`` (real benchmark data) feed
``diffusion`` (SDE, score network, losses, sampler), which knows nothing of either.
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("naslib-diffusionnag")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
