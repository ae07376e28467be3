"""Denoising score matching for the VE SDE (continuous time, as in the official code)."""
from __future__ import annotations

import torch

from .rng import normal_like, uniform_like
from .score_fn import ScoreFn
from .sde import VESDE, expand


def dsm_loss(score_fn: ScoreFn, sde: VESDE, x0: torch.Tensor, generator: torch.Generator,
             eps: float = 1e-5) -> torch.Tensor:
    """Mean over samples of the mean over entries of ``(sigma_t * s(x_t, t) + z)^2``.

    ``x0``: ``B x N x F`` clean data in the model's scale ({-1, +1}); ``t ~ U(eps, 1)``;
    ``x_t = x0 + sigma_t z``. No entry is masked (as in the official code). ``t``, ``z`` and
    the loss have ``x0``'s dtype and device.
    """
    t = uniform_like(x0, generator, (x0.shape[0],)) * (1.0 - eps) + eps
    z = normal_like(x0, generator)
    xt, std = sde.perturb(x0, t, z)
    score = score_fn(xt, t)
    return (expand(std, x0) * score + z).pow(2).flatten(1).mean(1).mean()
