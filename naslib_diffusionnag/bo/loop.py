"""Search methods behind one ask/tell interface, and the one loop that runs them.

A method builds a ``Searcher`` per seed; a searcher answers ``propose(history, n)`` with 1 to
``n`` distinct architectures not in ``history`` (the queried architectures and their values,
in order). ``run_search`` is the one loop: it asks, queries the black box, and refuses a
searcher that breaks the contract (a repeat, more than asked). NASLib's Trainer drives the
same searchers one query per epoch through ``AskQueue``, the loop's own dispenser.

Every random choice of a searcher derives from its seed by ``SeedSequence`` spawning
(``seeds.py``), so a run is deterministic per seed on CPU (wall-clock times aside).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np
import torch

from ..configio import is_finite_number, require_int
from ..errors import ConfigError, DiffusionNAGError
from ..spaces import SearchSpace
from .acquisition import AcquisitionFunction, PosteriorMean, make_acquisition
from .candidates import AcquisitionOptimizer, History, fresh
from .seeds import search_seeds, spawn_rng, spawn_seeds
from .surrogate import BOSurrogate

if TYPE_CHECKING:
    from .constraints import CostBudget

BlackBox = Callable[[str], float]
"""Maps an architecture string to the value to maximise (e.g. benchmark accuracy)."""

Guide = Literal["mean", "acquisition"]
"""What guided generation climbs: the surrogate mean, or the acquisition function itself."""


@dataclass
class Trajectory:
    """Queried architectures in order, their values, the wall time (s) of each query, and the
    queries made when the searcher was asked for each batch (a BO round's first query: which
    queries one round chose together, since a round may return fewer than ``k``)."""

    archs: list[str] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    asks: list[int] = field(default_factory=list)

    def incumbent(self) -> list[float]:
        """Best value after each query."""
        return np.maximum.accumulate(np.asarray(self.values)).tolist() if self.values else []

    def best(self) -> tuple[str, float]:
        i = int(np.argmax(self.values))
        return self.archs[i], self.values[i]

    def history(self) -> list[tuple[str, float]]:
        return list(zip(self.archs, self.values, strict=True))

    def to_dict(self) -> dict[str, list]:
        return {"archs": self.archs, "values": self.values, "times": self.times, "asks": self.asks,
                "incumbent": self.incumbent()}


def check_budget(budget: object, space: SearchSpace) -> int:
    """``budget`` as a query count the space can serve: at least one, at most its size (more
    distinct architectures than exist can never be queried, and asking for them would hang)."""
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or not 1 <= budget <= space.size:
        raise ConfigError(f"budget {budget!r} is not a number of queries between 1 and {space.size:,} "
                          f"(the {space.name} space has {space.size:,} architectures)")
    return int(budget)


class Searcher(Protocol):
    def propose(self, history: History, n: int) -> list[str]:
        """1 to ``n`` distinct architectures not in ``history`` (best first where ranked)."""
        ...


class SearchMethod(Protocol):
    space: SearchSpace

    def searcher(self, seed: int) -> Searcher:
        """A fresh run's state, every random choice derived from ``seed``."""
        ...

    def run(self, black_box: BlackBox, budget: int, seed: int) -> Trajectory:
        """``run_search`` of this method."""
        ...


class ContractError(DiffusionNAGError):
    """A searcher proposed a queried architecture, a repeat, nothing, or more than asked."""


class BlackBoxError(DiffusionNAGError):
    """The black box (or a history handed to ``propose``) gave a value that is not a finite number."""


