"""Exact cost guidance: a noise-aware predictor that is a known function, not a fitted model.

A hardware cost read from a look-up table (or counted) is known for every architecture, so
guiding it by a network fitted to a few hundred labels throws information away. Given a
``SoftCost`` (the oracle side's exact expectation over a soft architecture, e.g.
``oracles.soft_cost``), this module turns the noisy ``X_t`` into per-entry probabilities and
returns the expected cost, differentiable in ``X_t``.

The probabilities are the decoder's own reading: an entry is on when its clean value is +1
(model scale; off: -1), and under the VE perturbation ``x_t = x_0 + sigma z`` with even prior
odds the posterior of "on" is ``sigmoid(2 x_t / sigma^2)``. At the sampler's smallest sigma a
clean 0/1 matrix is its own posterior (to float precision), so the value is the table's.

That posterior is nearly 0/1 once sigma is small, so its gradient vanishes exactly where the
sampler commits to a token, and a cheaper alternative (a skipped slot, another kernel) stays
invisible to it. The gradient is therefore taken at ``max(sigma, temper)`` while the value stays
exact (a straight-through estimator): the objective sees the true expected cost, and the
direction comes from a reading soft enough to see the cheaper alternatives.
"""
from __future__ import annotations

from typing import Protocol

import torch

from .labels import ZScore


class SoftCost(Protocol):
    """An exact expected cost: ``q`` (``B x N x F`` probabilities that each entry is on) ->
    ``B`` values in the property's units."""

    def __call__(self, q: torch.Tensor) -> torch.Tensor:
        ...

    def minimum(self) -> float:
        """The smallest cost of any architecture (a budget below it cannot be met)."""
        ...

    def maximum(self) -> float:
        """No architecture costs more (a budget at or above it constrains nothing)."""
        ...


def entry_posterior(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """``B x N x F`` probabilities that each entry of ``x`` (model scale) is on, at noise
    ``sigma`` (``B``)."""
    return torch.sigmoid(2.0 * x / sigma.to(x)[:, None, None] ** 2)


class ExpectedCostPredictor:
    """The ``NoiseAwarePredictor`` interface over an exact cost: ``(x_t, sigma) ->`` expected
    cost in ``transform`` units (a z-score, so guidance scales and the default budget softness
    mean what they mean for a fitted predictor). Nothing is learned: no labels, no oracle calls."""

    def __init__(self, cost: SoftCost, transform: ZScore, temper: float = 1.0) -> None:
        if not temper > 0:
            raise ValueError(f"temper must be > 0 (a noise level), got {temper!r}")
        self.cost, self.transform, self.temper = cost, transform, float(temper)

    def expected(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """Expected cost (``B``, the property's units) of ``x`` at noise ``sigma``: the exact
        value, with the gradient of the reading at ``max(sigma, temper)``."""
        exact = self.cost(entry_posterior(x, sigma))
        soft = self.cost(entry_posterior(x, sigma.clamp_min(self.temper)))
        return soft + (exact - soft).detach()

    def __call__(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        return (self.expected(x, sigma) - self.transform.mean) / self.transform.std
