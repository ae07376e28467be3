"""Projection onto a cost budget: the sampler's last step for a hard budget on an exact cost.

Guidance moves the expected cost under a budget but cannot promise every sample ends within
it (a strong penalty overshoots, a weak one leaves some over; ``mbv3.md`` b2/b5). Where the
cost is known exactly for every architecture (a latency table, a FLOP count), each sample over
the budget can instead be moved into it by a greedy chain of cost-lowering one-edit moves whose
last step keeps as much of the cost (capacity) as the budget allows. It needs only the space's one-edit neighbourhood and
the cost, so it knows nothing about diffusion, a particular space, or a predictor.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from .errors import ConfigError
from .guidance.exact import SoftCost
from .spaces import SearchSpace

Cost = Callable[[Sequence[str]], np.ndarray]
"""Architectures -> their exact costs."""


def tensor_cost(space: SearchSpace, soft: SoftCost) -> Cost:
    """The exact cost read through the one-hot tensors (equal to the table on them; batched, so
    a neighbourhood of ~200 subnets costs one call)."""

    def cost(archs: Sequence[str]) -> np.ndarray:
        with torch.no_grad():
            return soft(space.encode(list(archs)).double()).numpy()

    return cost


def project_within(space: SearchSpace, cost: Cost, budget: float, archs: Sequence[str],
                   max_edits: int = 100) -> list[str]:
    """Each architecture over ``budget`` moved within it by one-edit moves: while over, to its
    cheapest neighbour; the last move to the costliest neighbour within the budget. Those
    within are returned unchanged, in place."""
    out = list(archs)
    if not out:
        return out
    for i in np.flatnonzero(cost(out) > budget):
        arch = out[i]
        for _ in range(max_edits):
            options = space.neighbours(arch)
            values = cost(options)
            inside = np.flatnonzero(values <= budget)
            if inside.size:
                arch = options[int(inside[np.argmax(values[inside])])]
                break
            arch = options[int(np.argmin(values))]
        else:
            raise ConfigError(f"{max_edits} cost-lowering edits did not bring {out[i]} within the budget {budget:g}; "
                              "is the budget below the space's smallest cost?")
        out[i] = arch
    return out
