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
    with pytest.raises(ConfigError, match="2 rounds of uniform draws gave 0 of the 5 .* or use the projected"):
        CostBudget(gen, latency, BUDGET, initial="uniform", max_rounds=2).design(5, seed=0)


def test_projection_moves_over_budget_subnets_to_the_budget_and_keeps_the_rest(latency):
    """``CostBudget.project``: every subnet ends within the budget, those already within are
    untouched, and the moved ones land near the budget (it keeps the capacity the budget
    allows), not at the smallest subnet."""
    gen = ArchitectureGenerator.load("mbv3")
    budget = CostBudget(gen, latency, 30.0)
    drawn = gen.space.sample(40, np.random.default_rng(0))
    before = latency.evaluate(drawn)
    assert (before > 30.0).mean() > 0.9
    inside = budget.within(gen.space.sample(3000, np.random.default_rng(1)))[:3]
    projected = budget.project(drawn + inside)
    after = latency.evaluate(projected)
    assert (after <= 30.0).all() and projected[40:] == inside
    moved = after[:40][before > 30.0]
    assert moved.mean() > 29.0 and moved.min() > latency.soft.minimum() + 5


def test_sample_cli_projection_puts_every_guided_subnet_within_the_budget(capsys):
    """``diffusionnag sample --guide latency:note10@budget=25 --project``: the guided samples are
    not all within 25 ms before the projection, every one is after, and the report says both."""
    import json

    from naslib_diffusionnag.cli import main

    assert main(["sample", "--space", "mbv3", "--n", "30", "--steps", "40", "--guide", "latency:note10@budget=25",
                 "--project", "--seed", "0", "--json", "--no-progress"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["before_projection"]["within_budget_latency:note10"] < 0.9 and out["projected_moved"] > 0
    assert out["within_budget_latency:note10"] == 1.0
    assert (space_property("mbv3", "latency:note10").evaluate(out["archs"]) <= 25.0).all()
    # with --distinct the reported cells stay distinct after projection: near NB201's fastest cell
    # several samples land on one, and the report says so instead of listing repeats
    assert main(["sample", "--space", "nb201", "--n", "30", "--guide", "latency:pixel3@budget=0.01", "--project",
                 "--distinct", "--seed", "0", "--json", "--no-progress"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert len(out["archs"]) == len(set(out["archs"])) == out["n_distinct"] < 30 and out["projected_moved"] > 0
    assert (space_property("nb201", "latency:pixel3").evaluate(out["archs"]) <= 0.01).all()


def test_projected_design_sits_at_the_budget_not_far_below_it(latency):
    """The ``projected`` initial design (the model's samples moved into the budget) is within
    the budget and sits much nearer to it than the design generated under the penalty."""
    gen = ArchitectureGenerator.load("mbv3")
    sampler = gen.config.with_overrides(sampler={"steps": 40}).sampler
    designs = {i: CostBudget(gen, latency, 35.0, sampler=sampler, initial=i).design(12, seed=0)
               for i in ("generated", "projected")}
    for design in designs.values():
        assert len(set(design)) == 12 and (latency.evaluate(design) <= 35.0).all()
    assert latency.evaluate(designs["projected"]).mean() > latency.evaluate(designs["generated"]).mean() + 3


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
