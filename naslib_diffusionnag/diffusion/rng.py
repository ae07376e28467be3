"""Randomness without global state: noise drawn from a caller's ``torch.Generator`` and made
like the tensor it perturbs, and a scoped seed for what cannot take a generator.

Noise is drawn on the generator's device, then moved to the tensor's device: a CPU generator
gives the same stream whatever device the model runs on, and a float32 CPU draw is exactly
``torch.randn(shape, generator=g)``, so results made before these helpers existed reproduce.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


def normal_like(like: torch.Tensor, generator: torch.Generator,
                shape: tuple[int, ...] | torch.Size | None = None) -> torch.Tensor:
    """Standard normal noise with ``like``'s dtype and device (and shape unless given)."""
    size = like.shape if shape is None else shape
    return torch.randn(size, generator=generator, device=generator.device, dtype=like.dtype).to(like.device)


def uniform_like(like: torch.Tensor, generator: torch.Generator, shape: tuple[int, ...]) -> torch.Tensor:
    """U[0, 1) draws of ``shape`` with ``like``'s dtype and device."""
    return torch.rand(shape, generator=generator, device=generator.device, dtype=like.dtype).to(like.device)


@contextmanager
def scoped_seed(seed: int, device: torch.device | str | None = None) -> Iterator[None]:
    """Seed torch's global RNG for the block only and restore it afterwards: parameter
    initialisation and dropout draw from the global RNG and take no generator, and a library
    call must not change its caller's random stream. Forks the CUDA RNGs only for a CUDA
    ``device`` (forking them initialises CUDA)."""
    cuda = device is not None and torch.device(device).type == "cuda"
    with torch.random.fork_rng(devices=list(range(torch.cuda.device_count())) if cuda else []):
        torch.manual_seed(seed)
        yield
