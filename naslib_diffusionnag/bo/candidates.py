"""Acquisition optimizers: propose candidate architectures for the acquisition function.

``random`` samples the space, ``mutation`` mutates the best queried architectures (BANANAS),
``diffusion`` generates with predictor guidance from the current surrogate (DiffusionNAG).
Each returns up to ``n`` distinct architectures not queried yet.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..diffusion import SamplerConfig
from ..generation import ArchitectureGenerator
from ..spaces import SearchSpace
from .surrogate import EnsembleSurrogate


class AcquisitionOptimizer(Protocol):
    name: str

    def propose(self, history: Sequence[tuple[str, float]], surrogate: EnsembleSurrogate,
                rng: np.random.Generator) -> list[str]:
        ...


def _fresh(archs: Sequence[str], known: set[str], n: int) -> list[str]:
    out: list[str] = []
    seen = set(known)
    for a in archs:
        if a not in seen:
            seen.add(a)
            out.append(a)
        if len(out) == n:
            break
    return out


@dataclass
class RandomAO:
    space: SearchSpace
    n: int = 100
    name: str = "random"

    def propose(self, history, surrogate, rng) -> list[str]:
        known = {a for a, _ in history}
        return _fresh(self.space.sample(4 * self.n, rng), known, self.n)


@dataclass
class MutationAO:
    """BANANAS: one-edit mutations of the ``top_k`` best queried architectures."""

    space: SearchSpace
    n: int = 100
    top_k: int = 10
    name: str = "mutation"

    def propose(self, history, surrogate, rng) -> list[str]:
        known = {a for a, _ in history}
        best = [a for a, _ in sorted(history, key=lambda h: h[1], reverse=True)[: self.top_k]]
        pool = [self.space.mutate(best[i % len(best)], rng) for i in range(4 * self.n)]
        return _fresh(pool, known, self.n)


@dataclass
class DiffusionAO:
    """DiffusionNAG: candidates generated under the guidance of the current surrogate."""

    generator: ArchitectureGenerator
    n: int = 100
    scales: list[float] = field(default_factory=lambda: [100.0, 50.0, 25.0])
    sampler: SamplerConfig | None = None  # None: the checkpoint's default sampler
    name: str = "diffusion"

    def propose(self, history, surrogate, rng) -> list[str]:
        known = {a for a, _ in history}
        seed = int(rng.integers(2**31 - 1))
        gen = self.generator.sample_guided(self.n, seed, surrogate.guidance_terms(), self.scales, self.sampler)
        return _fresh(gen.valid, known, self.n)
