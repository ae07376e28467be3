"""Predictor guidance by composition: ``(score_fn, terms, scale) -> score_fn``.

``s_total(x, t) = s_theta(x, t) + k * grad_x sum_i w_i g_i(f_i(x, sigma(t)))`` (classifier
guidance, as in the paper; the official code uses one term with g = identity). The sampler is
unchanged: it receives the guided score in both the corrector and the predictor steps.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ..diffusion.score_fn import ScoreFn
from ..diffusion.sde import VESDE
from ..errors import ConfigError, DiffusionNAGError
from .objectives import Objective
from .predictors import NoiseAwarePredictor


class NonFiniteGuidanceError(DiffusionNAGError, FloatingPointError):
    """A guidance gradient was NaN or infinite."""


@dataclass
class GuidanceTerm:
    """One guided property: a predictor, what to want of it, and its weight."""

    name: str
    predictor: NoiseAwarePredictor
    objective: Objective
    weight: float = 1.0

    def __post_init__(self) -> None:
        if not (isinstance(self.weight, (int, float)) and math.isfinite(self.weight) and self.weight > 0):
            raise ConfigError(f"weight of {self.name} is {self.weight!r}; it must be a finite number > 0 "
                              "(the objective, @max/@min/@budget/@target, sets the direction)")


def guidance_log_likelihood(terms: Sequence[GuidanceTerm], x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """``sum_i w_i g_i(f_i(x, sigma))`` per sample (``B``)."""
    total = x.new_zeros(x.shape[0])
    for term in terms:
        y = term.predictor(x, sigma)
        total = total + term.weight * term.objective(y, term.predictor.transform)
    return total


def guided_score_fn(score_fn: ScoreFn, sde: VESDE, terms: Sequence[GuidanceTerm], scale: float) -> ScoreFn:
    """The guided score function. Raises ``NonFiniteGuidanceError`` rather than letting a NaN
    or infinite gradient reach the sampler."""
    if not terms or scale == 0:
        return score_fn

    def guided(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        with torch.enable_grad():
            xg = x.detach().requires_grad_(True)
            ll = guidance_log_likelihood(terms, xg, sde.sigma(t))
            (grad,) = torch.autograd.grad(ll.sum(), xg)
        if not torch.isfinite(grad).all():
            bad = int((~torch.isfinite(grad)).flatten(1).any(1).sum())
            raise NonFiniteGuidanceError(
                f"guidance gradient of {', '.join(t.name for t in terms)} is not finite for {bad} "
                f"of {x.shape[0]} samples at t={float(t[0]):.4f}; lower the scale or check the predictor"
            )
        return score_fn(x, t) + scale * grad

    return guided
