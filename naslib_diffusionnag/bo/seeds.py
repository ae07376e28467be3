"""The one rule by which a search derives the seeds of its parts: numpy's ``SeedSequence``.

A search is given one integer seed; its random stream, each round's surrogate fit, each
member's initialisation and each acquisition's draws get children spawned from it in order,
so runs with different seeds (or rounds, or members) never share a stream by accident, as
hand-made formulas such as ``seed * 1000 + m`` can.
"""
from __future__ import annotations

import numpy as np


def spawn_seeds(parent: np.random.SeedSequence | int, n: int) -> list[int]:
    """The next ``n`` children of ``parent`` as 32-bit integer seeds (for torch and for
    callees that take an int); an int ``parent`` is ``SeedSequence(parent)``."""
    seq = parent if isinstance(parent, np.random.SeedSequence) else np.random.SeedSequence(parent)
    return [int(child.generate_state(1)[0]) for child in seq.spawn(n)]


def spawn_rng(parent: np.random.SeedSequence) -> np.random.Generator:
    """A numpy generator on the next child of ``parent``."""
    return np.random.default_rng(parent.spawn(1)[0])
