"""The variance-exploding SDE (Song et al., 2021): it owns all the noise mathematics (forward
and reverse coefficients, perturbation, prior), so losses and samplers never branch on the SDE
type. Every tensor it makes has the dtype and device of its input.
"""
from __future__ import annotations

import math

import torch

from .config import SDEConfig
from .rng import normal_like


class VESDE:
    """dx = sqrt(d[sigma^2(t)]/dt) dw with sigma(t) = sigma_min (sigma_max/sigma_min)^t."""

    def __init__(self, config: SDEConfig) -> None:
        self.sigma_min = config.sigma_min
        self.sigma_max = config.sigma_max
        self._log_ratio = math.log(self.sigma_max / self.sigma_min)

    def sigma(self, t: torch.Tensor) -> torch.Tensor:
        """Noise level at time ``t`` (``B``)."""
        return self.sigma_min * torch.exp(t * self._log_ratio)

    def sde(self, x: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Drift (``B x N x F``) and diffusion coefficient g(t) (``B``) of the forward SDE."""
        g = self.sigma(t) * math.sqrt(2 * self._log_ratio)
        return torch.zeros_like(x), g

    def reverse(self, x: torch.Tensor, t: torch.Tensor, score: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Drift ``f - g^2 score`` (``B x N x F``) and diffusion g (broadcast to ``x``) of the
        reverse-time SDE, given the score at ``(x, t)``."""
        drift, g = self.sde(x, t)
        g = expand(g, x)
        return drift - g**2 * score, g

    def marginal_prob(self, x0: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean (``B x N x F``) and std (``B``) of p_t(x | x0)."""
        return x0, self.sigma(t)

    def perturb(self, x0: torch.Tensor, t: torch.Tensor, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``x_t = mean + std * z`` for standard normal ``z`` (like ``x0``); also returns the
        std (``B``) the losses weight by."""
        mean, std = self.marginal_prob(x0, t)
        return mean + expand(std, x0) * z, std

    def prior_sampling(self, shape: tuple[int, ...], generator: torch.Generator,
                       like: torch.Tensor | None = None) -> torch.Tensor:
        """Draws of the prior N(0, sigma_max^2 I), with ``like``'s dtype and device (default:
        float32 on the CPU)."""
        like = torch.empty(0) if like is None else like
        return normal_like(like, generator, shape) * self.sigma_max

    def langevin_step_scale(self, t: torch.Tensor) -> torch.Tensor:
        """alpha_t of annealed Langevin dynamics (1 for VE)."""
        return torch.ones_like(t)


def expand(v: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Broadcast a per-sample ``B`` tensor against ``B x ...``."""
    return v.reshape(-1, *([1] * (like.dim() - 1)))
