"""Acquisition functions in torch, bound to the surrogate they score with (BoTorch's pattern).

An acquisition function holds its fitted surrogate and the round's incumbent, and is a
callable ``(x: B x N x F, sigma: B) -> B`` (higher is better) that is differentiable in both
the noisy operator matrix and the noise level. Whoever optimizes it sees only that callable:
ranking a pool calls it on clean architectures (``sigma_min``), and guided generation
differentiates it along the sampling path, so the diffusion sampler climbs the acquisition
itself rather than the surrogate mean. It has the ``transform`` of a ``NoiseAwarePredictor``
(the identity: its value is its own unit), so a ``GuidanceTerm`` takes it as it takes a
predictor, with the ``max`` objective.

Values are in the surrogate's normalised units (z-scores of the labels, or their normal
scores: both monotone in accuracy, with unit spread): every acquisition here ranks candidates
as it would in accuracy units, and the guidance scales keep the units they were tuned in.
"""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Protocol

import numpy as np
import torch

from ..configio import MAX_SEED, require_int, require_number
from ..guidance import ZScore
from ..registry import Registry


class Surrogate(Protocol):
    """What an acquisition function needs of a fitted surrogate: the prediction of each of its
    ``size`` ensemble members, differentiable, and the map of property values into those units."""

    size: int

    def members(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """``M x B`` predictions, normalised units, for ``x`` (``B x N x F``) at ``sigma`` (``B``)."""
        ...

    def normalise(self, value: float) -> float:
        """A property value (e.g. the incumbent's accuracy) in the members' units."""
        ...


class AcquisitionFunction(ABC):
    """A surrogate-bound acquisition function ``(x, sigma) -> B``; higher is better."""

    transform = ZScore(0.0, 1.0)  # its value is its own unit (the identity transform)

    def __init__(self, surrogate: Surrogate) -> None:
        self.surrogate = surrogate

    def posterior(self, x: torch.Tensor, sigma: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and spread (``B`` each) over the ensemble members (std with ddof 0, floored at
        1e-9 so its gradient stays finite where the members agree)."""
        paths = self.surrogate.members(x, sigma)
        mean = paths.mean(0)
        var = (paths - mean).pow(2).mean(0)
        return mean, var.clamp_min(1e-18).sqrt()

    @abstractmethod
    def __call__(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        ...


class PosteriorMean(AcquisitionFunction):
    """The ensemble mean: pure exploitation (the guide of the committed diffusion-BO runs)."""

    def __call__(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        return self.posterior(x, sigma)[0]


class UpperConfidenceBound(AcquisitionFunction):
    """``mean + beta * std``; ``beta`` trades exploration for exploitation."""

    def __init__(self, surrogate: Surrogate, beta: float = 2.0) -> None:
        super().__init__(surrogate)
        self.beta = float(beta)

    def __call__(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        mean, std = self.posterior(x, sigma)
        return mean + self.beta * std


def _standard_normal_pdf(z: torch.Tensor) -> torch.Tensor:
    return torch.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


class ExpectedImprovement(AcquisitionFunction):
    """``E[max(y - best, 0)]`` under a Gaussian with the ensemble's mean and std."""

    def __init__(self, surrogate: Surrogate, best: float) -> None:
        super().__init__(surrogate)
        self.best = float(best)

    def __call__(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        mean, std = self.posterior(x, sigma)
        z = (mean - self.best) / std
        return std * (z * torch.special.ndtr(z) + _standard_normal_pdf(z))


class ProbabilityOfImprovement(AcquisitionFunction):
    """``P(y > best)`` under a Gaussian with the ensemble's mean and std."""

    def __init__(self, surrogate: Surrogate, best: float) -> None:
        super().__init__(surrogate)
        self.best = float(best)

    def __call__(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        mean, std = self.posterior(x, sigma)
        return torch.special.ndtr((mean - self.best) / std)


class ThompsonSampling(AcquisitionFunction):
    """One ensemble member, drawn once: a sample of the posterior that is a whole function, so
    guidance can follow it consistently through every sampling step."""

    def __init__(self, surrogate: Surrogate, member: int) -> None:
        super().__init__(surrogate)
        self.member = int(member)

    def __call__(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        return self.surrogate.members(x, sigma)[self.member]


class IndependentThompsonSampling(AcquisitionFunction):
    """BANANAS' default (the committed runs'): one Gaussian draw ``mean + eps * std`` per
    candidate, ``eps`` drawn afresh on every call from a generator seeded once, so a pool is
    ranked by independent draws; as a guide it is the mean plus noise in the std's direction."""

    def __init__(self, surrogate: Surrogate, seed: int) -> None:
        super().__init__(surrogate)
        self.generator = torch.Generator().manual_seed(int(seed))

    def __call__(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        mean, std = self.posterior(x, sigma)
        eps = torch.randn(mean.shape, generator=self.generator, dtype=mean.dtype).to(mean.device)
        return mean + eps * std


AcquisitionFactory = Callable[[Surrogate, float, int, float], AcquisitionFunction]
"""``(surrogate, best, seed, beta) -> acquisition``: the incumbent in normalised units, a seed
for its random draws, UCB's beta."""

ACQUISITIONS: Registry[AcquisitionFactory] = Registry("acquisition function")
ACQUISITIONS.register("mean", lambda s, best, seed, beta: PosteriorMean(s))
ACQUISITIONS.register("ucb", lambda s, best, seed, beta: UpperConfidenceBound(s, beta))
ACQUISITIONS.register("ei", lambda s, best, seed, beta: ExpectedImprovement(s, best))
ACQUISITIONS.register("pi", lambda s, best, seed, beta: ProbabilityOfImprovement(s, best))
ACQUISITIONS.register("ts", lambda s, best, seed, beta: ThompsonSampling(
    s, int(np.random.default_rng(seed).integers(s.size))))
ACQUISITIONS.register("its", lambda s, best, seed, beta: IndependentThompsonSampling(s, seed))


def make_acquisition(name: str, surrogate: Surrogate, best: float, seed: int,
                     beta: float = 2.0) -> AcquisitionFunction:
    """The acquisition ``name`` bound to a fitted ``surrogate``, with the incumbent value
    ``best`` in property units (finite: None or NaN scored every cell NaN, silently)."""
    require_number("best (the incumbent's value)", best, lambda _: True, "")
    require_int("seed", seed, 0, MAX_SEED)
    return ACQUISITIONS.get(name)(surrogate, surrogate.normalise(best), seed, beta)
