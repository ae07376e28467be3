"""BO-NAS harness: budgets, no re-queries, determinism, improvement over random, acquisition
functions, resumable sweeps that survive a killed worker, aggregation, the search CLI."""
from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from search_contract import check_search_contract

from naslib_diffusionnag.bo import (
    AskQueue,
    ContractError,
    EnsembleSurrogate,
    build_method,
    checkpoint_record,
    make_acquisition,
    report,
    resolve_params,
    run_search,
)
from naslib_diffusionnag.bo.methods import FIRST_DEFAULTS, first_defaults
from naslib_diffusionnag.bo.sweep import PROTOCOL, SweepConfig, run_one, run_sweep
from naslib_diffusionnag.cli import main
from naslib_diffusionnag.errors import ConfigError, DataFormatError, DiffusionNAGError, UnknownNameError
from naslib_diffusionnag.generation import ArchitectureGenerator
from naslib_diffusionnag.guidance import DirectedGCNPredictor, GuidanceTerm, Objective, ZScore

ROOT = Path(__file__).resolve().parents[1]
SMALL_BO = {"n_init": 10, "k": 10, "ensemble": 2, "predictor_steps": 150, "candidates": 60}


@pytest.fixture(scope="module")
def black_box(bench):
    calls: list[str] = []

    def f(arch: str) -> float:
        calls.append(arch)
        return bench.query(arch, "cifar10")

    f.calls = calls  # type: ignore[attr-defined]
    return f


TINY_BO = {"n_init": 4, "k": 3, "ensemble": 2, "predictor_steps": 10, "candidates": 10}  # the contract, not quality


@pytest.mark.parametrize("method, params", [
    ("rs", {}), ("re", {"population_size": 5, "sample_size": 3}), ("ls", {"n_init": 4}),
    ("bananas", {**TINY_BO, "distinct_functions": True}),
    ("bo-random", {**TINY_BO, "acquisition": "ucb", "local_queries": 2}),
    ("diffusion-bo", {**TINY_BO, "sampler_steps": 2, "acquisition": "ei", "guide": "acquisition",
                      "surrogate_encoder": "mlp", "surrogate_rank_weight": 1.0, "mix_mutations": 4}),
    ("diffusion-bo", {**TINY_BO, "sampler_steps": 2, "stall_switch": 3}),
])
def test_every_method_passes_the_search_contract(toy_bench, method, params):
    """The shared contract through ``propose`` (tests/search_contract.py) on a made-up table;
    transfer-BO passes it in test_transfer.py (it needs a meta-predictor)."""
    check_search_contract(build_method(method, params=params), lambda a: toy_bench.query(a, "cifar10"), 10)


class _Repeating:
    """A searcher that breaks the contract: it proposes the first architecture forever."""

    def propose(self, history, n):
        return ["|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"]


@dataclass
class _RepeatingMethod:
    space: object

    def searcher(self, seed):
        return _Repeating()

    def run(self, black_box, budget, seed):
        return run_search(self, black_box, budget, seed)


def test_union_of_acquisition_optimizers_pools_their_candidates(nb201, toy_bench):
    """``UnionAO``: every part's candidates, once each, none already queried."""
    from naslib_diffusionnag.bo.candidates import MutationAO, RandomAO, UnionAO

    history = [(a, toy_bench.query(a, "cifar10")) for a in nb201.sample(12, np.random.default_rng(0))]
    parts = [MutationAO(nb201, 15), RandomAO(nb201, 15)]
    alone = [p.propose(history, None, np.random.default_rng(1)) for p in parts]
    pooled = UnionAO(parts).propose(history, None, np.random.default_rng(1))
    assert pooled[:15] == alone[0] and set(alone[0]) <= set(pooled) and len(pooled) == len(set(pooled)) > 15
    assert not set(pooled) & {a for a, _ in history}


@pytest.mark.slow
def test_edit_candidates_are_guided_variations_of_the_best_cells(bench):
    """``EditAO``: unqueried cells a few edits from the ``top_k`` best queried ones, moved
    toward what the guide prefers (here, a guide rewarding 3x3 convolutions), the same per rng."""
    from naslib_diffusionnag.bo.candidates import EditAO
    from naslib_diffusionnag.guidance.labels import ZScore

    gen = ArchitectureGenerator.load("nb201")
    space = gen.space
    history = [(a, bench.query(a, "cifar10")) for a in space.sample(30, np.random.default_rng(5))]
    best = [a for a, _ in sorted(history, key=lambda h: h[1], reverse=True)[:5]]
    conv3 = space.vocab.index("nor_conv_3x3")

    class Conv3Guide:  # a NoiseAwarePredictor: more 3x3 convolutions score higher
        transform = ZScore(0.0, 1.0)

        def __call__(self, x, sigma):
            return x[:, :, conv3].sum(1)

    guide = Conv3Guide()

    def ops(a):
        return space.encode([a])[0].argmax(-1)

    guided = EditAO(gen, 30, top_k=5, scales=[1.0])  # this linear guide is unbounded: a small scale
    pool = guided.propose(history, guide, np.random.default_rng(1))
    assert pool == guided.propose(history, guide, np.random.default_rng(1))
    assert len(pool) == len(set(pool)) >= 15 and not set(pool) & {a for a, _ in history}
    assert all(min(int((ops(a) != ops(b)).sum()) for b in best) <= 4 for a in pool)
    plain = EditAO(gen, 30, top_k=5, scales=[0.0]).propose(history, guide, np.random.default_rng(1))
    assert np.mean([(ops(a) == conv3).sum() for a in pool]) > np.mean([(ops(a) == conv3).sum() for a in plain])


@pytest.mark.slow
def test_stall_switch_hands_over_to_mutations_while_the_best_value_stands_still(bench, nb201):
    """``StallSwitchAO`` on real CIFAR-10 values: ``primary``'s candidates until ``patience``
    queries have passed since the first query of the best value, ``fallback``'s from then on,
    ``primary``'s again after a new best."""
    from naslib_diffusionnag.bo.candidates import (
        MutationAO,
        RandomAO,
        StallSwitchAO,
        queries_since_improvement,
    )

    archs = nb201.sample(40, np.random.default_rng(3))
    values = [bench.query(a, "cifar10") for a in archs]
    top = int(np.argmax(values))
    order = [a for i, a in enumerate(archs) if i != top]
    history = [(archs[top], values[top])] + [(a, bench.query(a, "cifar10")) for a in order[:5]]
    assert queries_since_improvement(history) == 5 and queries_since_improvement(history[:1]) == 0
    assert queries_since_improvement([(archs[0], 1.0), (archs[1], 2.0), (archs[2], 2.0)]) == 1  # a tie is no improvement
    primary, fallback = RandomAO(nb201, 12), MutationAO(nb201, 12, top_k=3)
    switch = StallSwitchAO(primary, fallback, patience=5)

    def proposed(ao, h):
        return ao.propose(h, None, np.random.default_rng(7))

    assert proposed(switch, history[:5]) == proposed(primary, history[:5])  # 4 queries since the best
    assert proposed(switch, history) == proposed(fallback, history) != proposed(primary, history)
    optimum = bench.best("cifar10")
    renewed = [*history, optimum]  # a new best: the table's optimum
    assert optimum[1] > values[top] and queries_since_improvement(renewed) == 0
    assert proposed(switch, renewed) == proposed(primary, renewed)
    # with grace 4 (an initial design of 4): 5 queries since the best, but only 2 after the
    # design, so still primary's; 3 more (each no new best) and the count after the design is 5
    graced = StallSwitchAO(primary, fallback, patience=5, grace=4)
    longer = history + [(a, bench.query(a, "cifar10")) for a in order[5:8]]
    assert proposed(graced, history) == proposed(primary, history)
    assert proposed(graced, longer[:9]) == proposed(fallback, longer[:9])
    assert proposed(graced, longer[:8]) == proposed(primary, longer[:8])
    # a late patience of 1 from 3 queries on: 2 queries since the best is a stall at 3 queries made,
    # not at 2 (patience 5 then)
    late = StallSwitchAO(primary, fallback, patience=5, late_patience=1, late_from=3)
    assert proposed(late, history[:3]) == proposed(fallback, history[:3])
    assert proposed(late, history[:2]) == proposed(primary, history[:2])


def test_diffusion_ao_fill_rounds_top_the_pool_up_to_n_distinct_cells(generator, nb201):
    """A strongly guided sampler repeats its favourites, so one pass of ``n`` samples holds fewer
    than ``n`` distinct unqueried cells; ``fill_rounds`` samples more at the last scale until it
    holds ``n`` (the first pass unchanged, nothing queried proposed)."""
    from naslib_diffusionnag.bo.candidates import DiffusionAO

    conv = nb201.vocab.index("nor_conv_3x3")

    def guide(x, sigma):  # more 3x3 convolutions on the operation nodes (between input and output)
        return x[:, 1:-1, conv].sum(-1)

    guide.transform = ZScore(0.0, 1.0)  # type: ignore[attr-defined]  # its values are its own units
    history = [(a, 0.0) for a in nb201.sample(10, np.random.default_rng(0))]
    one = DiffusionAO(generator, 40, [0.3]).propose(history, guide, np.random.default_rng(2))
    filled = DiffusionAO(generator, 40, [0.3], fill_rounds=3).propose(history, guide, np.random.default_rng(2))
    assert len(one) < 40 and len(filled) > len(one) and filled[: len(one)] == one
    assert len(set(filled)) == len(filled) and not set(filled) & {a for a, _ in history}


