"""Exponential moving average of parameters; samples always use the averaged weights."""
from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    """Keeps a shadow copy; decay warms up as ``min(decay, (1 + n) / (10 + n))``."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.decay = decay
        self.num_updates = 0
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.num_updates += 1
        d = min(self.decay, (1 + self.num_updates) / (10 + self.num_updates))
        for shadow, p in zip(self.model.parameters(), model.parameters(), strict=True):
            shadow.mul_(d).add_(p.detach(), alpha=1 - d)
        for shadow_b, b in zip(self.model.buffers(), model.buffers(), strict=True):
            shadow_b.copy_(b)