class AskQueue:
    """Hands out a searcher's proposals one at a time, asking for a new batch when the last
    is spent: the loop's dispenser, shared with drivers that query one architecture per step."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.pending: list[str] = []
        self.asked_at: list[int] = []  # the history's length at each ask

    def next(self, history: History, left: int) -> str:
        """The next architecture to query, ``left`` queries being left in the budget."""
        if not self.pending:
            batch = self.searcher.propose(history, left)
            self.asked_at.append(len(history))
            known = {a for a, _ in history}
            if not 1 <= len(batch) <= left or len(set(batch)) < len(batch) or known & set(batch):
                raise ContractError(f"{type(self.searcher).__name__} proposed {len(batch)} architectures "
                                    f"({len(set(batch))} distinct, {len(known & set(batch))} already queried) "
                                    f"when asked for 1 to {left} new ones")
            self.pending = list(batch)
        return self.pending.pop(0)


def run_search(method: SearchMethod, black_box: BlackBox, budget: int, seed: int) -> Trajectory:
    """Query ``budget`` architectures proposed by ``method.searcher(seed)``."""
    budget = check_budget(budget, method.space)
    queue, start = AskQueue(method.searcher(seed)), time.perf_counter()
    traj = Trajectory(asks=queue.asked_at)
    while len(traj.archs) < budget:
        arch = queue.next(traj.history(), budget - len(traj.archs))
        traj.values.append(check_value(black_box(arch), f"the black box's value of {arch}"))
        traj.archs.append(arch)
        traj.times.append(time.perf_counter() - start)
    return traj


def check_value(value: object, what: str) -> float:
    """A queried value as a float: a NaN became the incumbent (numpy's max) and steered RE and
    local search, a bool or a numeric string passed ``float()`` unnoticed."""
    if not is_finite_number(value):
        raise BlackBoxError(f"{what} is {value!r}; a search needs one finite number per architecture (give a failed "
                            "or unmeasurable architecture a low value, e.g. 0, rather than NaN or None)")
    return float(value)  # type: ignore[arg-type]


def check_ask(history: History, n: int) -> None:
    """What every searcher's ``propose`` takes: ``n`` >= 1 and a history of (architecture string,
    finite value) pairs (``propose(history, 0)`` returned cells, a malformed entry failed as an
    unpacking error and a None value in a comparison)."""
    require_int("n (architectures to propose)", n, 1)
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise ConfigError(f"history must be a list of (architecture, value) pairs, got {type(history).__name__}")
    for i, entry in enumerate(history):
        if not (isinstance(entry, (tuple, list)) and len(entry) == 2 and isinstance(entry[0], str)):
            raise ConfigError(f"history[{i}] is {entry!r:.80}; each entry is one (architecture string, value) pair")
        check_value(entry[1], f"history[{i}]'s value")


def random_fresh(space: SearchSpace, rng: np.random.Generator, history: History, n: int) -> list[str]:
    """Up to ``n`` random architectures not in ``history`` (at least one while any is left)."""
    known = {a for a, _ in history}
    n = min(n, space.size - len(known))  # asking for more than the space holds spun 100 rounds of 2n draws
    if n < 1:
        return []
    out: list[str] = []
    for _ in range(100):
        out += fresh(space.sample(2 * n, rng), known | set(out), n - len(out))
        if len(out) == n:
            break
    return out or fresh(space.enumerate(), known, 1)


class _Runs:
    """``run(black_box, budget, seed)``: the method through ``run_search``."""

    def run(self: SearchMethod, black_box: BlackBox, budget: int, seed: int) -> Trajectory:  # type: ignore[misc]
        return run_search(self, black_box, budget, seed)


# ---- the classic baselines -------------------------------------------------------------------
@dataclass
class RandomSearch(_Runs):
    space: SearchSpace

    def searcher(self, seed: int) -> Searcher:
        return _RandomSearcher(self.space, np.random.default_rng(search_seeds(seed)))


@dataclass
class _RandomSearcher:
    space: SearchSpace
    rng: np.random.Generator

    def propose(self, history: History, n: int) -> list[str]:
        check_ask(history, n)
        return random_fresh(self.space, self.rng, history, n)


@dataclass
class RegularizedEvolution(_Runs):
    """Real et al. (2019): ``population_size`` random cells, then a tournament of
    ``sample_size`` from the population (the last ``population_size`` queried), the winner
    mutated (NASLib defaults 30 / 10)."""

    space: SearchSpace
    population_size: int = 30
    sample_size: int = 10

    def searcher(self, seed: int) -> Searcher:
        return _RESearcher(self, np.random.default_rng(search_seeds(seed)))


@dataclass
class _RESearcher:
    re: RegularizedEvolution
    rng: np.random.Generator

    def propose(self, history: History, n: int) -> list[str]:
        check_ask(history, n)
        size = self.re.population_size
        if len(history) < size:
            return random_fresh(self.re.space, self.rng, history, min(n, size - len(history)))
        population = history[-size:]
        picks = self.rng.choice(size, size=min(self.re.sample_size, size), replace=False)
        parent = max((population[i] for i in picks), key=lambda h: h[1])[0]
        known = {a for a, _ in history}
        for _ in range(100):  # mutate until an unseen child appears
            child = self.re.space.mutate(parent, self.rng)
            if child not in known:
                return [child]
        return random_fresh(self.re.space, self.rng, history, 1)  # the neighbourhood is exhausted


@dataclass
class LocalSearch(_Runs):
    """Hill climbing over one-edit neighbourhoods (in random order) from the best of ``n_init``
    random cells, moving to the first better neighbour; at a local optimum it restarts from a
    fresh random cell (NASLib's LS)."""

    space: SearchSpace
    n_init: int = 10

    def searcher(self, seed: int) -> Searcher:
        return _LSSearcher(self, np.random.default_rng(search_seeds(seed)))


@dataclass
class _LSSearcher:
    ls: LocalSearch
    rng: np.random.Generator
    current: tuple[str, float] | None = None
    neighbours: list[str] = field(default_factory=list)
    asked: str | None = None  # the last proposal; its value tells whether to move
    restarted: bool = False  # the last proposal was a random restart: it becomes the current cell

    def _move(self, cell: tuple[str, float]) -> None:
        self.current = cell
        self.neighbours = [str(a) for a in self.rng.permutation(self.ls.space.neighbours(cell[0]))]

    def propose(self, history: History, n: int) -> list[str]:
        check_ask(history, n)
        if len(history) < self.ls.n_init:
            return random_fresh(self.ls.space, self.rng, history, min(n, self.ls.n_init - len(history)))
        last = history[-1]
        if self.current is None:
            self._move(max(history, key=lambda h: h[1]))
        elif last[0] == self.asked and (self.restarted or last[1] > self.current[1]):
            self._move(last)
        known = {a for a, _ in history}
        self.neighbours = [a for a in self.neighbours if a not in known]
        self.restarted = not self.neighbours
        self.asked = self.neighbours.pop(0) if self.neighbours else random_fresh(
            self.ls.space, self.rng, history, 1)[0]
        return [self.asked]


# ---- Bayesian optimisation -----------------------------------------------------------------
@dataclass
class BayesianOptimization(_Runs):
    """BO: ``n_init`` initial queries (``initial_design`` first, random cells for the rest),
    then per round: refit the surrogate on everything queried, bind the acquisition function
    to it, let the acquisition optimizer propose candidates (guided by the acquisition or by
    the surrogate mean, ``guide``), and query the ``k`` the acquisition ranks best. With a
    ``constraint`` (a hard budget on an exactly known cost) nothing over the budget is ever
    queried: candidates over it are dropped before ranking, and the initial design (unless
    given) is generated within it. ``local_queries`` of each round's ``k`` go to the
    acquisition's best unqueried one-edit neighbours of the incumbent (a trust region around
    the best cell: the surrogate picks which edit, local search's move), or of the best
    ``local_parents`` queried cells (a wider region, BANANAS' mutation parents: the incumbent's
    own neighbourhood may not lead on where a runner-up's does), the rest to the pool. The
    region is ranked by the round's acquisition, or by ``local_acquisition`` when set (e.g.
    ``mean``: near-equal neighbours ordered by the prediction alone, without ITS' draws). With
    ``local_widen``, once fewer than ``local_queries`` of those neighbours are left unqueried the
    region takes in their two-edit neighbours too: a spent neighbourhood would otherwise leave
    the incumbent unmoved (local search restarts there; this looks one edit further).
    With ``local_after_gain`` set, a round that follows a new incumbent (found by the previous
    round's queries) gives that many of its ``k`` queries to the local region instead of
    ``local_queries``: a new best is most likely one edit from a better cell, and the optimum is
    usually found by a local query rounds after the incumbent is one edit from it. A round whose
    queries all go to the local region generates no pool.
    With ``distinct_functions`` a round skips cells that compute the same function as a queried
    cell or as one chosen before it (``space.iso_key``): on NB201 a third of the cells are such
    copies, and querying one spends budget on a re-trained duplicate."""

    space: SearchSpace
    surrogate: BOSurrogate
    acquisition: str
    optimizer: AcquisitionOptimizer
    n_init: int = 10
    k: int = 10
    beta: float = 2.0
    guide: Guide = "mean"
    initial_design: Callable[[int, int], list[str]] | None = None
    """``(n, seed) -> architectures`` queried first instead of random ones (e.g. a
    meta-predictor's ranking, ``transfer.transfer_bo``)."""
    constraint: CostBudget | None = None
    local_queries: int = 0
    local_parents: int = 1
    local_widen: bool = False
    distinct_functions: bool = False
    local_acquisition: str | None = None
    local_after_gain: int | None = None
    ranker: BOSurrogate | None = None
    """A second surrogate, refitted each round beside ``surrogate``, that the acquisition binds
    to (it ranks the pool and the local region) while ``surrogate``'s mean guides generation;
    None: one surrogate does both."""

    @property
    def ranking_surrogate(self) -> BOSurrogate:
        """The surrogate the acquisition functions bind to."""
        return self.ranker if self.ranker is not None else self.surrogate

    def searcher(self, seed: int) -> BOSearcher:
        return BOSearcher(self, search_seeds(seed))


class BOSearcher:
    """One BO run's state: its seed sequence (each round spawns the surrogate's fit seed and
    the acquisition's seed) and its random stream."""

    def __init__(self, bo: BayesianOptimization, seeds: np.random.SeedSequence) -> None:
        self.bo, self.seeds = bo, seeds
        self.rng = spawn_rng(seeds)
        self.initial_seed = spawn_seeds(seeds, 1)[0]
        self.initial: list[str] | None = None

    def propose(self, history: History, n: int) -> list[str]:
        check_ask(history, n)
        if len(history) < self.bo.n_init:
            return self._initial(history, min(n, self.bo.n_init - len(history)))
        want = min(n, self.bo.k)
        functions = {self.bo.space.iso_key(a) for a, _ in history}
        full_share = self._local_share(history)
        region, share = self._parents_neighbours(history, full_share), min(full_share, want)
        # a round the local region fills on its own needs no generated pool
        fills = share == want and len(self._distinct(region, functions)) >= want
        acquisition, pool = self._bind(history), []
        if not fills:
            pool = self._generate(history, acquisition)
        local = self._distinct(self._ranked(self._local_acquisition(acquisition, history), region), functions)
        local = local[:share]
        chosen = set(local)
        functions |= {self.bo.space.iso_key(a) for a in local}
        pool = self._distinct(self._ranked(acquisition, [a for a in self._within(pool) if a not in chosen]), functions)
        if not pool and not local:  # nothing new proposed: explore at random (within the budget, if any)
            if self.bo.constraint is not None:
                return self.bo.constraint.design(want, int(self.rng.integers(2**31 - 1)), {a for a, _ in history})
            return random_fresh(self.bo.space, self.rng, history, want)
        return local + pool[: want - len(local)]

    def _local_share(self, history: History) -> int:
        """How many of this round's queries go to the local region: ``local_after_gain`` when
        the incumbent was found by the last round's queries (not the initial design), else
        ``local_queries``."""
        gain = self.bo.local_after_gain
        if gain is None:
            return self.bo.local_queries
        best = int(np.argmax([v for _, v in history]))  # the first cell with the best value
        return gain if best >= max(self.bo.n_init, len(history) - self.bo.k) else self.bo.local_queries

    def _distinct(self, ranked: list[str], functions: set[str]) -> list[str]:
        """``ranked`` without cells computing a function in ``functions`` or one earlier in the
        list, when ``distinct_functions`` asks for it (else unchanged)."""
        if not self.bo.distinct_functions:
            return ranked
        out, seen = [], set(functions)
        for a in ranked:
            key = self.bo.space.iso_key(a)
            if key not in seen:
                seen.add(key)
                out.append(a)
        return out

    def _local_acquisition(self, acquisition: AcquisitionFunction, history: History) -> AcquisitionFunction:
        """What ranks the local region: the round's acquisition unless ``local_acquisition`` names
        another (its random draws, if any, seeded from the run's stream)."""
        name = self.bo.local_acquisition
        if name is None or not (self.bo.local_queries or self.bo.local_after_gain):
            return acquisition
        return make_acquisition(name, self.bo.ranking_surrogate, max(v for _, v in history),
                                int(self.rng.integers(2**31 - 1)), self.bo.beta)

    def _within(self, archs: list[str]) -> list[str]:
        return self.bo.constraint.within(archs) if self.bo.constraint is not None else archs

    def _parents_neighbours(self, history: History, share: int) -> list[str]:
        """The unqueried one-edit neighbours (within the budget) of the best ``local_parents``
        queried cells, when the round's local share is ``share`` (before a shorter last round
        caps it); with ``local_widen``, their two-edit neighbours too once fewer than ``share``
        one-edit ones are left."""
        if not share:
            return []
        known = {a for a, _ in history}
        parents = [a for a, _ in sorted(history, key=lambda h: -h[1])[: self.bo.local_parents]]
        ring = list(dict.fromkeys(a for p in parents for a in self.bo.space.neighbours(p)))
        region = self._within([a for a in ring if a not in known])
        if self.bo.local_widen and len(region) < share:
            inner = known | set(ring) | set(parents)
            region += self._within(list(dict.fromkeys(b for a in ring for b in self.bo.space.neighbours(a)
                                                       if b not in inner)))
        return region

    def _ranked(self, acquisition: AcquisitionFunction, archs: list[str]) -> list[str]:
        """``archs`` best first by the acquisition (stable on ties)."""
        if not archs:
            return []
        with torch.no_grad():
            scores = acquisition(*self.bo.ranking_surrogate.inputs(archs)).cpu().numpy()
        return [archs[int(i)] for i in np.argsort(-scores, kind="stable")]

    def round(self, history: History) -> tuple[AcquisitionFunction, list[str]]:
        """The first half of a round, also BANANAS-with-diffusion's candidate step in NASLib:
        refit the surrogate, bind the acquisition, propose the candidate pool."""
        acquisition = self._bind(history)
        return acquisition, self._generate(history, acquisition)

    def _bind(self, history: History) -> AcquisitionFunction:
        """Refit the surrogate(s) on ``history`` and bind the round's acquisition to them."""
        fit_seed, acquisition_seed = spawn_seeds(self.seeds, 2)
        archs, values = [a for a, _ in history], [v for _, v in history]
        self.bo.surrogate.fit(archs, values, seed=fit_seed)
        if self.bo.ranker is not None:
            self.bo.ranker.fit(archs, values, seed=fit_seed)
        return make_acquisition(self.bo.acquisition, self.bo.ranking_surrogate, max(values), acquisition_seed,
                                self.bo.beta)

    def _generate(self, history: History, acquisition: AcquisitionFunction) -> list[str]:
        """The acquisition optimizer's candidate pool, guided by ``guide``."""
        guide = acquisition if self.bo.guide == "acquisition" else PosteriorMean(self.bo.surrogate)
        return self.bo.optimizer.propose(history, guide, self.rng)

    def _initial(self, history: History, n: int) -> list[str]:
        constraint = self.bo.constraint
        if self.initial is None:
            design = self.bo.initial_design
            self.initial = design(self.bo.n_init, self.initial_seed) if design else []
            if constraint is not None:
                self.initial = constraint.within(self.initial)
        out = fresh(self.initial, {a for a, _ in history}, n)
        if len(out) < n:
            known = {a for a, _ in history} | set(out)
            out += (constraint.design(n - len(out), self.initial_seed, known) if constraint else
                    random_fresh(self.bo.space, self.rng, [(a, 0.0) for a in known], n - len(out)))
        return out
