"""The variance-exploding SDE (Song et al., 2021): it owns all the noise mathematics, so
losses and samplers never branch on the SDE type."""
from __future__ import annotations

import math

import torch

from .config import SDEConfig


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

    def marginal_prob(self, x0: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean (``B x N x F``) and std (``B``) of p_t(x | x0)."""
        return x0, self.sigma(t)

    def prior_sampling(self, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
        return torch.randn(shape, generator=generator) * self.sigma_max

    def langevin_step_scale(self, t: torch.Tensor) -> torch.Tensor:
        """alpha_t of annealed Langevin dynamics (1 for VE)."""
        return torch.ones_like(t)


def expand(v: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Broadcast a per-sample ``B`` tensor against ``B x ...``."""
    return v.reshape(-1, *([1] * (like.dim() - 1)))