def test_surrogate_and_pool_parameters_reach_the_built_method():
    """``surrogate_noise_power`` sets the fit of every surrogate member's config, ``fill_rounds``
    the diffusion optimizer (behind the stall switch when that is on); defaults keep 1 and 0."""
    from naslib_diffusionnag.bo.candidates import DiffusionAO, EditAO, MutationAO, StallSwitchAO

    bo = build_method("bananas", "nb201", {"surrogate_noise_power": 3.0})
    assert bo.surrogate.config.noise_power == 3.0
    assert build_method("bo-random", "nb201").surrogate.config.noise_power == 1.0
    plain = build_method("diffusion-bo", "nb201", {"fill_rounds": 2, "stall_switch": 0})
    assert isinstance(plain.optimizer, DiffusionAO) and plain.optimizer.fill_rounds == 2
    switched = build_method("diffusion-bo", "nb201", {"fill_rounds": 2})
    assert isinstance(switched.optimizer, StallSwitchAO) and switched.optimizer.primary.fill_rounds == 2
    assert build_method("diffusion-bo", "nb201").optimizer.primary.fill_rounds == 0
    assert switched.optimizer.grace == 0  # the committed runs' switch: the initial design counts
    skipping = build_method("diffusion-bo", "nb201", {"stall_switch": 1, "stall_skip_initial": True, "n_init": 7})
    assert skipping.optimizer.grace == 7 and skipping.optimizer.patience == 1
    assert switched.optimizer.late_patience is None  # the committed runs: one patience throughout
    later = build_method("diffusion-bo", "nb201", {"stall_switch_late": 1, "stall_late_from": 70}).optimizer
    assert (later.patience, later.late_patience, later.late_from) == (10, 1, 70)
    assert isinstance(switched.optimizer.fallback, MutationAO)  # the committed runs' stall pool: mutations alone
    editing = build_method("diffusion-bo", "nb201", {"stall_edits": 40, "edit_t": 0.5})
    mutations, edits = editing.optimizer.fallback.parts
    assert isinstance(mutations, MutationAO) and mutations.n == 100
    assert isinstance(edits, EditAO) and (edits.n, edits.t_start, edits.top_k, edits.scales) == (40, 0.5, 10, [100.0, 50.0, 25.0])


def test_evolution_ao_climbs_its_guide_beyond_one_edit(nb201, toy_bench):
    """``EvolutionAO`` on a known guide (the number of 3x3 convolutions): its candidates score
    higher than plain mutation's and reach cells more than one edit from anything queried;
    ``feasible`` keeps every candidate (and so every parent) inside it; none is queried."""
    from naslib_diffusionnag.bo.candidates import EvolutionAO, MutationAO
    from naslib_diffusionnag.generation import ArchitectureGenerator

    gen = ArchitectureGenerator.load("nb201")
    conv = nb201.vocab.index("nor_conv_3x3")

    def guide(x, sigma):  # x in model scale: +1 where the op is on
        return (x[..., conv] > 0).sum(-1).float()

    def score(archs):
        return guide(*gen.clean_inputs(archs)).numpy()

    history = [(a, toy_bench.query(a, "cifar10")) for a in nb201.sample(10, np.random.default_rng(0))]
    plain = MutationAO(nb201, 20, top_k=5).propose(history, guide, np.random.default_rng(1))
    evolved = EvolutionAO(nb201, gen.clean_inputs, 20, top_k=5, generations=4).propose(
        history, guide, np.random.default_rng(1))
    assert len(evolved) == len(set(evolved)) == 20 and not set(evolved) & {a for a, _ in history}
    assert score(evolved).mean() > score(plain).mean() + 1
    one_edit = {b for a, _ in history for b in nb201.neighbours(a)}
    assert set(evolved) - one_edit
    no_conv_at_edge_0 = EvolutionAO(nb201, gen.clean_inputs, 20, top_k=5, generations=4,
                                    feasible=lambda archs: np.array(["nor_conv_3x3~0" not in a for a in archs]))
    assert all("nor_conv_3x3~0" not in a for a in no_conv_at_edge_0.propose(history, guide, np.random.default_rng(1)))


def test_the_loop_refuses_a_searcher_that_breaks_the_contract(nb201):
    with pytest.raises(ContractError, match="1 already queried"):
        _RepeatingMethod(nb201).run(lambda a: 1.0, 3, seed=0)


def test_ask_queue_hands_out_the_loops_batches(toy_bench):
    """A driver querying one architecture per step through ``AskQueue`` (the NASLib plugin)
    queries what ``run_search`` queries."""
    method = build_method("ls", params={"n_init": 4})
    queue, history = AskQueue(method.searcher(7)), []
    while len(history) < 20:
        arch = queue.next(history, 20 - len(history))
        history.append((arch, toy_bench.query(arch, "cifar10")))
    traj = method.run(lambda a: toy_bench.query(a, "cifar10"), 20, seed=7)
    assert [a for a, _ in history] == traj.archs and queue.asked_at == traj.asks


def test_the_loop_records_when_each_batch_was_asked(toy_bench):
    """``Trajectory.asks``: the queries made when the searcher was asked, so a BO round's
    queries can be told apart afterwards: the initial design in one batch, then rounds of k
    (the last cut to the budget); local search asks once per query after its random start."""
    bo = build_method("bananas", params=TINY_BO).run(lambda a: toy_bench.query(a, "cifar10"), 12, seed=1)
    assert bo.asks == [0, 4, 7, 10] and bo.to_dict()["asks"] == bo.asks
    ls = build_method("ls", params={"n_init": 4}).run(lambda a: toy_bench.query(a, "cifar10"), 7, seed=1)
    assert ls.asks == [0, 4, 5, 6]


@pytest.mark.slow
@pytest.mark.parametrize("parents, ranking", [(1, {"acquisition": "mean"}), (4, {"acquisition": "mean"}),
                                              (1, {"acquisition": "its", "local_acquisition": "mean"})])
def test_local_queries_go_to_the_best_ranked_neighbours_of_the_best_cells(bench, nb201, parents, ranking):
    """``local_queries`` = 3 of k = 5 (CIFAR-10, real table): each round's first 3 queries are
    the unqueried one-edit neighbours of the best ``local_parents`` cells queried before it (1:
    the incumbent alone) that the surrogate mean ranks highest, as the round's acquisition or
    as ``local_acquisition`` beside ITS; the other 2 come from the pool."""
    from naslib_diffusionnag.bo import PosteriorMean

    params = {**TINY_BO, "k": 5, "local_queries": 3, "local_parents": parents, **ranking}
    method = build_method("bananas", params=params)
    searcher, history, beyond_incumbent = method.searcher(0), [], 0
    while len(history) < TINY_BO["n_init"] + 3 * 5:
        before = list(history)
        batch = searcher.propose(before, 5)
        history += [(a, bench.query(a, "cifar10")) for a in batch]
        if len(before) < TINY_BO["n_init"]:
            continue
        queried = {h[0] for h in before}
        best = [h[0] for h in sorted(before, key=lambda h: h[1], reverse=True)[:parents]]
        candidates = list(dict.fromkeys(a for b in best for a in nb201.neighbours(b) if a not in queried))
        with torch.no_grad():
            mean = PosteriorMean(method.surrogate)(*method.surrogate.inputs(candidates)).numpy()
        top = [candidates[i] for i in np.argsort(-mean, kind="stable")[:3]]
        assert batch[:3] == top and len(batch) == 5 and not set(batch[3:]) & set(top)
        beyond_incumbent += len(set(top) - set(nb201.neighbours(best[0])))
    assert (beyond_incumbent > 0) == (parents > 1)  # the wider region is used, not just allowed


@pytest.mark.slow
def test_a_ranking_encoder_ranks_what_the_first_surrogate_guides(bench, nb201):
    """diffusion-BO with ``ranking_encoder: mlp`` (CIFAR-10, real table; acquisition mean, 3 local
    queries of k = 5): the sampler is guided by the GCN ensemble's mean, while the local queries
    and the pool queries are the best by the MLP ensemble's mean, which ranks differently."""
    from naslib_diffusionnag.bo import PosteriorMean

    params = {**TINY_BO, "k": 5, "local_queries": 3, "acquisition": "mean", "ranking_encoder": "mlp"}
    method = build_method("diffusion-bo", params=params)
    assert method.surrogate.config.encoder == "gcn" and method.ranker.config.encoder == "mlp"
    seen: dict = {}
    propose = method.optimizer.propose

    def logged(history, guide, rng):
        seen["guide"], seen["pool"] = guide, propose(history, guide, rng)
        return seen["pool"]

    method.optimizer.propose = logged
    history = [(a, bench.query(a, "cifar10")) for a in nb201.sample(12, np.random.default_rng(3))]
    batch = method.searcher(0).propose(history, 5)
    assert isinstance(seen["guide"], PosteriorMean) and seen["guide"].surrogate is method.surrogate

    def by_mean(surrogate, archs):
        with torch.no_grad():
            mean = PosteriorMean(surrogate)(*surrogate.inputs(archs)).numpy()
        return [archs[i] for i in np.argsort(-mean, kind="stable")]

    incumbent = max(history, key=lambda h: h[1])[0]
    local = [a for a in nb201.neighbours(incumbent) if a not in {h[0] for h in history}]
    pool = [a for a in seen["pool"] if a not in batch[:3]]
    assert batch[:3] == by_mean(method.ranker, local)[:3]
    assert batch[3:] == by_mean(method.ranker, pool)[:2]
    assert by_mean(method.surrogate, local)[:3] != batch[:3] or by_mean(method.surrogate, pool)[:2] != batch[3:]


