"""Hardware cost as an exact, differentiable function of the soft architecture: equal to the
look-up table / analytic count on every architecture, finite gradients, and the exact guide's
value at the sampler's smallest noise."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from naslib_diffusionnag.guidance import ExpectedCostPredictor, ZScore, entry_posterior
from naslib_diffusionnag.oracles.properties import space_property
from naslib_diffusionnag.oracles.soft_cost import AdditiveCost, multilinear_table
from naslib_diffusionnag.spaces import MBv3Space, NB201Space

MBV3 = MBv3Space()


def _toy_additive() -> AdditiveCost:
    """The MBv3 layout (5 groups of 4 slots, at least 2 active) with made-up positive costs."""
    table = torch.from_numpy(np.random.default_rng(0).uniform(0.5, 3.0, size=(20, 9)))
    return AdditiveCost(4.0, table, group=4, min_active=2)


def _table_value(cost: AdditiveCost, archs: list[str]) -> np.ndarray:
    """The additive cost read slot by slot, the way the definition says."""
    x = MBV3.encode(archs).double()
    return np.array([cost.const + float((m * cost.table).sum()) for m in x])


# ---- fast tier: the exact forms on made-up tables ---------------------------------------------
def test_additive_cost_is_exact_on_architectures_and_differentiable():
    cost = _toy_additive()
    archs = MBV3.sample(300, np.random.default_rng(1))
    q = MBV3.encode(archs).double().requires_grad_(True)
    value = cost(q)
    assert np.allclose(value.detach().numpy(), _table_value(cost, archs), rtol=0, atol=1e-12)
    (grad,) = torch.autograd.grad(value.sum(), q)
    assert torch.isfinite(grad).all() and grad.abs().sum() > 0
    assert cost.minimum() == pytest.approx(4.0 + float(cost.table.min(-1).values.view(5, 4)[:, :2].sum()))


def test_additive_cost_never_makes_an_invalid_matrix_cheaper_than_the_table_reads_it():
    """An empty mandatory slot, or a gap before an active slot, costs the slot's most
    expensive token; two tokens in one row pay both."""
    cost = _toy_additive()
    arch = MBV3.sample(1, np.random.default_rng(2))[0]
    x = MBV3.encode([arch]).double()
    base = float(cost(x))
    worst = cost.table.max(-1).values
    empty_first = x.clone()
    empty_first[0, 0] = 0  # slot 0 of stage 1 is never skipped
    assert float(cost(empty_first)) == pytest.approx(base - float((x[0, 0] * cost.table[0]).sum()) + float(worst[0]))
    full = MBV3.encode(["_".join(["4-3-3"] * 20)]).double()
    gap = full.clone()
    gap[0, 2] = 0  # slot 3 skipped while slot 4 is active
    assert float(cost(gap)) == pytest.approx(float(cost(full)) - float(cost.table[2, 0]) + float(worst[2]))
    shallow = full.clone()
    shallow[0, 3] = 0  # a shallower stage (valid) saves exactly the layer
    assert float(cost(shallow)) == pytest.approx(float(cost(full)) - float(cost.table[3, 0]))
    double = full.clone()
    double[0, 0, 1] = 1
    assert float(cost(double)) == pytest.approx(float(cost(full)) + float(cost.table[0, 1]))


def test_multilinear_table_is_exact_on_cells_and_an_expectation_between_them():
    space = NB201Space()
    archs = list(space.enumerate())
    values = np.random.default_rng(3).uniform(1.0, 5.0, len(archs))
    table = multilinear_table(space, archs, values)
    assert table.nodes == (1, 2, 3, 4, 5, 6) and len(table.tokens) == 5
    idx = np.random.default_rng(4).choice(len(archs), 200, replace=False)
    q = space.encode([archs[i] for i in idx]).double().requires_grad_(True)
    value = table(q)
    assert np.allclose(value.detach().numpy(), values[idx], rtol=0, atol=1e-12)
    (grad,) = torch.autograd.grad(value.sum(), q)
    assert torch.isfinite(grad).all()
    uniform = space.encode(archs[:1]).double()
    uniform[:, 1:7, 2:] = 0.5  # every op equally likely on every edge: the table's mean
    assert float(table(uniform)) == pytest.approx(values.mean())
    assert table.minimum() == pytest.approx(values.min())


def test_multilinear_table_refuses_an_incomplete_table():
    space = NB201Space()
    archs = list(space.enumerate())[:-1]
    with pytest.raises(ValueError, match="not complete"):
        multilinear_table(space, archs, np.ones(len(archs)))


def test_exact_guide_reads_the_table_at_the_smallest_noise_with_a_finite_gradient():
    cost = _toy_additive()
    archs = MBV3.sample(100, np.random.default_rng(5))
    x = (2 * MBV3.encode(archs) - 1).requires_grad_(True)  # model scale
    labels = ZScore(20.0, 2.0)
    guide = ExpectedCostPredictor(cost, labels, temper=1.0)
    for sigma in (0.1, 0.5, 1.0):
        s = torch.full((100,), sigma)
        y = guide(x, s)
        (grad,) = torch.autograd.grad(y.sum(), x)
        assert torch.isfinite(grad).all() and grad.abs().sum() > 0
    assert torch.equal(entry_posterior(x.detach(), torch.full((100,), 0.1)), MBV3.encode(archs))
    value = guide.expected(x.detach(), torch.full((100,), 0.1))
    assert np.allclose(value.numpy(), _table_value(cost, archs), rtol=1e-6)
    assert np.allclose(guide(x.detach(), torch.full((100,), 0.1)).numpy(), (value.numpy() - 20.0) / 2.0, rtol=1e-6)
    with pytest.raises(ValueError, match="temper must be > 0"):
        ExpectedCostPredictor(cost, labels, temper=0.0)


# ---- slow tier: the real tables and counts -------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("name", ["latency:note10", "latency:i7", "flops", "params"])
@pytest.mark.parametrize("r", [224, 160])
def test_mbv3_expected_cost_equals_the_oracle_on_random_subnets(name, r):
    prop = space_property("mbv3", name, resolution=r)
    archs = MBV3.sample(500, np.random.default_rng(r))
    q = MBV3.encode(archs).double().requires_grad_(True)
    value = prop.soft(q)
    assert np.allclose(value.detach().numpy(), prop.evaluate(archs), rtol=1e-12, atol=1e-9)
    (grad,) = torch.autograd.grad(value.sum(), q)
    assert torch.isfinite(grad).all() and grad.abs().sum() > 0
    cheapest = prop.soft.table.argmin(-1).view(5, 4)[:, :2]  # the cheapest token of each mandatory slot
    smallest = "_".join("_".join([f"2-{MBV3.vocab[int(t)]}" for t in stage] + ["0-0-0"] * 2) for stage in cheapest)
    assert prop.soft.minimum() == pytest.approx(float(prop.evaluate([smallest])[0]), rel=1e-12)
    assert prop.soft.minimum() <= prop.evaluate(archs).min()


@pytest.mark.slow
def test_mbv3_note10_smallest_subnet_is_17_8_ms():
    assert space_property("mbv3", "latency:note10").soft.minimum() == pytest.approx(17.77, abs=0.01)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["latency:pixel3", "latency:raspi4", "flops:cifar10", "params:ImageNet16-120"])
def test_nb201_expected_cost_equals_the_table_on_cells(bench, name):
    prop = space_property("nb201", name, bench=bench)
    idx = np.random.default_rng(6).choice(len(bench.archs), 500, replace=False)
    archs = [bench.archs[i] for i in idx]
    q = NB201Space().encode(archs).double().requires_grad_(True)
    value = prop.soft(q)
    assert np.allclose(value.detach().numpy(), prop.evaluate(archs), rtol=1e-12, atol=1e-12)
    (grad,) = torch.autograd.grad(value.sum(), q)
    assert torch.isfinite(grad).all()
    assert space_property("nb201", "accuracy:cifar10", bench=bench).soft is None  # the oracle is never a guide


@pytest.mark.slow
def test_exact_latency_guidance_moves_nb201_cells_under_the_budget(bench):
    """The shipped NB201 model guided by the HELP pixel3 table read in expectation (no labels)."""
    from naslib_diffusionnag.diffusion import SamplerConfig
    from naslib_diffusionnag.generation import ArchitectureGenerator
    from naslib_diffusionnag.guidance import GuidanceTerm, Objective

    gen = ArchitectureGenerator.load("nb201")
    prop = space_property("nb201", "latency:pixel3", bench=bench)
    budget = float(np.quantile(prop.values, 0.2))
    term = GuidanceTerm(prop.name, gen.exact_predictor(prop.soft), Objective("budget", budget))
    fast = SamplerConfig(steps=20)
    guided, plain = gen.sample_guided(200, 0, [term], [50.0], fast), gen.sample(200, 0, fast)
    g, u = prop.evaluate(guided.valid), prop.evaluate(plain.valid)
    assert len(guided.valid) >= 150
    assert np.mean(g <= budget) > np.mean(u <= budget) + 0.4
