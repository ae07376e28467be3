"""The score function ``(x, t) -> score``: the one currency the losses, the sampler and
guidance exchange, so guidance can wrap it instead of forking the sampler."""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .sde import VESDE

ScoreFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""``score_fn(x: B x N x F, t: B) -> B x N x F``."""


def get_score_fn(model: nn.Module, sde: VESDE) -> ScoreFn:
    """The model is conditioned on sigma(t), not on t (as in the official code)."""

    def score_fn(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return model(x, sde.sigma(t))

    return score_fn
