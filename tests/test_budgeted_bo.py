"""BO under a hard budget on an exactly known cost (``bo.constraints.CostBudget``) on the real
MBv3 oracles: nothing over the budget is ever queried, even at a budget no uniform draw meets,
and the budgeted methods keep the search contract."""
from __future__ import annotations

import numpy as np
import pytest
from search_contract import check_search_contract

from naslib_diffusionnag.bo import build_method
from naslib_diffusionnag.bo.constraints import CostBudget
from naslib_diffusionnag.errors import ConfigError
from naslib_diffusionnag.generation import ArchitectureGenerator
from naslib_diffusionnag.oracles import space_property

pytestmark = pytest.mark.slow  # the real MBv3 oracles and the shipped MBv3 model

BUDGET = 20.0  # Note10 ms at r = 224: no subnet within it in 2,000,000 OFA-random draws (mbv3.md, b2)
TINY = {"n_init": 4, "k": 3, "ensemble": 2, "predictor_steps": 10, "candidates": 8, "sampler_steps": 40,
        "budget_property": "latency:note10", "budget": BUDGET}


@pytest.fixture(scope="module")
def latency():
    return space_property("mbv3", "latency:note10")


@pytest.fixture(scope="module")
def accuracy():
    acc = space_property("mbv3", "accuracy")
    return lambda a: float(acc.evaluate([a])[0])


def test_uniform_draws_miss_the_budget_the_tests_use(latency):
    """The premise: random search could not even start at this budget."""
    space = ArchitectureGenerator.load("mbv3").space
    assert (latency.evaluate(space.sample(2000, np.random.default_rng(0))) > BUDGET).all()


@pytest.mark.parametrize("method, params", [
    ("diffusion-bo", {**TINY, "mix_mutations": 8}),
    ("bananas", TINY),
])
def test_budgeted_bo_never_queries_over_the_budget(latency, accuracy, method, params):
    opt = build_method(method, "mbv3", params)
    traj = opt.run(accuracy, 10, seed=0)
    assert len(set(traj.archs)) == 10
    assert (latency.evaluate(traj.archs) <= BUDGET).all()


def test_budgeted_bo_keeps_the_search_contract(accuracy):
    """Deterministic per seed, no repeats, any batch size, with the budget's initial design
    and filter in the loop (the diffusion candidates' budget term is exercised above)."""
    check_search_contract(build_method("bananas", "mbv3", TINY), accuracy, 8)


def test_uniform_initial_design_is_within_the_budget_or_says_it_is_out_of_reach(latency):
    """The ablation's initial design: uniform draws kept within the budget; at a budget no
    uniform draw meets, a clear error instead of a hang."""
    gen = ArchitectureGenerator.load("mbv3")
    design = CostBudget(gen, latency, 40.0, initial="uniform").design(20, seed=0)
    assert len(set(design)) == 20 and (latency.evaluate(design) <= 40.0).all()
    with pytest.raises(ConfigError, match="2 rounds of uniform draws gave 0 of the 5 .* or use the generated"):
        CostBudget(gen, latency, BUDGET, initial="uniform", max_rounds=2).design(5, seed=0)


def test_impossible_or_inexact_budgets_are_refused(latency):
    gen = ArchitectureGenerator.load("mbv3")
    lowest = latency.soft.minimum()
    with pytest.raises(ConfigError, match="below its smallest value"):
        CostBudget(gen, latency, lowest - 0.5)
    with pytest.raises(ConfigError, match="no exact value"):
        CostBudget(gen, space_property("mbv3", "accuracy"), 80.0)
    with pytest.raises(ConfigError, match="below its smallest value"):
        build_method("bananas", "mbv3", {**TINY, "budget": 10.0})


def test_search_cli_with_a_cost_budget_queries_only_within_it(capsys):
    """``diffusionnag search --cost-budget`` on the real NB201 table and HELP's Pixel 3 latency:
    a budget about 80 % of the cells exceed, and every queried cell is within it."""
    import json

    from naslib_diffusionnag.cli import main

    pixel3 = space_property("nb201", "latency:pixel3")
    assert np.mean(pixel3.evaluate(list(pixel3.domain)) > 5.0) > 0.75
    assert main(["search", "--dataset", "cifar10", "--method", "diffusion-bo", "--budget", "12", "--seed", "0",
                 "--cost-budget", "latency:pixel3=5", "--json", "--no-progress"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["cost_budget"] == "latency:pixel3=5" and len(set(out["trajectory"]["archs"])) == 12
    assert (pixel3.evaluate(out["trajectory"]["archs"]) <= 5.0).all()
