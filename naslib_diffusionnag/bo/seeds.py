"""The one rule by which a search derives the seeds of its parts: numpy's ``SeedSequence``.

A search is given one integer seed; its random stream, each round's surrogate fit, each
member's initialisation and each acquisition's draws get children spawned from it in order,
so runs with different seeds (or rounds, or members) never share a stream by accident, as
hand-made formulas such as ``seed * 1000 + m`` can.
"""
from __future__ import annotations

import numpy as np

from ..configio import MAX_SEED, require_int


def search_seeds(seed: object) -> np.random.SeedSequence:
    """A search's seed as the root of its streams. Checked: None would draw OS entropy (a run
    nobody can repeat) and numpy names a negative or float seed only in its own terms."""
    return np.random.SeedSequence(require_int("seed", seed, 0, MAX_SEED, " (every random choice of a search "
                                              "derives from it, so a run repeats exactly)"))


def spawn_seeds(parent: np.random.SeedSequence | int, n: int) -> list[int]:
    """The next ``n`` children of ``parent`` as 32-bit integer seeds (for torch and for
    callees that take an int); an int ``parent`` is ``SeedSequence(parent)``."""
    seq = parent if isinstance(parent, np.random.SeedSequence) else np.random.SeedSequence(parent)
    return [int(child.generate_state(1)[0]) for child in seq.spawn(n)]


def spawn_rng(parent: np.random.SeedSequence) -> np.random.Generator:
    """A numpy generator on the next child of ``parent``."""
    return np.random.default_rng(parent.spawn(1)[0])
