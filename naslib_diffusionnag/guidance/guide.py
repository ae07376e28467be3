"""Predictor guidance by composition: ``(score_fn, terms, scale) -> score_fn``.

``s_total(x, t) = s_theta(x, t) + k * grad_x sum_i w_i g_i(f_i(x, sigma(t)))`` (classifier
guidance, as in the paper; the official code uses one term with g = identity). The sampler is
unchanged: it receives the guided score in both the corrector and the predictor steps.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..configio import require_number
from ..diffusion.score_fn import ScoreFn
from ..diffusion.sde import VESDE
from ..errors import ConfigError, DiffusionNAGError
from .objectives import Objective
from .predictors import NoiseAwarePredictor


class NonFiniteGuidanceError(DiffusionNAGError, FloatingPointError):
    """A guidance gradient was NaN or infinite."""


@dataclass
class GuidanceTerm:
    """One guided property: a predictor, what to want of it, and its weight. ``tighten = p``
    multiplies the weight by ``(sigma_max / sigma)^p``: a penalty that tightens over the
    sampling steps, for a constraint that must hold at the end (an exact budget)."""

    name: str
    predictor: NoiseAwarePredictor
    objective: Objective
    weight: float = 1.0
    tighten: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError(f"a guidance term needs a name (a non-empty string), got {self.name!r}")
        if not callable(self.predictor) or not hasattr(self.predictor, "transform"):
            raise ConfigError(f"the predictor of guidance term {self.name!r} must be a noise-aware predictor (callable "
                              f"on (x, sigma), with a label `transform`; e.g. ArchitectureGenerator.fit_predictor's), "
                              f"got {type(self.predictor).__name__}")
        if not isinstance(self.objective, Objective):
            raise ConfigError(f"the objective of guidance term {self.name!r} must be an Objective, e.g. "
                              f"Objective('max'), got {self.objective!r}")
        check_weight(self.name, self.weight, self.tighten)


def check_weight(name: str, weight: Any, tighten: Any) -> None:
    """``ConfigError`` unless a guided property's weight is a finite number > 0 and its
    tightening one >= 0 (a negative weight would silently flip the objective)."""
    require_number(f"weight of {name}", weight, lambda v: v > 0, "> 0",
                   " (the objective, @max/@min/@budget/@target, sets the direction)")
    require_number(f"tighten of {name}", tighten, lambda v: v >= 0, ">= 0")


def guidance_log_likelihood(terms: Sequence[GuidanceTerm], x: torch.Tensor, sigma: torch.Tensor,
                            sigma_max: float = 1.0) -> torch.Tensor:
    """``sum_i w_i (sigma_max / sigma)^p_i g_i(f_i(x, sigma))`` per sample (``B``)."""
    total = x.new_zeros(x.shape[0])
    for term in terms:
        y = term.predictor(x, sigma)
        weight = term.weight * (sigma_max / sigma.to(x)) ** term.tighten if term.tighten else term.weight
        total = total + weight * term.objective(y, term.predictor.transform)
    return total


def guided_score_fn(score_fn: ScoreFn, sde: VESDE, terms: Sequence[GuidanceTerm], scale: float) -> ScoreFn:
    """The guided score function. Raises ``NonFiniteGuidanceError`` rather than letting a NaN
    or infinite gradient reach the sampler."""
    if not terms or scale == 0:
        return score_fn

    def guided(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        with torch.enable_grad():
            xg = x.detach().requires_grad_(True)
            ll = guidance_log_likelihood(terms, xg, sde.sigma(t), sde.sigma_max)
            (grad,) = torch.autograd.grad(ll.sum(), xg)
        if not torch.isfinite(grad).all():
            bad = int((~torch.isfinite(grad)).flatten(1).any(1).sum())
            raise NonFiniteGuidanceError(
                f"guidance gradient of {', '.join(t.name for t in terms)} is not finite for {bad} "
                f"of {x.shape[0]} samples at t={float(t[0]):.4f}; lower the scale or check the predictor"
            )
        return score_fn(x, t) + scale * grad

    return guided