@pytest.mark.slow
def test_local_after_gain_gives_the_round_after_a_new_incumbent_to_its_neighbours(bench, nb201):
    """``local_after_gain`` 5 of k = 5 beside ``local_queries`` 1 (CIFAR-10, real table; acquisition
    mean): when the last round's queries hold the incumbent, the whole round is its five unqueried
    neighbours the surrogate mean ranks highest and no pool is generated; when the incumbent is
    older, or came from the initial design, the round has one local query and four from the pool."""
    from naslib_diffusionnag.bo import PosteriorMean

    params = {**TINY_BO, "n_init": 6, "k": 5, "local_queries": 1, "local_after_gain": 5, "acquisition": "mean"}
    method = build_method("diffusion-bo", params=params)
    generated = []
    propose = method.optimizer.propose

    def logged(history, guide, rng):
        generated.append(propose(history, guide, rng))
        return generated[-1]

    method.optimizer.propose = logged
    cells = nb201.sample(11, np.random.default_rng(5))
    ranked = sorted(cells, key=lambda a: bench.query(a, "cifar10"))

    def round_of(order):
        history = [(a, bench.query(a, "cifar10")) for a in order]
        generated.clear()
        batch = method.searcher(0).propose(history, 5)
        incumbent = max(history, key=lambda h: h[1])[0]
        local = [a for a in nb201.neighbours(incumbent) if a not in set(order)]
        with torch.no_grad():
            mean = PosteriorMean(method.surrogate)(*method.surrogate.inputs(local)).numpy()
        return batch, [local[i] for i in np.argsort(-mean, kind="stable")]

    batch, top = round_of([*ranked[:7], ranked[-1], *ranked[7:-1]])  # the best is the 8th of 11: last round's
    assert batch == top[:5] and not generated
    for order in ([ranked[-1], *ranked[:-1]],  # the best came first: an old incumbent
                  [*ranked[:5], ranked[-1]]):  # 6 cells, the best the initial design's last
        batch, top = round_of(order)
        assert batch[:1] == top[:1] and len(batch) == 5 and len(generated) == 1
        assert set(batch[1:]) <= set(generated[0])


@pytest.mark.slow
@pytest.mark.parametrize("widen", [False, True])
def test_local_widen_looks_two_edits_away_once_the_incumbents_neighbourhood_is_spent(bench, nb201, widen):
    """A history holding the CIFAR-10 optimum (real table) and all 24 of its one-edit
    neighbours: with ``local_widen`` the round's 3 local queries are the unqueried two-edit
    neighbours the acquisition (the surrogate mean) ranks highest; without it the local share is
    empty, so the round is exactly the one without local queries."""
    from naslib_diffusionnag.bo import PosteriorMean

    optimum = bench.best("cifar10")[0]
    history = [(a, bench.query(a, "cifar10")) for a in [optimum, *nb201.neighbours(optimum)]]
    params = {**TINY_BO, "k": 5, "local_queries": 3, "local_widen": widen, "acquisition": "mean"}
    method = build_method("bananas", params=params)
    batch = method.searcher(0).propose(history, 5)
    ring = {a for a, _ in history}
    two = list(dict.fromkeys(b for a in nb201.neighbours(optimum) for b in nb201.neighbours(a) if b not in ring))
    assert len(two) == 15 * 16  # 2 of 6 edges changed, 4 other ops each
    with torch.no_grad():
        mean = PosteriorMean(method.surrogate)(*method.surrogate.inputs(two)).numpy()
    top = [two[i] for i in np.argsort(-mean, kind="stable")[:3]]
    assert len(batch) == 5 and not ring & set(batch)
    if widen:
        assert batch[:3] == top
    else:
        without_local = build_method("bananas", params={**params, "local_queries": 0}).searcher(0).propose(history, 5)
        assert batch == without_local and batch[:3] != top


@pytest.mark.slow
def test_distinct_functions_never_queries_a_copy_of_a_queried_function(bench, nb201):
    """With ``distinct_functions`` (CIFAR-10, real table, 3 local queries of k = 5, the setting
    that most often meets copies: many one-edit neighbours differ only in dead edges), no query
    after the random initial ones computes the same function (``iso_key``) as an earlier query;
    the same run without it does query such copies."""
    def copies(distinct: bool) -> int:
        params = {**TINY_BO, "k": 5, "local_queries": 3, "distinct_functions": distinct}
        archs = build_method("bananas", params=params).run(lambda a: bench.query(a, "cifar10"), 30, seed=0).archs
        keys = [nb201.iso_key(a) for a in archs]
        return sum(keys[i] in keys[:i] for i in range(TINY_BO["n_init"], len(keys)))

    assert copies(True) == 0
    assert copies(False) > 0


@pytest.mark.slow
@pytest.mark.parametrize("method, budget, params", [
    ("re", 100, {}), ("ls", 100, {}), ("bananas", 40, SMALL_BO), ("diffusion-bo", 40, SMALL_BO),
])
def test_methods_improve_on_random_search(bench, method, budget, params):
    """Mean best-so-far over the run (area under the incumbent curve), seeds 0 and 1."""
    def area(name, p, seed):
        traj = build_method(name, params=p).run(lambda a: bench.query(a, "cifar10"), budget, seed)
        return float(np.mean(traj.incumbent()))

    ours = np.mean([area(method, params, s) for s in (0, 1)])
    rand = np.mean([area("rs", {}, s) for s in (0, 1)])
    assert ours > rand


