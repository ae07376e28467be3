"""The contract every search method passes through ``propose`` (imported by the test modules
that build methods): each answer is 1 to n distinct unqueried architectures, a run spends
exactly its budget without a repeat, and the same seed proposes the same architectures."""
from __future__ import annotations

from collections.abc import Callable

from naslib_diffusionnag.bo import SearchMethod

ASKS = (1, 3, 2, 7)  # batch sizes asked in turn: a searcher must honour any n >= 1


def drive(method: SearchMethod, black_box: Callable[[str], float], budget: int, seed: int) -> list[str]:
    """Ask ``method.searcher(seed)`` by hand for ``ASKS`` in turn, checking every answer."""
    searcher, history = method.searcher(seed), []
    for i in range(budget):
        if len(history) == budget:
            break
        n = min(ASKS[i % len(ASKS)], budget - len(history))
        batch = searcher.propose(list(history), n)
        assert 1 <= len(batch) <= n, f"asked for {n}, got {len(batch)}"
        assert len(set(batch)) == len(batch) and not {a for a, _ in history} & set(batch)
        history += [(a, black_box(a)) for a in batch]
    assert len(history) == budget
    return [a for a, _ in history]


def check_search_contract(method: SearchMethod, black_box: Callable[[str], float], budget: int) -> None:
    """``method`` (built once, run several times) against ``black_box``."""
    calls: list[str] = []

    def counted(arch: str) -> float:
        calls.append(arch)
        return black_box(arch)

    traj = method.run(counted, budget, seed=3)
    assert len(traj.archs) == len(calls) == budget and len(set(calls)) == budget
    assert traj.values == [black_box(a) for a in traj.archs]
    assert method.run(black_box, budget, seed=3).archs == traj.archs  # deterministic per seed
    assert method.run(black_box, budget, seed=4).archs != traj.archs
    by_hand = drive(method, black_box, budget, seed=5)
    assert drive(method, black_box, budget, seed=5) == by_hand
