"""Acquisition optimizers: propose candidate architectures for the acquisition function.

``random`` samples the space, ``mutation`` mutates the best queried architectures (BANANAS),
``evolution`` evolves those mutations on the guide for a few generations (OFA's recipe on the
surrogate), ``diffusion`` generates under the guidance of a callable ``(x, sigma) -> B`` (DiffusionNAG):
the acquisition function itself, or the surrogate mean; ``edit`` re-generates the best queried
architectures from part-way along the diffusion (guided variations a few edits away);
``UnionAO`` pools several and
``StallSwitchAO`` hands over to another once the search stalls. Each sees
only that callable, never the surrogate, and returns distinct architectures not queried yet.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import torch

from ..configio import require_at_least
from ..diffusion import SamplerConfig, check_t_start
from ..generation import ArchitectureGenerator, round_seed
from ..guidance import GuidanceTerm, NoiseAwarePredictor, Objective
from ..guidance.schedule import scale_schedule
from ..spaces import SearchSpace

History = Sequence[tuple[str, float]]
"""Queried architectures and their values, in query order."""


class AcquisitionOptimizer(Protocol):
    name: str

    def propose(self, history: History, guide: NoiseAwarePredictor, rng: np.random.Generator) -> list[str]:
        """Candidates not in ``history``; ``guide`` is what generation may climb."""
        ...


def fresh(archs: Iterable[str], known: set[str], n: int) -> list[str]:
    """The first ``n`` distinct ``archs`` not in ``known``, in order (none for ``n`` < 1)."""
    out: list[str] = []
    if n < 1:
        return out
    seen = set(known)
    for a in archs:
        if a not in seen:
            seen.add(a)
            out.append(a)
        if len(out) == n:
            break
    return out


@dataclass
class RandomAO:
    space: SearchSpace
    n: int = 100
    name: str = "random"

    def __post_init__(self) -> None:
        require_at_least(self, 1, "n")

    def propose(self, history: History, guide: NoiseAwarePredictor, rng: np.random.Generator) -> list[str]:
        return fresh(self.space.sample(4 * self.n, rng), {a for a, _ in history}, self.n)


@dataclass
class MutationAO:
    """BANANAS: mutations of the ``top_k`` best queried architectures, each a chain of 1 to
    ``edits`` one-edit moves (1: BANANAS' one-edit neighbours; more: the multi-gene mutations
    of OFA's evolution, a wider pool for the surrogate to rank)."""

    space: SearchSpace
    n: int = 100
    top_k: int = 10
    edits: int = 1
    name: str = "mutation"

    def __post_init__(self) -> None:
        require_at_least(self, 1, "n", "top_k", "edits")

    def propose(self, history: History, guide: NoiseAwarePredictor, rng: np.random.Generator) -> list[str]:
        best = [a for a, _ in sorted(history, key=lambda h: h[1], reverse=True)[: self.top_k]]
        pool = [self.mutant(best[i % len(best)], rng) for i in range(4 * self.n)]
        return fresh(pool, {a for a, _ in history}, self.n)

    def mutant(self, arch: str, rng: np.random.Generator) -> str:
        """A chain of 1 to ``edits`` one-edit moves from ``arch`` (1 when ``edits`` is 1)."""
        for _ in range(int(rng.integers(1, self.edits + 1)) if self.edits > 1 else 1):
            arch = self.space.mutate(arch, rng)
        return arch


Inputs = Callable[[Sequence[str]], tuple[torch.Tensor, torch.Tensor]]
"""Clean architectures -> ``(x, sigma)`` the guide takes (``ArchitectureGenerator.clean_inputs``)."""


@dataclass
class EvolutionAO:
    """Mutation evolved on the guide: ``generations`` rounds of ``MutationAO``'s moves, the
    parents of each the ``top_k`` best candidates so far by the guide (scored on clean
    architectures: no black-box call), the first from the best queried. It is OFA's recipe (evolve
    on a predictor) with the refitted surrogate as the predictor, so candidates can move several
    edits from what was queried while each step is checked by the model. ``feasible`` (e.g. a
    cost budget's) drops children before they are scored or become parents; the ``n`` best by
    the guide are proposed."""

    space: SearchSpace
    inputs: Inputs
    n: int = 100
    top_k: int = 10
    edits: int = 1
    generations: int = 2
    feasible: Callable[[Sequence[str]], np.ndarray] | None = None
    name: str = "evolution"

    def __post_init__(self) -> None:
        require_at_least(self, 1, "n", "top_k", "edits", "generations")

    def propose(self, history: History, guide: NoiseAwarePredictor, rng: np.random.Generator) -> list[str]:
        moves = MutationAO(self.space, self.n, self.top_k, self.edits)
        known = {a for a, _ in history}
        parents = [a for a, _ in sorted(history, key=lambda h: h[1], reverse=True)[: self.top_k]]
        scored: dict[str, float] = {}
        for _ in range(self.generations):
            pool = fresh((moves.mutant(parents[i % len(parents)], rng) for i in range(4 * self.n)),
                         known | set(scored), self.n)
            if self.feasible is not None and pool:
                pool = [a for a, ok in zip(pool, self.feasible(pool), strict=True) if ok]
            if pool:
                with torch.no_grad():
                    scored.update(zip(pool, guide(*self.inputs(pool)).cpu().tolist(), strict=True))
            parents = sorted(scored, key=scored.__getitem__, reverse=True)[: self.top_k] or parents
        return sorted(scored, key=scored.__getitem__, reverse=True)[: self.n]


@dataclass
class DiffusionAO:
    """DiffusionNAG: candidates generated by the sampler guided by ``guide``'s gradient, plus
    fixed ``terms`` (e.g. a cost budget's penalty, ``constraints.CostBudget.term``)."""

    generator: ArchitectureGenerator
    n: int = 100
    scales: list[float] = field(default_factory=lambda: [100.0, 50.0, 25.0])
    sampler: SamplerConfig | None = None  # None: the checkpoint's default sampler
    terms: Sequence[GuidanceTerm] = ()
    fill_rounds: int = 0
    """Rounds of ``n`` more samples at the last scale while fewer than ``n`` distinct unqueried
    cells exist (a strongly guided sampler repeats its favourites, so ``n`` samples hold fewer
    than ``n`` distinct cells); 0: one pass."""
    name: str = "diffusion"

    def __post_init__(self) -> None:
        require_at_least(self, 1, "n")
        require_at_least(self, 0, "fill_rounds")

    def propose(self, history: History, guide: NoiseAwarePredictor, rng: np.random.Generator) -> list[str]:
        seed = int(rng.integers(2**31 - 1))  # the sampler's noise, drawn from the search's stream
        terms, known = [GuidanceTerm("acquisition", guide, Objective("max")), *self.terms], {a for a, _ in history}
        pool = fresh(self.generator.sample_guided(self.n, seed, terms, self.scales, self.sampler).valid, known, self.n)
        for r in range(len(self.scales), len(self.scales) + self.fill_rounds):
            if len(pool) >= self.n:
                break
            more = self.generator.sample_guided(self.n, round_seed(seed, r), terms if self.scales[-1] else [],
                                                self.scales[-1:], self.sampler)
            pool = fresh(pool + more.valid, known, self.n)
        return pool


@dataclass
class EditAO:
    """Guided variations of the ``top_k`` best queried architectures (cycled to ``n`` starts):
    each noised to time ``t_start`` and denoised under the guide's gradient
    (``ArchitectureGenerator.sample_edits``), ``n`` split over ``scales`` as generated pools
    are. BANANAS' mutations move one edit from the best cells; these move a few (t_start 0.6:
    about 2 on NB201), toward what the guide prefers, so a local optimum two edits from a
    better cell is not the end of the pool."""

    generator: ArchitectureGenerator
    n: int = 100
    top_k: int = 10
    t_start: float = 0.6
    scales: list[float] = field(default_factory=lambda: [100.0, 50.0, 25.0])
    sampler: SamplerConfig | None = None
    terms: Sequence[GuidanceTerm] = ()
    name: str = "edit"

    def __post_init__(self) -> None:
        require_at_least(self, 1, "n", "top_k")
        check_t_start(self.t_start)

    def propose(self, history: History, guide: NoiseAwarePredictor, rng: np.random.Generator) -> list[str]:
        seed = int(rng.integers(2**31 - 1))
        best = [a for a, _ in sorted(history, key=lambda h: h[1], reverse=True)[: self.top_k]]
        terms = [GuidanceTerm("acquisition", guide, Objective("max")), *self.terms]
        made = [a for r, (scale, m) in enumerate(scale_schedule(self.scales, self.n))  # a 0 scale: unguided
                for a in self.generator.sample_edits(best, m, round_seed(seed, r), self.t_start,
                                                     terms if scale else (), scale, self.sampler).valid]
        return fresh(made, {a for a, _ in history}, self.n)


@dataclass
class UnionAO:
    """The candidates of several optimizers together (each proposes its own ``n``), e.g.
    generated cells plus one-edit mutations of the incumbents."""

    parts: Sequence[AcquisitionOptimizer]
    name: str = "union"

    def propose(self, history: History, guide: NoiseAwarePredictor, rng: np.random.Generator) -> list[str]:
        pooled = [a for part in self.parts for a in part.propose(history, guide, rng)]
        return fresh(pooled, {a for a, _ in history}, len(pooled))


def queries_since_improvement(history: History) -> int:
    """Queries made after the first query of the best value so far (0 right after a new best)."""
    if not history:
        return 0
    values = [v for _, v in history]
    return len(values) - 1 - int(np.argmax(values))


@dataclass
class StallSwitchAO:
    """``primary``'s candidates while the search improves, ``fallback``'s once the best value has
    not improved for ``patience`` queries (back to ``primary`` after the next improvement). A
    pool guided by the surrogate mean keeps proposing the region the surrogate believes best;
    once that region is spent around a local optimum, BANANAS-style mutations of the best
    queried cells (the runners-up too) move on, as local search's restarts do. The first
    ``grace`` queries (the random initial design) count as one step, not as a stall: with a
    patience below the design's size, the first round would otherwise skip ``primary``."""

    primary: AcquisitionOptimizer
    fallback: AcquisitionOptimizer
    patience: int
    grace: int = 0
    late_patience: int | None = None
    """The patience once ``late_from`` queries are made (None: ``patience`` throughout): late in
    a search, sitting in one basin, the fallback's one-edit moves around the best cells are what
    is left to try, so the switch may come sooner than early, where generated pools lead."""
    late_from: int = 0
    name: str = "stall-switch"

    def propose(self, history: History, guide: NoiseAwarePredictor, rng: np.random.Generator) -> list[str]:
        switch = stalled(history, self.patience, self.grace, self.late_patience, self.late_from)
        return (self.fallback if switch else self.primary).propose(history, guide, rng)


def stalled(history: History, patience: int, grace: int = 0, late_patience: int | None = None,
            late_from: int = 0) -> bool:
    """``StallSwitchAO``'s rule: whether a round asked with ``history`` draws the fallback's
    candidates. A pure function of the history, so a finished run's rounds can be told apart
    from its run file (``benchmarks/bo_rounds_nb201.py``)."""
    if late_patience is not None and len(history) >= late_from:
        patience = late_patience
    return min(queries_since_improvement(history), len(history) - grace) >= patience