class _Gaussian:
    """A two-member surrogate whose members are ``mean -+ std`` (so the ensemble's mean and
    std, ddof 0, are exactly ``mean`` and ``std``); members scale with ``x``'s first entry."""

    size = 2

    def __init__(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        self.mean, self.std = mean, std

    def members(self, x, sigma):
        scale = x[:, 0, 0]
        return torch.stack([scale * (self.mean - self.std), scale * (self.mean + self.std)])

    def normalise(self, value):
        return value


def test_acquisition_values_on_a_known_gaussian():
    mean, std = torch.tensor([1.0, 2.0, 2.0, 0.0]), torch.tensor([1.0, 0.1, 1.0, 3.0])
    x, sigma = torch.ones(4, 1, 1), torch.ones(4)
    surrogate, best = _Gaussian(mean, std), 2.0
    ucb = make_acquisition("ucb", surrogate, best, seed=0, beta=0.5)(x, sigma)
    assert torch.allclose(ucb, mean + 0.5 * std)
    ei = make_acquisition("ei", surrogate, best, seed=0)(x, sigma).numpy()
    pi = make_acquisition("pi", surrogate, best, seed=0)(x, sigma).numpy()
    draws = np.random.default_rng(0).normal(mean[:, None], std[:, None], size=(4, 400_000))
    assert np.allclose(ei, np.maximum(draws - best, 0).mean(1), atol=5e-3)  # Monte Carlo
    assert np.allclose(pi, (draws > best).mean(1), atol=3e-3)
    assert pi[1] == pytest.approx(0.5) and ei[1] == pytest.approx(0.1 / np.sqrt(2 * np.pi), rel=1e-5)
    assert torch.equal(make_acquisition("mean", surrogate, best, 0)(x, sigma), mean)
    ts = [make_acquisition("ts", surrogate, best, seed)(x, sigma) for seed in range(20)]
    assert all(torch.allclose(t, mean - std) or torch.allclose(t, mean + std) for t in ts)
    assert len({tuple(t.tolist()) for t in ts}) == 2  # both members get drawn
    its = [make_acquisition("its", surrogate, best, seed)(x, sigma) for seed in (1, 1, 2)]
    assert torch.equal(its[0], its[1]) and not torch.equal(its[0], its[2])
    with pytest.raises(UnknownNameError, match="ei, its, mean, pi, ts, ucb"):
        make_acquisition("kg", surrogate, best, 0)
    with pytest.raises(UnknownNameError, match="diffusion-bo"):
        build_method("hyperband")


@pytest.fixture(scope="module")
def generator():
    return ArchitectureGenerator.load("nb201")


def _random_surrogate(gen: ArchitectureGenerator, dtype: torch.dtype) -> EnsembleSurrogate:
    """Two randomly initialised directed-GCN members (labels: z-scores of mean 90, std 4)."""
    surrogate = EnsembleSurrogate(gen, 2)
    for seed in (0, 1):
        torch.manual_seed(seed)
        surrogate.fitted.append(DirectedGCNPredictor(gen.space.n_tokens, gen.space.adjacency(), surrogate.config,
                                                     ZScore(90.0, 4.0)).to(dtype).eval())
    return surrogate


@pytest.fixture(scope="module")
def double_surrogate(generator):
    return _random_surrogate(generator, torch.float64)


@pytest.mark.parametrize("name", ["mean", "ucb", "ei", "pi", "ts", "its"])
def test_acquisition_gradients_match_finite_differences(double_surrogate, name):
    """d acquisition / d (X_t, sigma) by autograd against central differences (float64), on
    noisy inputs as guidance sees them; ITS with one fixed draw (a fresh object per call)."""
    gen = double_surrogate.generator
    x0, _ = double_surrogate.inputs(gen.space.sample(3, np.random.default_rng(0)))
    sigma = torch.tensor([0.5, 2.0, 8.0], dtype=torch.float64)
    x = (x0.double() + sigma[:, None, None] * torch.randn(x0.shape, generator=torch.Generator().manual_seed(0),
                                                         dtype=torch.float64)).requires_grad_(True)
    best = 90.0 + 4.0 * float(double_surrogate.members(x, sigma).detach().mean())  # the incumbent near the values

    def acq(x, sigma):
        return make_acquisition(name, double_surrogate, best, seed=1, beta=1.5)(x, sigma)

    assert torch.autograd.gradcheck(acq, (x, sigma.requires_grad_(True)), eps=1e-6, atol=1e-6, rtol=1e-4,
                                    fast_mode=True)  # a random projection of the Jacobian: as strict, ~10x cheaper
    assert acq(x, sigma).std() > 0


def test_guided_generation_climbs_the_acquisition(generator):
    """The acquisition is a guidance term like a predictor: guided samples score higher on it
    than unguided ones from the same noise."""
    surrogate = _random_surrogate(generator, torch.float32)
    acq = make_acquisition("ucb", surrogate, 90.0, seed=0)
    sampler = generator.config.with_overrides(sampler={"steps": 15}).sampler
    plain = generator.sample(40, 0, sampler).valid
    guided = generator.sample_guided(40, 0, [GuidanceTerm("ucb", acq, Objective("max"))], [50.0], sampler).valid
    with torch.no_grad():
        scores = [float(acq(*surrogate.inputs(archs)).mean()) for archs in (plain, guided)]
    assert scores[1] > scores[0]


def _config(tmp_path: Path, methods: dict, seeds: int, budget: int = 20, data: Path | None = None) -> Path:
    cfg = {"budget": budget, "seeds": seeds, "datasets": ["cifar10"], "methods": methods,
           "runs_dir": str(tmp_path / "runs"), "results": str(tmp_path / "res" / "bo")}
    if data is not None:  # a made-up table in the real layout: not the documented file
        cfg.update(data=str(data), allow_unverified_data=True)
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.mark.slow
def test_sweep_resumes_and_never_overwrites(tmp_path, bench):
    path = _config(tmp_path, {"rs": {}, "re": {"population_size": 10}}, seeds=2)
    files = run_sweep(SweepConfig.from_yaml(path), workers=1, progress=False)
    assert len(files) == 4
    stamps = {f: os.stat(f).st_mtime_ns for f in files}
    record = json.loads(Path(files[0]).read_text())
    assert record["benchmark"]["sha256"] == bench.checksum and record["package_version"]
    assert record["spec"]["budget"] == 20 and len(record["trajectory"]["archs"]) == 20
    path = _config(tmp_path, {"rs": {}, "re": {"population_size": 10}}, seeds=3)
    files3 = run_sweep(SweepConfig.from_yaml(path), workers=1, progress=False)
    assert len(files3) == 6
    assert all(os.stat(f).st_mtime_ns == t for f, t in stamps.items())  # finished runs not redone
    path = _config(tmp_path, {"rs": {}, "re": {"population_size": 10, "sample_size": 5}}, seeds=3)
    with pytest.raises(DiffusionNAGError, match="another setting"):
        run_sweep(SweepConfig.from_yaml(path), workers=1, progress=False)

    # aggregation on this small real sweep
    runs = report.load_runs(tmp_path / "runs")
    table = report.aggregate(runs, {"cifar10": bench.best("cifar10")[1]})
    rs = [r for r in runs if r["spec"]["method"] == "rs"]
    at10 = np.mean([r["trajectory"]["incumbent"][9] for r in rs])
    assert table["cifar10"]["rs"]["seeds"] == 3
    assert table["cifar10"]["rs"]["at"]["10"]["mean"] == pytest.approx(at10)
    assert "20" not in table["cifar10"]["rs"]["at"] or table["cifar10"]["rs"]["budget"] >= 20
    md = report.to_markdown(table, {"cifar10": 94.37}, {"protocol": "test"})
    assert "| rs | 3 |" in md and "best @ 10" in md
    pngs = report.plot(table, {"cifar10": 94.37}, tmp_path, "bo")
    assert Path(pngs[0]).stat().st_size > 1000


def test_bad_sweep_config(tmp_path):
    path = _config(tmp_path, {"hyperband": {}}, seeds=1)
    with pytest.raises(DiffusionNAGError, match="unknown methods"):
        SweepConfig.from_yaml(path)
    with pytest.raises(DiffusionNAGError, match="does not exist"):
        SweepConfig.from_yaml(tmp_path / "missing.yaml")


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids = (task / "children").read_text().split()
        out += [int(k) for k in kids]
    return out


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to find worker processes")
def test_sweep_survives_a_killed_worker(tmp_path):
    path = _config(tmp_path, {"diffusion-bo": SMALL_BO}, seeds=2, budget=40)
    proc = subprocess.Popen([sys.executable, "-m", "naslib_diffusionnag.cli", "bench", "--config", str(path),
                             "--workers", "2", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = False
    deadline = time.time() + 60
    while time.time() < deadline and not killed:
        time.sleep(0.1)
        # spawn workers are python processes started by the pool (ignore the resource tracker);
        # kill one as soon as both exist, before any run has finished, so the death always hits live work
        workers = [c for c in _children(proc.pid)
                   if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes() and
                   b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()]
        if len(workers) >= 2:
            assert not list((tmp_path / "runs").glob("*.json")), "a run finished before both workers were seen"
            os.kill(workers[0], signal.SIGKILL)
            killed = True
    out, err = proc.communicate(timeout=300)
    assert killed, "no worker process was found to kill"
    assert proc.returncode == 0, err[-2000:]
    assert "a worker died" in err
    assert sorted(p.name for p in (tmp_path / "runs").glob("*.json")) == [
        "cifar10__diffusion-bo__s0.json", "cifar10__diffusion-bo__s1.json"]
    assert json.loads(out.strip().splitlines()[-1])["runs"] == 2


@pytest.mark.slow
def test_search_cli_json(capsys, bench):
    assert main(["search", "--dataset", "cifar100", "--budget", "40", "--seed", "1", "--method", "re", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"best_arch", "best_test_accuracy", "queries", "incumbent", "trajectory", "benchmark"} <= set(out)
    assert out["queries"] == 40 and len(out["incumbent"]) == 40
    assert out["best_test_accuracy"] == pytest.approx(bench.query(out["best_arch"], "cifar100"))
    assert out["best_test_accuracy"] == max(out["trajectory"]["values"])


def _outcome(run_file: str) -> dict:
    """What a run computed (not when, where or how fast)."""
    r = json.loads(Path(run_file).read_text())
    return {"spec": r["spec"], "resolved_params": r["resolved_params"], "best": (r["best_arch"], r["best_value"]),
            "sha256": r["benchmark"]["sha256"],
            "trajectory": {k: v for k, v in r["trajectory"].items() if k != "times"}}


@pytest.mark.slow  # starts a local Ray instance
def test_ray_backend_runs_the_same_sweep(tmp_path, toy_bench_csv):
    """Two runs through a local Ray instance equal the same two runs in the process pool."""
    ray = pytest.importorskip("ray", reason="the optional Ray backend needs `pip install ray` (.ci/run installs it)")
    results = {}
    for backend in ("ray", "process"):
        (tmp_path / backend).mkdir()
        config = SweepConfig.from_yaml(_config(tmp_path / backend, {"ls": {"n_init": 5}}, seeds=2, data=toy_bench_csv))
        try:
            results[backend] = [_outcome(f) for f in run_sweep(config, workers=2, backend=backend, progress=False)]
        finally:
            if backend == "ray":
                ray.shutdown()
    assert len(results["ray"]) == 2 and [r["spec"]["seed"] for r in results["ray"]] == [0, 1]
    assert results["ray"] == results["process"]
    assert results["ray"][0]["trajectory"]["archs"] != results["ray"][1]["trajectory"]["archs"]


def test_unknown_backend(tmp_path):
    path = _config(tmp_path, {"rs": {}}, seeds=1)
    with pytest.raises(DiffusionNAGError, match="unknown backend"):
        run_sweep(SweepConfig.from_yaml(path), backend="dask", progress=False)


# ---- typed method parameters ---------------------------------------------------------------
def test_local_settings_apply_when_only_rounds_after_a_gain_are_local():
    """``local_after_gain`` alone asks for local queries, so the settings that shape them are
    accepted with ``local_queries`` 0 (they would otherwise be refused as unused)."""
    p = resolve_params("bananas", {"local_queries": 0, "local_after_gain": 5, "local_parents": 3,
                                   "local_acquisition": "mean"})
    assert (p.local_queries, p.local_after_gain, p.local_parents, p.local_acquisition) == (0, 5, 3, "mean")


def test_numpy_numbers_from_code_are_taken_as_plain_python_numbers():
    """Parameters computed in code arrive as numpy scalars: an integer one was refused as "not an
    integer"; now it is taken and stored as a plain int (a run file's JSON needs one), while a
    bool (numpy's too) is still no integer and a float no string."""
    p = resolve_params("bananas", {"k": np.int64(5), "n_init": np.int32(4), "beta": np.float32(2.5),
                                   "acquisition": "ucb"})
    assert (p.k, p.n_init, p.beta) == (5, 4, 2.5) and type(p.k) is int and type(p.beta) is float
    widened = resolve_params("bananas", {"local_widen": np.bool_(True)})
    assert type(widened.local_widen) is bool and json.dumps(asdict(widened))  # numpy's bool is no JSON
    for bad, says in [({"k": np.bool_(True)}, "'k' must be an integer, got np.True_"),
                      ({"acquisition": np.float64(1.0)}, "'acquisition' must be a string")]:
        with pytest.raises(ConfigError, match=re.escape(says)):
            resolve_params("bananas", bad)


def test_method_defaults_are_the_committed_settings():
    """The defaults benchmarks_results/bo_nb201.md was made with (configs/bo_nb201.yaml spells
    them out); transfer-bo keeps the plain round its surrogate supports."""
    bo = {"n_init": 10, "k": 10, "acquisition": "its", "beta": 2.0, "ensemble": 5, "predictor_steps": 300,
          "surrogate_encoder": "gcn", "surrogate_rank_weight": 1.0, "surrogate_noise_power": 1.0,
          "surrogate_labels": "normal_scores",
          "candidates": 100, "mutation_top_k": 10,
          "mutation_edits": 1, "mutation_generations": 1, "budget_property": None,
          "budget": None, "budget_initial": "projected", "sampler_steps": None, "local_queries": 3,
          "local_parents": 1, "local_widen": False, "distinct_functions": False, "local_acquisition": None,
          "local_after_gain": None}
    assert asdict(resolve_params("rs")) == {}
    assert asdict(resolve_params("re")) == {"population_size": 30, "sample_size": 10}
    assert asdict(resolve_params("ls")) == {"n_init": 10}
    assert asdict(resolve_params("bananas")) == asdict(resolve_params("bo-random")) == bo
    assert asdict(resolve_params("diffusion-bo")) == {**bo, "scales": (100.0, 50.0, 25.0), "guide": "mean",
                                                      "mix_mutations": 0, "stall_switch": 10, "stall_skip_initial": False,
                                                      "stall_switch_late": None, "stall_late_from": 60,
                                                      "stall_edits": 0, "edit_t": 0.6, "ranking_encoder": None,
                                                      "fill_rounds": 0}
    assert resolve_params("diffusion-bo", {"scales": [100, 50, 25]}) == resolve_params("diffusion-bo")
    assert asdict(resolve_params("transfer-bo", {"target": "cifar10"})) == {
        **bo, "ensemble": 3, "surrogate_rank_weight": 0.0, "local_queries": 0, "surrogate_labels": "zscore",
        "target": "cifar10", "meta_checkpoint": None,
        "sources": "meta-train-db", "n_generate": 100, "candidates_from": "mutation"}
    defaults = yaml.safe_load((ROOT / "configs" / "bo_nb201.yaml").read_text())["methods"]
    assert all(resolve_params(m, p) == resolve_params(m) for m, p in defaults.items())


def test_first_defaults_are_the_ones_each_method_takes():
    """A benchmark re-running committed results pins ``first_defaults(method)``: each BO method
    accepts its own and runs with the first defaults (the whole ``FIRST_DEFAULTS`` holds
    diffusion-BO's ``stall_switch``, which BANANAS and bo-random refuse: mbv3.py's parts (b)/(c)
    failed on it)."""
    with pytest.raises(ConfigError, match="unknown parameter 'stall_switch'"):
        resolve_params("bananas", FIRST_DEFAULTS)
    for name in ("bananas", "bo-random", "diffusion-bo"):
        resolved = asdict(resolve_params(name, first_defaults(name)))
        assert {k: resolved[k] for k in first_defaults(name)} == first_defaults(name)
        assert set(FIRST_DEFAULTS) - set(first_defaults(name)) == set(FIRST_DEFAULTS) - set(resolved)
    assert set(first_defaults("diffusion-bo")) == set(FIRST_DEFAULTS)
    assert first_defaults("rs") == {}


@pytest.mark.parametrize("methods, message", [
    ({"ls": {"n_inti": 5}}, "method 'ls': unknown parameter 'n_inti'; valid parameters: n_init"),
    ({"rs": {"n_init": 10}}, "method 'rs': unknown parameter 'n_init'; it takes no parameters"),
    ({"bananas": {"scales": [10]}}, "method 'bananas': unknown parameter 'scales'; valid parameters: n_init, k,"),
    ({"ls": {"n_init": "ten"}}, "method 'ls': parameter 'n_init' must be an integer, got 'ten' (str)"),
    ({"re": {"population_size": 30.5}}, "parameter 'population_size' must be an integer, got 30.5"),
    ({"diffusion-bo": {"scales": [100, "high"]}}, "parameter 'scales' (each entry) must be a number, got 'high'"),
    ({"diffusion-bo": {"scales": 100}}, "parameter 'scales' must be a list of numbers, got 100"),
    ({"diffusion-bo": {"sampler_steps": True}}, "parameter 'sampler_steps' must be an integer or null"),
    ({"bo-random": {"acquisition": "kg"}}, "parameter 'acquisition' must be one of ei, its, mean, pi, ts, ucb, "
                                           "got 'kg'"),
    ({"bananas": {"beta": -1}}, "method 'bananas': parameter 'beta' must be a finite number >= 0, got -1.0"),
    ({"bananas": {"guide": "acquisition"}}, "method 'bananas': unknown parameter 'guide'"),
    ({"diffusion-bo": {"guide": "ucb"}}, "parameter 'guide' must be one of mean, acquisition, got 'ucb'"),
    ({"diffusion-bo": {"beta": "high"}}, "parameter 'beta' must be a number, got 'high'"),
    ({"re": {"sample_size": 0}}, "method 're': parameter 'sample_size' must be an integer >= 1, got 0"),
    # the tournament drew min(sample_size, population) while the run file recorded sample_size
    ({"re": {"population_size": 5, "sample_size": 10}}, "parameter 'sample_size' (10) is the tournament drawn"),
    ({"bananas": {"surrogate_encoder": "gp"}}, "parameter 'surrogate_encoder' must be one of gcn, mlp, got 'gp'"),
    ({"diffusion-bo": {"mix_mutations": -5}}, "parameter 'mix_mutations' must be an integer >= 0, got -5"),
    ({"diffusion-bo": {"stall_switch": -1}}, "parameter 'stall_switch' must be an integer >= 0, got -1"),
    ({"diffusion-bo": {"stall_edits": 50, "stall_switch": 0}}, "parameter 'stall_edits' adds guided edits to the pool"),
    ({"diffusion-bo": {"edit_t": 0.4}}, "parameter 'edit_t' (0.4) sets the guided edits' noise level, and 'stall_edits' is 0"),
    ({"diffusion-bo": {"stall_edits": 50, "edit_t": 0.0}}, "parameter 'edit_t' must be a finite number in (0, 1], got 0.0"),
    ({"diffusion-bo": {"stall_switch": 0, "stall_switch_late": 1}},
     "parameter 'stall_switch_late' is the stall switch's patience late in the search, and 'stall_switch' is 0"),
    ({"diffusion-bo": {"stall_late_from": 50}}, "parameter 'stall_late_from' (50) says when 'stall_switch_late'"),
    ({"diffusion-bo": {"stall_switch_late": 0}}, "parameter 'stall_switch_late' must be an integer >= 1, got 0"),
    ({"diffusion-bo": {"stall_switch": 0, "stall_skip_initial": True}},
     "parameter 'stall_skip_initial' sets when the stall switch starts counting, and 'stall_switch' is 0"),
    ({"bananas": {"stall_skip_initial": True}}, "stall_skip_initial"),
    ({"diffusion-bo": {"local_after_gain": 11}}, "parameter 'local_after_gain' (11) is a share of a round's 'k' (10)"),
    ({"bananas": {"local_after_gain": "all"}}, "parameter 'local_after_gain' must be an integer or null, got 'all'"),
    ({"transfer-bo": {"target": "cifar10", "local_after_gain": 5}}, "'local_acquisition', 'local_after_gain', "),
    ({"bananas": {"stall_switch": 20}}, "method 'bananas': unknown parameter 'stall_switch'"),
    ({"bananas": {"budget": 30}}, "parameters 'budget_property' and 'budget' go together"),
    ({"bananas": {"budget_initial": "random"}}, "parameter 'budget_initial' must be one of generated, projected, uniform"),
    ({"diffusion-bo": {"budget_property": "latency:note10"}}, "parameters 'budget_property' and 'budget' go together"),
    ({"transfer-bo": {"target": "cifar10", "budget_property": "latency:pixel3", "budget": 9}},
     "transfer-bo takes no 'budget'"),
    ({"bo-random": {"surrogate_rank_weight": -0.5}}, "parameter 'surrogate_rank_weight' must be a finite number >= 0, got -0.5"),
    ({"bananas": {"surrogate_noise_power": 0}}, "parameter 'surrogate_noise_power' must be a finite number > 0"),
    ({"diffusion-bo": {"surrogate_noise_power": float("inf")}}, "'surrogate_noise_power' must be a finite number"),
    ({"transfer-bo": {"target": "cifar10", "surrogate_noise_power": 3}}, "'surrogate_rank_weight', "
                                                                          "'surrogate_noise_power', "),
    ({"bananas": {"surrogate_labels": "ranks"}}, "parameter 'surrogate_labels' must be one of normal_scores, zscore, "
                                                 "got 'ranks'"),
    ({"transfer-bo": {"target": "cifar10", "surrogate_labels": "normal_scores"}}, "'surrogate_noise_power', "
                                                                                  "'surrogate_labels' or"),
    ({"bananas": {"mix_mutations": 5}}, "method 'bananas': unknown parameter 'mix_mutations'"),
    ({"diffusion-bo": {"fill_rounds": -1}}, "method 'diffusion-bo': parameter 'fill_rounds' must be an integer >= 0, got -1"),
    ({"bananas": {"mutation_generations": 0}}, "method 'bananas': parameter 'mutation_generations' must be an integer >= 1"),
    ({"bananas": {"local_queries": -1}}, "method 'bananas': parameter 'local_queries' must be an integer >= 0, got -1"),
    ({"bananas": {"local_parents": 0}}, "method 'bananas': parameter 'local_parents' must be an integer >= 1, got 0"),
    ({"bananas": {"local_queries": 0, "local_parents": 5}}, "parameters 'local_parents' (5), 'local_widen' "
                                                            "(False) and 'local_acquisition' (None) choose where "
                                                            "local queries come from and how they are ranked, but "
                                                            "'local_queries' is 0"),
    ({"bo-random": {"local_queries": 0, "local_widen": True}}, "'local_widen' (True) and 'local_acquisition' (None) "
                                                               "choose where local queries come from and how they are "
                                                               "ranked, but 'local_queries' is 0"),
    ({"diffusion-bo": {"local_queries": 0, "local_acquisition": "mean"}}, "'local_acquisition' ('mean') choose where "
                                                                          "local queries come from"),
    ({"bananas": {"local_queries": 0, "local_after_gain": 0, "local_widen": True}}, "but 'local_queries' is 0 (and "
                                                                                 "'local_after_gain' unset or 0)"),
    ({"bananas": {"local_acquisition": "greedy"}}, "parameter 'local_acquisition' must be one of ei, its, mean, pi, "
                                                   "ts, ucb, got 'greedy'"),
    ({"transfer-bo": {"target": "cifar10", "local_acquisition": "mean"}}, "'local_widen', 'local_acquisition'"),
    ({"diffusion-bo": {"ranking_encoder": "gp"}}, "parameter 'ranking_encoder' must be one of gcn, mlp, got 'gp'"),
    ({"diffusion-bo": {"ranking_encoder": "mlp", "guide": "acquisition"}}, "parameter 'ranking_encoder' ('mlp') gives "
                                                                          "the acquisition its own surrogate"),
    ({"bananas": {"ranking_encoder": "mlp"}}, "method 'bananas': unknown parameter 'ranking_encoder'"),
    ({"bananas": {"local_widen": "yes"}}, "parameter 'local_widen' must be"),
    ({"diffusion-bo": {"k": 5, "local_queries": 6}}, "parameter 'local_queries' (6; default 3) cannot exceed 'k' (5)"),
    ({"bananas": {"k": 2}}, "'local_queries' (3; default 3) cannot exceed 'k' (2), the queries of a round it is "
                            "a share of: set local_queries <= k"),
    ({"transfer-bo": {"target": "cifar10", "local_queries": 2}}, "transfer-bo takes no 'budget'/'budget_property', "
                                                                 "'sampler_steps', 'local_queries'"),
    ({"transfer-bo": {"target": "cifar10", "local_parents": 3}}, "transfer-bo takes no 'budget'/'budget_property', "
                                                                 "'sampler_steps', 'local_queries', 'local_parents'"),
    ({"transfer-bo": {"target": "cifar10", "local_widen": True}}, "'local_parents', 'local_widen'"),
    ({"transfer-bo": {"target": "cifar10", "surrogate_rank_weight": 1}}, "'surrogate_labels' or "
                                                                         "'distinct_functions'"),
    # settings that change nothing ran and were recorded in the run's resolved parameters
    ({"diffusion-bo": {"scales": [0, 0]}}, "parameter 'scales' is all 0 ([0.0, 0.0]): the pool would be unguided "
                                           "samples under diffusion-bo's name"),
    ({"bo-random": {"mutation_edits": 2}}, "parameter 'mutation_edits' would change nothing: bo-random's candidates "
                                           "are uniform random cells, not mutations; leave it at the default"),
    ({"bananas": {"budget_initial": "uniform"}}, "parameter 'budget_initial' would change nothing: without a cost "
                                                 "budget the initial design is random and nothing is sampled"),
    ({"bananas": {"sampler_steps": 5}}, "parameter 'sampler_steps' would change nothing: without a cost budget"),
    ({"diffusion-bo": {"stall_switch": 0, "mutation_top_k": 3, "mutation_edits": 2}},
     "parameters 'mutation_top_k', 'mutation_edits' would change nothing: diffusion-bo makes mutations only when "
     "stalled (stall_switch) or to mix them in (mix_mutations), and both are 0; set one of those or leave them"),
    ({"transfer-bo": {"target": "cifar10", "mutation_generations": 3}}, "parameter 'mutation_generations' would "
                                                                        "change nothing: transfer-bo's mutation"),
    # a pool of 10**9 distinct cells per round never filled: the sweep hung
    ({"bananas": {"candidates": 10**9}}, "parameter 'candidates' (1,000,000,000) asks for more distinct architectures "
                                         "per round than the nb201 space has (15,625)"),
    ({"diffusion-bo": {"mix_mutations": 20000}}, "parameter 'mix_mutations' (20,000) asks for more distinct"),
    ({"bananas": {"k": 10**20}}, "parameter 'k' must be an integer in [1, 9223372036854775807], got "
                                 "100000000000000000000"),
])
def test_bad_method_parameters_are_refused_when_the_sweep_config_is_read(tmp_path, methods, message):
    path = _config(tmp_path, methods, seeds=1)
    with pytest.raises(ConfigError) as e:
        SweepConfig.from_yaml(path)
    assert message in str(e.value) and str(path) in str(e.value)
    assert not (tmp_path / "runs").exists()  # refused before any run started


def test_sweep_runs_record_their_resolved_parameters(tmp_path, toy_bench_csv, toy_bench):
    """Runs of a sweep on a table in the real layout (in this process, the benchmark passed
    explicitly): every run file records the method's parameters as given (``spec``, compared
    on resume) and resolved over the defaults."""
    path = _config(tmp_path, {"rs": {}, "re": {"population_size": 11}}, seeds=1, budget=12, data=toy_bench_csv)
    config = SweepConfig.from_yaml(path)
    Path(config.runs_dir).mkdir(parents=True)
    threads = torch.get_num_threads()
    try:
        files = [run_one(spec, config.runs_dir, bench=toy_bench) for spec in config.specs()]
    finally:
        torch.set_num_threads(threads)  # run_one pins a worker process to one thread
    records = {json.loads(Path(f).read_text())["spec"]["method"]: json.loads(Path(f).read_text()) for f in files}
    assert records["re"]["spec"]["params"] == {"population_size": 11}
    assert records["re"]["resolved_params"] == {"population_size": 11, "sample_size": 10}
    assert records["rs"]["resolved_params"] == {}
    assert records["re"]["benchmark"]["sha256"] == toy_bench.checksum
    assert records["re"]["protocol"] == records["rs"]["protocol"] == PROTOCOL == 2
    assert records["re"]["checkpoint"] is None  # no diffusion model used
    traj = build_method("re", params={"population_size": 11}).run(lambda a: toy_bench.query(a, "cifar10"), 12, 0)
    assert records["re"]["trajectory"]["archs"] == traj.archs
    assert records["re"]["trajectory"]["asks"] == traj.asks == [0, 11]  # the population at once, then one child


def test_resume_compares_resolved_parameters_not_their_spelling(tmp_path, toy_bench_csv, toy_bench):
    """A finished run is resumed when the spec resolves to the parameters it recorded, spelt
    out or left to defaults; a run whose recorded value differs from today's default (a
    default changed since) is another run and stops the sweep; a parameter added since (absent
    from the record) matches its default."""
    path = _config(tmp_path, {"re": {}}, seeds=1, budget=31, data=toy_bench_csv)
    config = SweepConfig.from_yaml(path)
    Path(config.runs_dir).mkdir(parents=True)
    threads = torch.get_num_threads()
    try:
        (file,) = [run_one(spec, config.runs_dir, bench=toy_bench) for spec in config.specs()]
    finally:
        torch.set_num_threads(threads)
    stamp = os.stat(file).st_mtime_ns
    spelt = _config(tmp_path, {"re": {"population_size": 30, "sample_size": 10}}, seeds=1, budget=31,
                    data=toy_bench_csv)
    assert run_sweep(SweepConfig.from_yaml(spelt), workers=1, progress=False) == [file]
    assert os.stat(file).st_mtime_ns == stamp  # resumed, not redone
    record = json.loads(Path(file).read_text())
    record["resolved_params"]["population_size"] = 20  # as if the default had been 20 when it ran
    Path(file).write_text(json.dumps(record))
    with pytest.raises(DiffusionNAGError, match="another setting"):
        run_sweep(config, workers=1, progress=False)
    del record["resolved_params"]["sample_size"]
    record["resolved_params"]["population_size"] = 30  # sample_size "added later" with its default
    Path(file).write_text(json.dumps(record))
    assert run_sweep(config, workers=1, progress=False) == [file]


def test_run_records_name_the_checkpoint_by_its_sha256(tmp_path):
    shipped = checkpoint_record("diffusion-bo")
    assert shipped is not None and shipped["path"].endswith("nb201.pt")
    assert shipped["sha256"] == hashlib.sha256(Path(shipped["path"]).read_bytes()).hexdigest()
    assert checkpoint_record("ls") is None
    other = tmp_path / "other.pt"
    other.write_bytes(b"weights")
    assert checkpoint_record("bananas", checkpoint=str(other))["sha256"] == hashlib.sha256(b"weights").hexdigest()


def test_runs_of_another_protocol_are_neither_resumed_nor_mixed(tmp_path, toy_bench_csv, toy_bench):
    """A run file of protocol 1 (no field: the committed runs) for the same spec is refused,
    not taken as done; aggregation refuses a folder mixing protocols."""
    path = _config(tmp_path, {"rs": {}}, seeds=2, budget=12, data=toy_bench_csv)
    config = SweepConfig.from_yaml(path)
    Path(config.runs_dir).mkdir(parents=True)
    threads = torch.get_num_threads()
    try:
        new, old = (run_one(spec, config.runs_dir, bench=toy_bench) for spec in config.specs())
    finally:
        torch.set_num_threads(threads)
    record = json.loads(Path(old).read_text())
    del record["protocol"]
    Path(old).write_text(json.dumps(record))
    with pytest.raises(DiffusionNAGError, match="made under protocol 1, this version runs protocol 2"):
        run_sweep(config, progress=False)
    runs = report.load_runs(config.runs_dir)
    with pytest.raises(DataFormatError, match=r"protocols \[1, 2\]"):
        report.check_same_protocol(runs, config.runs_dir)
    report.check_same_protocol(runs[:1], config.runs_dir)  # one protocol: accepted


def test_confidence_band_uses_the_t_quantile_and_ddof_1():
    values = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [4.0, 5.0]])
    mean, sd, ci = report.mean_ci(values)
    assert mean.tolist() == [2.5, 5.0]
    assert sd[0] == pytest.approx(np.sqrt(5 / 3)) and sd[1] == 0.0
    assert ci[0] == pytest.approx(3.182446305 * np.sqrt(5 / 3) / 2)  # t(0.975, 3 dof)
    assert report.mean_ci(values[:1])[1:] == (None, None)  # one seed: no spread
    runs = [{"spec": {"dataset": "cifar10", "method": "rs", "budget": 10, "seed": s}, "seconds": 1.0,
             "trajectory": {"incumbent": [90.0 + s] * 10}} for s in range(4)]
    table = report.aggregate(runs, {"cifar10": 95.0})
    assert table["cifar10"]["rs"]["at"]["10"] == {"mean": 91.5, "sd": pytest.approx(np.sqrt(5 / 3)),
                                                  "ci95": pytest.approx(ci[0])}
    md = report.to_markdown(table, {"cifar10": 95.0}, {"protocol": "test"})
    assert "91.50 ± 2.05" in md and "t quantile, n-1 dof; sd with ddof=1" in md


def _curve_runs(curves: dict[str, list[list[float]]]) -> list[dict]:
    """Run records of ``{method: [per-seed incumbent curve]}`` on cifar10, seeds 0.."""
    return [{"spec": {"dataset": "cifar10", "method": m, "budget": len(c), "seed": s}, "seconds": 1.0,
             "trajectory": {"incumbent": c}} for m, per_seed in curves.items() for s, c in enumerate(per_seed)]


def test_standing_names_the_budgets_a_method_trails_and_which_deficits_are_significant():
    """Budgets 20-22 of three methods on 4 seeds, worked by hand: at 20 ``a`` and ``c`` tie
    first and ``b`` trails by 0.2 on every seed (a paired interval of width 0: significant);
    from 21 ``b`` leads by 0.5 on every seed; ``c`` trails ``b`` there too, and at 20 a fourth
    method ``d`` trails ``a`` by 0.1 on average with differences +1, -1.2, +1, -1.2 (mean
    -0.1, paired sd 1.27): behind, not significantly."""
    base = [[90.0 + s] * 22 for s in range(4)]
    b = [c[:19] + [c[19] - 0.2, c[20] + 0.5, c[21] + 0.5] for c in base]
    d = [c[:19] + [c[19] + e, c[20] - 5, c[21] - 5] for c, e in zip(base, (1.0, -1.2, 1.0, -1.2), strict=True)]
    rows = report.standing(_curve_runs({"a": base, "b": b, "c": [list(c) for c in base], "d": d}))["cifar10"]
    assert (rows["from"], rows["to"], rows["budgets"]) == (20, 22, 3)
    a, b_, c, d_ = (rows["methods"][m] for m in "abcd")
    assert (a["first_or_tied"], a["behind"], a["leaders"], a["significantly_behind"]) == (1, [21, 22], {"b": [21, 22]},
                                                                                         [21, 22])
    assert a["largest_deficit"] == pytest.approx(0.5) and a["largest_deficit_at"] == 21
    assert (b_["first_or_tied"], b_["leaders"], b_["significantly_behind"]) == (2, {"a": [20]}, [20])
    assert b_["largest_deficit"] == pytest.approx(0.2)
    assert (c["first_or_tied"], c["behind"]) == (1, [21, 22])  # tied with a at 20
    assert (d_["behind"], d_["leaders"]["a"], d_["largest_deficit_at"]) == ([20, 21, 22], [20], 21)
    assert 20 not in d_["significantly_behind"] and d_["significantly_behind"] == [21, 22]
    assert report.standing(_curve_runs({"a": base})) == {}  # one method: no standing
    assert report.standing(_curve_runs({"a": [c[:10] for c in base], "b": [c[:10] for c in b]})) == {}  # < 20
    md = "\n".join(report.standing_markdown(rows))
    assert "| a | 1 | 21-22 (b) | 0.50 (21) | 21-22 |" in md and "| d | 0 | 20 (a); 21-22 (b) | " in md
    assert report.ranges([20, 21, 22, 25, 30, 31]) == "20-22, 25, 30-31" and report.ranges([]) == "–"


def test_standing_and_run_files_refuse_what_would_read_wrong(tmp_path):
    """first=0 read the last budget as budget 0 (a negative index), 2.5 failed as an IndexError; a
    NaN in a curve made both methods "behind" each other; a seed stored as "1" beside 1 merged
    two runs; a curve longer than its budget stretched the standing past the table; methods with
    no seed in common read as "not significantly behind" though nothing was tested; ranges
    printed unsorted or repeated budgets as a range."""
    from naslib_diffusionnag.errors import ConfigError, DataFormatError

    base = [[90.0 + s] * 22 for s in range(3)]
    runs = _curve_runs({"a": base, "b": [[c - 1 for c in curve] for curve in base]})
    for first in (0, -5, 2.5, True, "20", None):
        with pytest.raises(ConfigError, match=r"first \(the first budget of the standing\) must be an integer >= 1"):
            report.standing(runs, first)
    for edit, problem in ((lambda r: r["trajectory"]["incumbent"].__setitem__(3, float("nan")), "not finite numbers"),
                          (lambda r: r["trajectory"]["incumbent"].__setitem__(3, "90"), "not finite numbers"),
                          (lambda r: r["spec"].__setitem__("seed", "1"), "its seed is not a whole number >= 0")):
        run = json.loads(json.dumps(runs[0]))
        edit(run)
        (tmp_path / "run.json").write_text(json.dumps(run, allow_nan=True))
        with pytest.raises(DataFormatError, match=problem):
            report.read_run(tmp_path / "run.json")
    longer = [{**r, "spec": {**r["spec"], "budget": 21}} for r in runs]  # curves of 22, budget 21
    assert report.standing(longer)["cifar10"]["to"] == 21
    apart = _curve_runs({"a": base}) + [{**r, "spec": {**r["spec"], "seed": r["spec"]["seed"] + 10}}
                                         for r in _curve_runs({"b": [[c - 1 for c in curve] for curve in base]})]
    b = report.standing(apart)["cifar10"]["methods"]["b"]
    assert (b["significantly_behind"], b["untested"]) == ([], [20, 21, 22])
    assert "untested (< 2 shared seeds) at 20-22" in "\n".join(report.standing_markdown(report.standing(apart)["cifar10"]))
    for qs in ([3, 1, 2], [1, 1, 2], [1.5, 2.5], [True, 2]):
        with pytest.raises(ValueError, match="ranges takes increasing whole numbers"):
            report.ranges(qs)


@pytest.mark.slow
def test_standing_of_the_committed_sweep_agrees_with_its_mean_curves():
    """On bo_nb201.md's runs, the methods ``standing`` counts first at a budget are exactly
    those whose mean curve (``aggregate``, another code path) is the highest there."""
    runs = report.load_runs(Path(__file__).parents[1] / "benchmarks_results" / "bo_nb201" / "runs")
    table, ranks = report.aggregate(runs, {d: 0.0 for d in ("cifar10", "cifar100", "ImageNet16-120")}), report.standing(runs)
    for dataset, methods in table.items():
        assert ranks[dataset]["budgets"] == 131
        for q in range(20, 151):
            top = max(m["curve_mean"][q - 1] for m in methods.values())
            first = {name for name, m in methods.items() if m["curve_mean"][q - 1] >= top - report.TIE}
            assert first == {name for name, r in ranks[dataset]["methods"].items() if q not in r["behind"]}


def test_runs_of_one_config_on_other_seeds_pool_into_one_sample(tmp_path):
    """``report.pooled_runs``: the reported sweep and the same config on unseen seeds are one
    sample of 40 seeds per method; a folder of another setting (a tuning variant of diffusion-BO
    that switches after 20 stalled queries, not 10) is refused, naming what differs; a run file
    copied into a second folder counts its seed twice, which grouping refuses."""
    results = Path(__file__).parents[1] / "benchmarks_results"
    runs = report.pooled_runs([results / "bo_nb201" / "runs", results / "bo_nb201_unseen" / "runs"])
    seeds = {(r["spec"]["dataset"], r["spec"]["method"], r["spec"]["seed"]) for r in runs}
    assert len(runs) == len(seeds) == 3 * 6 * 40
    optima = {d: 0.0 for d in ("cifar10", "cifar100", "ImageNet16-120")}
    halves = [report.aggregate(report.load_runs(results / f / "runs"), optima) for f in ("bo_nb201", "bo_nb201_unseen")]
    pooled = report.aggregate(runs, optima)
    for d, methods in pooled.items():  # the 40-seed mean is the two 20-seed means' average
        for m, row in methods.items():
            assert row["seeds"] == 40
            assert np.allclose(row["curve_mean"], np.mean([h[d][m]["curve_mean"] for h in halves], axis=0))
    variant = results / "bo_guide_nb201_ImageNet16-120_b150" / "its-mean-rank1-local3-ens5-stall20" / "runs"
    with pytest.raises(DataFormatError, match=r"diffusion-bo runs in .* differ in parameters: they are not one"):
        report.pooled_runs([results / "bo_nb201" / "runs", variant])
    old = tmp_path / "old"  # a run file from before resolved parameters were recorded
    old.mkdir()
    record = json.loads((results / "bo_nb201" / "runs" / "cifar10__bananas__s0.json").read_text())
    del record["resolved_params"]
    (old / "cifar10__bananas__s0.json").write_text(json.dumps(record))
    with pytest.raises(DataFormatError, match="bananas on cifar10 with seed 0 records no resolved parameters"):
        report.pooled_runs([old])
    copy = tmp_path / "copy"
    copy.mkdir()
    name = "cifar10__diffusion-bo__s0.json"
    (copy / name).write_text((results / "bo_nb201" / "runs" / name).read_text())
    with pytest.raises(DataFormatError, match="two runs of diffusion-bo on cifar10 with seed 0"):
        report.standing(report.pooled_runs([results / "bo_nb201" / "runs", copy]))


def test_median_to_optimum_counts_misses_and_uses_order_statistics():
    """The textbook distribution-free interval of a median of 20 values is [x(6), x(15)]
    (coverage 1 - 2 P(Bin(20, 1/2) <= 5) = 0.9586), of 10 values [x(2), x(9)] (0.9785)."""
    t = report.median_to_optimum(list(range(1, 21)), budget=150)
    assert (t["median"], t["ci_low"], t["ci_high"], t["reached"]) == (10.5, 6.0, 15.0, 20)
    assert t["ci_level"] == pytest.approx(0.9586, abs=1e-4)
    t = report.median_to_optimum([None, *range(10, 100, 10)], budget=100)  # one miss ranks last
    assert (t["median"], t["ci_low"], t["ci_high"], t["reached"]) == (55.0, 20.0, 90.0, 9)
    assert t["ci_level"] == pytest.approx(0.9785, abs=1e-4)
    # dropping misses would report 5; with half of the runs missing the median lies beyond the budget
    t = report.median_to_optimum([5, 5, None, None], budget=50)
    assert t["median"] is None and t["ci_high"] is None and t["ci_low"] == 5.0
    assert report.median_text(t) == "> 50 [5, > 50]"
    with pytest.raises(ValueError, match="at least one run"):
        report.median_to_optimum([], budget=10)
    # a hit past the budget read as reached (median 300 at budget 150); NaN, 0 and text passed too
    for hits in ([200, 300, None], [0, 3], [float("nan"), 3, 4], ["3", 4]):
        with pytest.raises(ValueError, match="queries to the optimum must be whole numbers from 1 to the budget"):
            report.median_to_optimum(hits, budget=150)


def test_runs_are_loaded_from_a_folder_and_counted_once(tmp_path, toy_bench):
    """A misspelt runs folder read as a folder without runs; a copied run file counted its seed
    twice (seeds 2, a narrower interval)."""
    from naslib_diffusionnag.errors import DataFormatError

    with pytest.raises(DataFormatError, match="runs folder '.*typo' does not exist"):
        report.load_runs(tmp_path / "typo")
    run = {"spec": {"dataset": "cifar10", "method": "rs", "seed": 0, "budget": 3},
           "trajectory": {"incumbent": [1.0, 2.0, 3.0]}, "seconds": 1.0}
    with pytest.raises(DataFormatError, match="two runs of rs on cifar10 with seed 0"):
        report.aggregate([run, dict(run)], {"cifar10": 3.0})
    assert report.aggregate([run], {"cifar10": 3.0})["cifar10"]["rs"]["seeds"] == 1


def test_aggregate_counts_a_seed_that_missed_the_optimum():
    reached = {"trajectory": {"incumbent": [90.0] * 4 + [95.0] * 6}}
    missed = {"trajectory": {"incumbent": [90.0] * 10}}
    runs = [{"spec": {"dataset": "cifar10", "method": "rs", "budget": 10, "seed": s}, "seconds": 1.0, **r}
            for s, r in enumerate([reached, reached, missed])]
    t = report.aggregate(runs, {"cifar10": 95.0})["cifar10"]["rs"]["to_optimum"]
    assert (t["median"], t["reached"], t["seeds"]) == (5.0, 2, 3)
    runs.append({**runs[2], "spec": {**runs[2]["spec"], "seed": 3}})
    t = report.aggregate(runs, {"cifar10": 95.0})["cifar10"]["rs"]["to_optimum"]
    assert t["median"] is None  # 2 of 4 missed: the median is beyond the budget, not 5
    assert "> 10 [5, > 10]" in report.to_markdown(report.aggregate(runs, {"cifar10": 95.0}), {"cifar10": 95.0}, {})


def test_the_loop_refuses_values_seeds_and_asks_a_search_cannot_use(toy_bench):
    """A NaN from the black box became the incumbent (and steered RE and local search), True and
    '0.5' passed float(); seed None drew OS entropy (a run nobody can repeat); propose(history,
    0) still returned cells; a malformed history failed as an unpacking error; asking random
    search for a million cells spun for minutes; BO with one initial cell failed a round later."""
    from naslib_diffusionnag.bo.loop import BlackBoxError

    rs, re_ = build_method("rs"), build_method("re", params={"population_size": 5, "sample_size": 2})
    truth = {a: toy_bench.query(a, "cifar10") for a in toy_bench.archs}
    for bad in (float("nan"), float("inf"), None, True, "0.5"):
        def black_box(a, bad=bad):
            return bad if len(black_box.seen) == 1 else black_box.seen.append(a) or truth[a]
        black_box.seen = []
        with pytest.raises(BlackBoxError, match=rf"the black box's value of \|.*\| is {re.escape(repr(bad))}; a "
                                                r"search needs one finite number per architecture"):
            rs.run(black_box, 4, 0)
    assert rs.run(lambda a: np.float64(truth[a]), 3, 0).values == rs.run(lambda a: truth[a], 3, 0).values
    for seed in (None, -1, 2.5, 2**32):
        with pytest.raises(ConfigError, match=rf"seed must be an integer in \[0, 4294967295\], got {re.escape(repr(seed))}"):
            rs.searcher(seed)
    history = [(a, truth[a]) for a in toy_bench.archs[:6]]
    for n in (0, -3, 1.5, "3"):
        with pytest.raises(ConfigError, match=r"n \(architectures to propose\) must be an integer >= 1"):
            re_.searcher(0).propose(history, n)
    for bad_history, message in (("|a|", "history must be a list of"), ([history[0][0]], r"history\[0\] is '\|"),
                                 ([(history[0][0],)], r"history\[0\] is \("),
                                 ([(history[0][0], None)], r"history\[0\]'s value is None")):
        with pytest.raises(DiffusionNAGError, match=message):
            build_method("ls").searcher(0).propose(bad_history, 1)
    everything = rs.searcher(0).propose(history, 10**6)
    assert len(everything) == 15625 - 6 and not set(everything) & set(toy_bench.archs[:6])
    with pytest.raises(ConfigError, match="parameter 'n_init' must be an integer >= 2, got 1"):
        build_method("bananas", params={"n_init": 1})
