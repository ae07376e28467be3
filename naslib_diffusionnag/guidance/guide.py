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
from .labels import LabelKind
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
        if not (isinstance(self.weight, (int, float)) and math.isfinite(self.weight) and self.weight > 0):
            raise ConfigError(f"weight of {self.name} is {self.weight!r}; it must be a finite number > 0 "
                              "(the objective, @max/@min/@budget/@target, sets the direction)")
        if not (math.isfinite(self.tighten) and self.tighten >= 0):
            raise ConfigError(f"tighten of {self.name} is {self.tighten!r}; it must be a finite number >= 0")


def guidance_log_likelihood(terms: Sequence[GuidanceTerm], x: torch.Tensor, sigma: torch.Tensor,
                            sigma_max: float = 1.0) -> torch.Tensor:
    """``sum_i w_i (sigma_max / sigma)^p_i g_i(f_i(x, sigma))`` per sample (``B``)."""
    total = x.new_zeros(x.shape[0])
    for term in terms:
        y = term.predictor(x, sigma)
        weight = term.weight * (sigma_max / sigma.to(x)) ** term.tighten if term.tighten else term.weight
        total = total + weight * term.objective(y, term.predictor.labels)
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


# ---- guidance-scale schedules ---------------------------------------------------------------
def check_scales(scales: Sequence[float]) -> list[float]:
    """Guidance scales as every schedule uses them: at least one, each finite and >= 0, never
    increasing (rounds go from following the predictor hard to exploring; an increasing list
    would do the opposite and is refused rather than run)."""
    values = [float(s) for s in scales]
    if not values:
        raise ConfigError("need at least one guidance scale, e.g. 50 or 50,25,10")
    bad = [s for s in values if not math.isfinite(s) or s < 0]
    if bad:
        raise ConfigError(f"guidance scales must be finite and >= 0, got {bad[0]:g} in {values}")
    if any(b > a for a, b in zip(values, values[1:], strict=False)):
        raise ConfigError(f"guidance scales {values} increase; give them in decreasing order (one round "
                          "each: exploitation first, then exploration), e.g. 50,25,10")
    return values


def scale_schedule(scales: Sequence[float], n: int) -> list[tuple[float, int]]:
    """Split ``n`` samples over rounds, one per scale: ``[(scale, n_round), ...]``.

    One scale is a fixed scale. Several, decreasing, give the paper's balanced
    exploitation-exploration: early rounds follow the predictor hard, later ones explore.
    """
    scales = check_scales(scales)
    k = len(scales)
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    return [(float(s), m) for s, m in zip(scales, sizes, strict=True) if m > 0]


def linear_schedule(start: float, step: float, rounds: int) -> list[float]:
    """``start, start - step, ...`` for ``rounds`` rounds (the official NB201 recipe decreases
    the scale by a fixed step after each round), floored at 0."""
    return [max(start - r * step, 0.0) for r in range(rounds)]


def default_guidance(directions: Sequence[str]) -> tuple[LabelKind, list[float]]:
    """Label transform and scale schedule for a set of objective directions, as benchmarked on
    NB201 (benchmarks_results/guidance_nb201.md; the grid on held-out seeds is
    benchmarks_results/guidance_selection_nb201.md): only ``max``/``min``: normal scores with
    50/25/10 (their wider units need smaller scales; CIFAR-10 with 100 labels: mean 93.3, top-5
    94.2), the held-out grid's choice; any ``budget``/``target``: z-scores with 100/50/25. For
    budgets the held-out rule prefers normal scores, but only at latency weight 6 (in-budget
    accuracy 86.7 vs 86.4); at weights 1 and 3 normal scores keep far fewer cells within budget
    (35-85 % vs 85-98 %), and the weight is the caller's, so z-scores are the robust default."""
    if any(d in ("budget", "target") for d in directions):
        return "zscore", [100.0, 50.0, 25.0]
    return "normal_scores", [50.0, 25.0, 10.0]
