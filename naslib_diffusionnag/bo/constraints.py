"""A hard budget on an exactly known cost (latency from a table, FLOPs, params) for BO.

A budgeted search must never spend a black-box query on an architecture over the budget,
and need not: the cost is known for every architecture (``ArchProperty.soft``), so the loop
rejects such candidates for free, as OFA's evolution redraws infeasible subnets. The same
exact cost steers generation (a budget penalty on its expected value over the sampler's soft
architecture, ``guidance.exact``) and builds a feasible initial design where uniform draws
are almost never within a tight budget (MBv3 at 20-25 ms on Note10: about 0 and 0.09 %).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..diffusion import SamplerConfig
from ..errors import ConfigError
from ..generation import ENUMERABLE, ArchitectureGenerator
from ..guidance import GuidanceTerm, Objective
from ..guidance.exact import SoftCost
from ..oracles.properties import ArchProperty
from ..projection import project_within, tensor_cost
from ..spaces import SearchSpace
from .candidates import fresh

Design = Literal["generated", "projected", "uniform"]
DESIGNS: tuple[str, ...] = ("generated", "projected", "uniform")


def check_cost_budget(space: SearchSpace, prop: ArchProperty, budget: float, queries: int | None = None) -> SoftCost:
    """``prop``'s exact cost, once ``prop <= budget`` is shown to be a budget a search can keep:
    the cost is exactly known, ``budget`` is a finite number no lower than its smallest value
    and below its largest (else it constrains nothing) and, on a space small enough to enumerate,
    at least ``queries`` architectures meet it (a search of more queries cannot stay within it;
    found after minutes of rounds before)."""
    soft = prop.soft
    if soft is None:
        raise ConfigError(f"{prop.name} has no exact value on {space.name} (only hardware costs with a table or "
                          "count do), so it cannot be a hard budget of the search")
    if not (isinstance(budget, (int, float)) and math.isfinite(budget)):
        raise ConfigError(f"budget {budget!r} for {prop.name} must be a finite number")
    if budget < soft.minimum():
        raise ConfigError(f"budget {budget!r} for {prop.name} is below its smallest value ({soft.minimum():.4g}): "
                          "no architecture can meet it")
    if budget >= soft.maximum():
        raise ConfigError(f"budget {budget!r} for {prop.name} is at or above its largest value ({soft.maximum():.4g}): "
                          "every architecture meets it, so it would constrain nothing while the run is reported as "
                          "budgeted; lower it or drop the budget")
    if queries is not None and space.size <= ENUMERABLE:
        within = int((prop.evaluate(list(space.enumerate())) <= budget).sum())
        if within < queries:
            raise ConfigError(f"only {within:,} {space.name} architectures have {prop.name} <= {budget:g}, fewer "
                              f"than the {queries} queries of the search: raise the cost budget or lower the "
                              "number of queries")
    return soft


@dataclass
class CostBudget:
    """``prop <= budget`` for every queried architecture; ``weight`` and ``tighten`` set the
    budget penalty of generation (``GuidanceTerm``; the (b2) settings of ``mbv3.md``);
    ``initial``: where the initial design comes from (``design``): the model's samples projected
    into the budget (the default: it sits at the budget, ``mbv3.md`` b5), generated under that
    penalty (b4), or uniform draws kept when within it (hopeless where the budget is tight)."""

    generator: ArchitectureGenerator
    prop: ArchProperty
    budget: float
    weight: float = 3.0
    tighten: float = 1.0
    sampler: SamplerConfig | None = None  # None: the checkpoint's default sampler
    initial: Design = "projected"
    max_rounds: int = 50

    def __post_init__(self) -> None:
        soft = check_cost_budget(self.generator.space, self.prop, self.budget)
        self.guide = self.generator.exact_predictor(soft)
        self.cost = tensor_cost(self.generator.space, soft)

    def feasible(self, archs: Sequence[str]) -> np.ndarray:
        """Whether each architecture is within the budget (exact: the table or count)."""
        return self.prop.evaluate(list(archs)) <= self.budget

    def within(self, archs: Sequence[str]) -> list[str]:
        """``archs`` within the budget, in order."""
        return [a for a, ok in zip(archs, self.feasible(archs), strict=True) if ok] if archs else []

    def project(self, archs: Sequence[str]) -> list[str]:
        """``archs`` moved within the budget by cost-lowering edits (``projection.project_within``:
        no query; those within are unchanged)."""
        return project_within(self.generator.space, self.cost, self.budget, archs)

    def term(self) -> GuidanceTerm:
        """The budget penalty on the expected cost, for guided generation."""
        return GuidanceTerm(self.prop.name, self.guide, Objective("budget", self.budget), self.weight, self.tighten)

    def design(self, n: int, seed: int, known: set[str] | frozenset[str] = frozenset()) -> list[str]:
        """``n`` distinct architectures within the budget and not in ``known``, none costing a
        black-box query, by ``initial``: ``generated`` under the budget penalty alone (rounds of
        ``2 n`` samples, seeds ``seed + 7919 r``; those over the budget dropped), ``projected``
        (the model's unguided samples, each over the budget moved into it by ``project``: the
        design sits at the budget instead of far below it), or ``uniform`` draws kept when
        within it (rounds of 10,000)."""
        out: list[str] = []
        rng = np.random.default_rng(seed)
        for r in range(self.max_rounds):
            if self.initial == "uniform":
                drawn = self.generator.space.sample(10_000, rng)
            elif self.initial == "projected":
                drawn = self.project(self.generator.sample(2 * n, seed + 7919 * r, self.sampler).valid[: n - len(out)])
            else:
                drawn = self.generator.sample_guided(2 * n, seed + 7919 * r, [self.term()], [100.0], self.sampler).valid
            out += self.within(fresh(drawn, set(known) | set(out), len(drawn)))[: n - len(out)]
            if len(out) == n:
                return out
        how = {"uniform": "uniform draws", "projected": "projected samples"}.get(self.initial,
                                                                               f"samples guided under {self.prop.name}")
        raise ConfigError(f"{self.max_rounds} rounds of {how} gave {len(out)} of the {n} new architectures within "
                          f"{self.prop.name} <= {self.budget:g}; the budget is out of reach: raise it"
                          + (" or use the projected (default) or generated initial design" if self.initial == "uniform" else ""))
