"""Denoising score matching for the VE SDE (continuous time, as in the official code)."""
from __future__ import annotations

import torch

from .score_fn import ScoreFn
from .sde import VESDE, expand


def dsm_loss(score_fn: ScoreFn, sde: VESDE, x0: torch.Tensor, generator: torch.Generator,
             eps: float = 1e-5) -> torch.Tensor:
    """Mean over samples of the mean over entries of ``(sigma_t * s(x_t, t) + z)^2``.

    ``x0``: ``B x N x F`` clean data in the model's scale ({-1, +1}); ``t ~ U(eps, 1)``;
    ``x_t = x0 + sigma_t z``. No entry is masked (as in the official code).
    """
    b = x0.shape[0]
    t = torch.rand(b, generator=generator) * (1.0 - eps) + eps
    z = torch.randn(x0.shape, generator=generator)
    mean, std = sde.marginal_prob(x0, t)
    xt = mean + expand(std, x0) * z
    score = score_fn(xt, t)
    return (expand(std, x0) * score + z).pow(2).flatten(1).mean(1).mean()
