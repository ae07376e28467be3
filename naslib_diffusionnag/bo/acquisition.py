"""Acquisition functions: score candidates from a surrogate's mean and spread.

As in BoTorch, an acquisition function only scores; choosing which candidates to score is the
acquisition optimizer's job (``candidates.py``). Shapes: ``mean``, ``std``: ``C`` -> ``C``.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np
from scipy.stats import norm

from ..registry import Registry


class Acquisition(Protocol):
    def __call__(self, mean: np.ndarray, std: np.ndarray, best: float, rng: np.random.Generator) -> np.ndarray:
        """Higher is better; ``best`` is the incumbent value (maximisation)."""
        ...


def its(mean: np.ndarray, std: np.ndarray, best: float, rng: np.random.Generator) -> np.ndarray:
    """Independent Thompson sampling (BANANAS' default): one draw per candidate."""
    return rng.normal(mean, np.maximum(std, 1e-9))


def ucb(mean: np.ndarray, std: np.ndarray, best: float, rng: np.random.Generator, beta: float = 2.0) -> np.ndarray:
    """Upper confidence bound ``mean + beta * std``."""
    return mean + beta * std


def ei(mean: np.ndarray, std: np.ndarray, best: float, rng: np.random.Generator) -> np.ndarray:
    """Expected improvement over ``best`` under a Gaussian predictive."""
    s = np.maximum(std, 1e-9)
    z = (mean - best) / s
    return (mean - best) * norm.cdf(z) + s * norm.pdf(z)


ACQUISITIONS: Registry[Acquisition] = Registry("acquisition function")
ACQUISITIONS.register("its", its)
ACQUISITIONS.register("ucb", ucb)
ACQUISITIONS.register("ei", ei)
