"""OFA's evolutionary search (``ofa.nas.search_algorithm.EvolutionFinder``) in our harness:
maximise a predictor over OFA's genes (20 kernel sizes, 20 expand ratios, 5 depths) under an
efficiency constraint (e.g. Note10 latency <= budget), the recipe OFA's tutorial uses with its
accuracy predictor and latency table. The input resolution is fixed (the space's property of
the query), where OFA's finder also mutates it.

Every infeasible candidate is redrawn, as in OFA; the constraint is cheap (a table), the
objective is what ``max_calls`` counts.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from ..spaces.mbv3 import DEPTHS, EXPANDS, KERNELS, SLOTS, STAGES, MBv3Space

Genes = dict[str, list[int]]
Batch = Callable[[Sequence[str]], np.ndarray]


@dataclass
class EvolutionResult:
    best_arch: str | None
    best_value: float
    objective_calls: int
    constraint_calls: int
    incumbent: list[float] = field(default_factory=list)  # best feasible value after each objective call


@dataclass
class OFAEvolution:
    """OFA's defaults: population 100, top 25 % are parents, half the new population by
    mutation (each gene redrawn with probability 0.1), the rest by uniform crossover."""

    space: MBv3Space = field(default_factory=MBv3Space)
    population_size: int = 100
    parent_ratio: float = 0.25
    mutation_ratio: float = 0.5
    mutate_prob: float = 0.1
    max_redraws: int = 200_000

    def _random(self, rng: np.random.Generator) -> Genes:  # OFA's sampler: every gene uniform
        n = STAGES * SLOTS
        return {"ks": [int(k) for k in rng.choice(KERNELS, n)], "e": [int(e) for e in rng.choice(EXPANDS, n)],
                "d": [int(d) for d in rng.choice(DEPTHS, STAGES)]}

    def _mutate(self, g: Genes, rng: np.random.Generator) -> Genes:
        out = {k: list(v) for k, v in g.items()}
        for key, choices in (("ks", KERNELS), ("e", EXPANDS), ("d", DEPTHS)):
            for i in range(len(out[key])):
                if rng.random() < self.mutate_prob:
                    out[key][i] = int(rng.choice(choices))
        return out

    def _crossover(self, a: Genes, b: Genes, rng: np.random.Generator) -> Genes:
        return {k: [int(x if rng.random() < 0.5 else y) for x, y in zip(a[k], b[k], strict=True)] for k in a}

    def _mutant(self, parents: list[Genes], rng: np.random.Generator) -> Genes:
        return self._mutate(parents[int(rng.integers(len(parents)))], rng)

    def _cross(self, parents: list[Genes], rng: np.random.Generator) -> Genes:
        a, b = (parents[int(rng.integers(len(parents)))] for _ in range(2))
        return self._crossover(a, b, rng)

    def _feasible(self, make: Callable[[], Genes], constraint: Batch, limit: float, counter: list[int]) -> tuple[Genes, str]:
        for _ in range(self.max_redraws):
            g = make()
            arch = self.space.from_ofa(g["ks"], g["e"], g["d"])
            counter[0] += 1
            if float(constraint([arch])[0]) <= limit:
                return g, arch
        raise RuntimeError(f"no architecture within the constraint {limit} after {self.max_redraws} draws; "
                           "the budget is below what the space can reach")

    def run(self, objective: Batch, constraint: Batch, limit: float, max_calls: int, seed: int) -> EvolutionResult:
        """Search until ``max_calls`` objective evaluations (all feasible)."""
        rng = np.random.default_rng(seed)
        c_calls = [0]
        best_arch, best, incumbent = None, -np.inf, []

        def evaluate(batch: list[tuple[Genes, str]]) -> list[tuple[float, Genes, str]]:
            nonlocal best_arch, best
            batch = batch[: max_calls - len(incumbent)]
            values = objective([a for _, a in batch]) if batch else np.array([])
            for v, (_, a) in zip(values, batch, strict=True):
                if v > best:
                    best, best_arch = float(v), a
                incumbent.append(best)
            return [(float(v), g, a) for v, (g, a) in zip(values, batch, strict=True)]

        population = evaluate([self._feasible(lambda: self._random(rng), constraint, limit, c_calls)
                               for _ in range(self.population_size)])
        n_parents = int(round(self.parent_ratio * self.population_size))
        n_mutants = int(round(self.mutation_ratio * self.population_size))
        while len(incumbent) < max_calls:
            elite = sorted(population, key=lambda p: -p[0])[:n_parents]
            parents = [g for _, g, _ in elite]
            mutant = partial(self._mutant, parents, rng)
            cross = partial(self._cross, parents, rng)
            children = [self._feasible(mutant, constraint, limit, c_calls) for _ in range(n_mutants)]
            children += [self._feasible(cross, constraint, limit, c_calls)
                         for _ in range(self.population_size - n_parents - n_mutants)]
            population = elite + evaluate(children)
        return EvolutionResult(best_arch, best, len(incumbent), c_calls[0], incumbent)
