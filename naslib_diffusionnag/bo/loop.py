"""Search loops over a black box: Bayesian optimisation and the classic baselines.

Every optimizer has the same contract: ``run(black_box, budget, seed) -> Trajectory``; it
queries at most ``budget`` distinct architectures, never one twice, and is deterministic per
seed on CPU (wall-clock times aside).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..errors import ConfigError
from ..spaces import SearchSpace
from .acquisition import Acquisition
from .candidates import AcquisitionOptimizer
from .surrogate import EnsembleSurrogate

BlackBox = Callable[[str], float]
"""Maps an architecture string to the value to maximise (e.g. benchmark accuracy)."""


@dataclass
class Trajectory:
    """Queried architectures in order, their values and the wall time (s) of each query."""

    archs: list[str] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    def incumbent(self) -> list[float]:
        """Best value after each query."""
        return np.maximum.accumulate(np.asarray(self.values)).tolist() if self.values else []

    def best(self) -> tuple[str, float]:
        i = int(np.argmax(self.values))
        return self.archs[i], self.values[i]

    def to_dict(self) -> dict[str, list]:
        return {"archs": self.archs, "values": self.values, "times": self.times, "incumbent": self.incumbent()}


class _Recorder:
    """Queries the black box, refusing repeats and counting the budget."""

    def __init__(self, black_box: BlackBox, budget: int) -> None:
        self.black_box, self.budget = black_box, budget
        self.traj = Trajectory()
        self.seen: set[str] = set()
        self.start = time.perf_counter()

    @property
    def left(self) -> int:
        return self.budget - len(self.traj.archs)

    def query(self, arch: str) -> float | None:
        if arch in self.seen or self.left <= 0:
            return None
        self.seen.add(arch)
        value = float(self.black_box(arch))
        self.traj.archs.append(arch)
        self.traj.values.append(value)
        self.traj.times.append(time.perf_counter() - self.start)
        return value

    def history(self) -> list[tuple[str, float]]:
        return list(zip(self.traj.archs, self.traj.values, strict=True))


def check_budget(budget: object, space: SearchSpace) -> int:
    """``budget`` as a query count the space can serve: at least one, at most its size (more
    distinct architectures than exist can never be queried, and asking for them would hang)."""
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or not 1 <= budget <= space.size:
        raise ConfigError(f"budget {budget!r} is not a number of queries between 1 and {space.size:,} "
                          f"(the {space.name} space has {space.size:,} architectures)")
    return int(budget)


class Optimizer(Protocol):
    def run(self, black_box: BlackBox, budget: int, seed: int) -> Trajectory:
        ...


def _random_fill(rec: _Recorder, space: SearchSpace, rng: np.random.Generator, n: int) -> None:
    target = min(rec.budget, len(rec.traj.archs) + n, space.size)
    while len(rec.traj.archs) < target:
        rec.query(space.sample(1, rng)[0])


@dataclass
class RandomSearch:
    space: SearchSpace

    def run(self, black_box: BlackBox, budget: int, seed: int) -> Trajectory:
        rec = _Recorder(black_box, check_budget(budget, self.space))
        _random_fill(rec, self.space, np.random.default_rng(seed), budget)
        return rec.traj


@dataclass
class RegularizedEvolution:
    """Real et al. (2019): tournament of ``sample_size`` from a ``population_size`` FIFO
    population, the winner mutated, the oldest removed (NASLib defaults 30 / 10)."""

    space: SearchSpace
    population_size: int = 30
    sample_size: int = 10

    def run(self, black_box: BlackBox, budget: int, seed: int) -> Trajectory:
        rng = np.random.default_rng(seed)
        rec = _Recorder(black_box, check_budget(budget, self.space))
        _random_fill(rec, self.space, rng, self.population_size)
        population = rec.history()
        while rec.left > 0:
            picks = rng.choice(len(population), size=min(self.sample_size, len(population)), replace=False)
            parent = max((population[i] for i in picks), key=lambda h: h[1])[0]
            for _ in range(100):  # mutate until an unseen child appears
                child = self.space.mutate(parent, rng)
                if child not in rec.seen:
                    break
            value = rec.query(child)
            if value is None:  # the neighbourhood is exhausted: restart from a random cell
                _random_fill(rec, self.space, rng, 1)
                continue
            population.append((child, value))
            population.pop(0)
        return rec.traj


@dataclass
class LocalSearch:
    """Hill climbing over one-edit neighbourhoods from the best of ``n_init`` random cells;
    at a local optimum it restarts from a fresh random cell (NASLib's LS)."""

    space: SearchSpace
    n_init: int = 10

    def run(self, black_box: BlackBox, budget: int, seed: int) -> Trajectory:
        rng = np.random.default_rng(seed)
        rec = _Recorder(black_box, check_budget(budget, self.space))
        _random_fill(rec, self.space, rng, self.n_init)
        current = max(rec.history(), key=lambda h: h[1])
        while rec.left > 0:
            improved = False
            for nb in rng.permutation(self.space.neighbours(current[0])):
                value = rec.query(str(nb))
                if value is not None and value > current[1]:
                    current, improved = (str(nb), value), True
                    break
                if rec.left <= 0:
                    break
            if not improved and rec.left > 0:
                _random_fill(rec, self.space, rng, 1)
                current = (rec.traj.archs[-1], rec.traj.values[-1])
        return rec.traj


@dataclass
class BayesianOptimization:
    """BO: ``n_init`` random queries, then per round fit the surrogate on everything queried,
    let the acquisition optimizer propose candidates, score them with the acquisition
    function and query the best ``k``."""

    space: SearchSpace
    surrogate: EnsembleSurrogate
    acquisition: Acquisition
    optimizer: AcquisitionOptimizer
    n_init: int = 10
    k: int = 10
    initial_design: Callable[[int, int], list[str]] | None = None
    """``(n, seed) -> architectures`` queried first instead of random ones (e.g. a
    meta-predictor's ranking, ``transfer.transfer_bo``); random cells fill any shortfall."""

    def propose_batch(self, history: list[tuple[str, float]], rng: np.random.Generator,
                      fit_seed: int, n: int) -> list[str]:
        """One BO round: refit the surrogate on ``history``, let the acquisition optimizer
        propose, return up to ``n`` candidates ranked by the acquisition (best first); empty
        when nothing new was proposed. Shared by ``run`` and the NASLib plugin, whose Trainer
        drives the queries itself."""
        self.surrogate.fit([a for a, _ in history], [v for _, v in history], seed=fit_seed)
        candidates = self.optimizer.propose(history, self.surrogate, rng)
        if not candidates:
            return []
        mean, std = self.surrogate.predict(candidates)
        scores = self.acquisition(mean, std, max(v for _, v in history), rng)
        return [candidates[int(i)] for i in np.argsort(-scores)[:n]]

    def run(self, black_box: BlackBox, budget: int, seed: int) -> Trajectory:
        rng = np.random.default_rng(seed)
        rec = _Recorder(black_box, check_budget(budget, self.space))
        for arch in (self.initial_design(self.n_init, seed) if self.initial_design else [])[: self.n_init]:
            rec.query(arch)
        _random_fill(rec, self.space, rng, self.n_init - len(rec.traj.archs))
        rnd = 0
        while rec.left > 0:
            batch = self.propose_batch(rec.history(), rng, seed * 7919 + rnd, min(self.k, rec.left))
            if not batch:  # nothing new proposed: fall back to random exploration
                _random_fill(rec, self.space, rng, min(self.k, rec.left))
                continue
            for arch in batch:
                rec.query(arch)
            rnd += 1
        return rec.traj
