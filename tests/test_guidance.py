"""Predictor guidance on real NB201 labels: predictor quality, guided vs unguided, budgets,
NaN guard, schedules, objectives."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from naslib_diffusionnag.diffusion import SamplerConfig
from naslib_diffusionnag.errors import DataFormatError, UnknownNameError
from naslib_diffusionnag.generation import ArchitectureGenerator
from naslib_diffusionnag.guidance import (
    GuidanceTerm,
    NonFiniteGuidanceError,
    NormalScores,
    Objective,
    PredictorConfig,
    ZScore,
    default_guidance,
    guided_score_fn,
    linear_schedule,
    predict_clean,
    scale_schedule,
)
from naslib_diffusionnag.guidance.predictors import pairwise_rank_loss
from naslib_diffusionnag.oracles.nb201_properties import labels_from_csv, latency_devices, nb201_property

FAST = SamplerConfig(steps=20)


@pytest.fixture(scope="module")
def gen() -> ArchitectureGenerator:
    return ArchitectureGenerator.load("nb201")


def _fit(gen, table, k, seed):
    idx = np.random.default_rng(seed).choice(len(table.archs), size=k, replace=False)
    return gen.fit_predictor([table.archs[i] for i in idx], table.values[idx], seed=seed), idx


@pytest.mark.slow
def test_predictor_ranks_held_out_cells(gen, bench):
    table = nb201_property("accuracy:cifar10", bench)
    pred, idx = _fit(gen, table, 200, seed=0)
    held = np.setdiff1d(np.arange(len(table.archs)), idx)[::5]
    p = predict_clean(pred, gen.space.encode([table.archs[i] for i in held]), gen.sde)
    rho = spearmanr(p, table.values[held])[0]
    assert rho > 0.6
    assert pred.y_mean == pytest.approx(table.values[idx].mean())
    again, _ = _fit(gen, table, 200, seed=0)  # deterministic per seed
    x = gen.space.encode(table.archs[:20])
    assert np.array_equal(predict_clean(again, x, gen.sde), predict_clean(pred, x, gen.sde))


@pytest.mark.slow
def test_normal_scores_rank_the_best_cells_better_than_zscores(gen, bench):
    """With 100 labels, z-scored accuracy is dominated by the few broken cells; normal scores
    put the predictor's top-100 of the whole space on better cells."""
    table = nb201_property("accuracy:cifar10", bench)
    idx = np.random.default_rng(1).choice(len(table.archs), size=100, replace=False)
    x_all = gen.space.encode(table.archs)
    top100 = {}
    for kind in ("zscore", "normal_scores"):
        pred = gen.fit_predictor([table.archs[i] for i in idx], table.values[idx], PredictorConfig(label_transform=kind), seed=1)
        top100[kind] = table.values[np.argsort(-predict_clean(pred, x_all, gen.sde))[:100]].mean()
    assert top100["normal_scores"] > top100["zscore"] + 0.2
    with pytest.raises(ValueError, match="unknown label transform 'ranks'.*normal_scores, zscore"):
        PredictorConfig(label_transform="ranks")  # type: ignore[arg-type]


def test_pairwise_rank_loss_counts_only_ordered_pairs_within_a_group():
    target = torch.tensor([3.0, 1.0, 2.0, 2.0])
    right = torch.tensor([3.0, 1.0, 2.0, 2.0])  # the true order: every ordered pair has a positive margin
    assert pairwise_rank_loss(right, target) < pairwise_rank_loss(-right, target)
    # the pairs (0>1, 0>2, 0>3, 2>1, 3>1): ties contribute nothing
    margins = torch.tensor([2.0, 1.0, 1.0, 1.0, 1.0])
    assert torch.isclose(pairwise_rank_loss(right, target), torch.nn.functional.softplus(-margins).mean())
    groups = torch.tensor([0, 1, 0, 1])  # within groups only: 0>2 and 3>1
    assert torch.isclose(pairwise_rank_loss(right, target, groups), torch.nn.functional.softplus(-torch.ones(2)).mean())
    assert pairwise_rank_loss(right, torch.ones(4)) == 0  # no ordered pair
    pred = right.clone().requires_grad_()
    pairwise_rank_loss(pred, target).backward()
    assert pred.grad[0] < 0 < pred.grad[1]  # pushes the best up and the worst down
    with pytest.raises(ValueError, match="rank_weight must be a finite number >= 0"):
        PredictorConfig(rank_weight=-1.0)


@pytest.mark.slow
def test_rank_term_is_seeded_and_changes_the_fit(gen, bench):
    table = nb201_property("accuracy:cifar10", bench)
    idx = np.random.default_rng(2).choice(len(table.archs), size=60, replace=False)
    archs, y = [table.archs[i] for i in idx], table.values[idx]
    x = gen.space.encode(table.archs[:50])
    cfg = PredictorConfig(steps=150, rank_weight=1.0)
    a, b = (predict_clean(gen.fit_predictor(archs, y, cfg, seed=3), x, gen.sde) for _ in range(2))
    plain = predict_clean(gen.fit_predictor(archs, y, PredictorConfig(steps=150), seed=3), x, gen.sde)
    assert np.array_equal(a, b) and not np.allclose(a, plain)
    assert spearmanr(a, table.values[:50])[0] > 0.5


@pytest.mark.slow
def test_noise_power_draws_the_fit_nearer_clean_inputs(gen, bench, monkeypatch):
    """t = u ** noise_power: with 3 the median noise level drawn is 0.5 ** 3, not 0.5 (the
    clean cells a search ranks are read at the bottom of that range)."""
    table = nb201_property("accuracy:cifar10", bench)
    archs, y = table.archs[:40], table.values[:40]
    perturb, drawn = gen.sde.perturb, []
    monkeypatch.setattr(gen.sde, "perturb", lambda x0, t, z: (drawn.append(t), perturb(x0, t, z))[1])
    medians = {}
    for power in (1.0, 3.0):
        drawn.clear()
        gen.fit_predictor(archs, y, PredictorConfig(steps=40, batch_size=40, noise_power=power), seed=0)
        medians[power] = float(torch.cat(drawn).median())
    assert medians[1.0] == pytest.approx(0.5, abs=0.08) and medians[3.0] == pytest.approx(0.125, abs=0.05)
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="noise_power must be a finite number > 0"):
            PredictorConfig(noise_power=bad)


def test_label_transforms_are_monotone_and_invertible():
    values = np.array([10.0, 90.0, 91.0, 91.0, 93.0, 94.0])
    ns, z = NormalScores.fit(values), ZScore.fit(values)
    assert z.mean == pytest.approx(values.mean()) and z.std == pytest.approx(values.std())
    scores = ns.forward(values)
    assert scores[2] == scores[3]  # ties share their mean rank
    assert np.all(np.diff(scores) >= 0) and scores[0] < 0 < scores[-1]
    assert scores[0] == pytest.approx(-scores[-1])  # symmetric ranks, symmetric scores
    # the broken cell sits 1 score step below the next, not 2 std as under z-scores
    assert scores[1] - scores[0] < 1.0 < z.forward(90.0) - z.forward(10.0)
    grid = np.linspace(0.0, 100.0, 101)  # includes values outside the labels
    for t in (ns, z):
        f = t.forward(grid)
        assert np.all(np.diff(f) > 0)
        assert np.allclose(t.inverse(f), grid)
    assert ns.forward(100.0) - ns.forward(94.0) == pytest.approx(6.0 / values.std())  # z-score slope outside
    assert default_guidance(["max", "min"]) == ("normal_scores", [50.0, 25.0, 10.0])
    assert default_guidance(["max", "budget"]) == default_guidance(["target"]) == ("zscore", [100.0, 50.0, 25.0])


@pytest.mark.slow
def test_guided_samples_beat_unguided_on_true_accuracy(gen, bench):
    table = nb201_property("accuracy:cifar10", bench)
    pred, _ = _fit(gen, table, 100, seed=1)
    term = GuidanceTerm("accuracy:cifar10", pred, Objective("max"))
    guided = gen.sample_guided(100, seed=1, terms=[term], scales=[100.0], sampler=FAST)
    plain = gen.sample(100, seed=1, sampler=FAST)
    g, u = bench.query_many(guided.valid, "cifar10"), bench.query_many(plain.valid, "cifar10")
    assert len(guided.valid) >= 95
    assert g.mean() > u.mean() + 3.0
    assert np.median(g) > np.median(u)


@pytest.mark.slow
def test_sample_distinct_draws_rounds_until_n_distinct(gen, bench):
    table = nb201_property("accuracy:cifar10", bench)
    pred, _ = _fit(gen, table, 100, seed=3)
    term = GuidanceTerm("accuracy:cifar10", pred, Objective("max"))
    strong = gen.sample_guided(30, seed=3, terms=[term], scales=[200.0], sampler=FAST)
    assert len(strong.distinct) < 30  # a strong scale repeats its favourites
    made = gen.sample_distinct(30, seed=3, terms=[term], scales=[200.0, 20.0], round_size=30, sampler=FAST)
    assert len(made.distinct) >= 30 and len(made.archs) > 30 and len(made.archs) % 30 == 0
    assert made.archs[:30] == strong.archs  # round 0 is the one-round guided run of this seed
    assert made.distinct[:len(strong.distinct)] == strong.distinct
    plain = gen.sample_distinct(20, seed=3, terms=[], scales=[0.0], round_size=20, sampler=FAST)
    assert plain.archs[:20] == gen.sample(20, seed=3, sampler=FAST).archs
    capped = gen.sample_distinct(30, seed=3, terms=[term], scales=[200.0], round_size=30, max_rounds=1, sampler=FAST)
    assert capped.archs == strong.archs  # stops at max_rounds; the caller sees the shortfall
    with pytest.raises(ValueError, match="guidance scale"):
        gen.sample_distinct(5, 0, [term], [])


@pytest.mark.slow
def test_budget_objective_moves_latency_under_the_budget(gen, bench):
    table = nb201_property("latency:pixel3", bench)
    budget = float(np.quantile(table.values, 0.25))
    pred, _ = _fit(gen, table, 100, seed=2)
    term = GuidanceTerm("latency:pixel3", pred, Objective("budget", budget))
    guided = gen.sample_guided(100, seed=2, terms=[term], scales=[100.0], sampler=FAST)
    plain = gen.sample(100, seed=2, sampler=FAST)
    lookup = table.lookup()
    share = lambda archs: np.mean([lookup[a] <= budget for a in archs])  # noqa: E731
    assert share(plain.valid) < 0.4
    assert share(guided.valid) > share(plain.valid) + 0.3


def test_nan_guard_reports_instead_of_propagating(gen):
    class Broken(torch.nn.Module):
        transform = ZScore(0.0, 1.0)

        def forward(self, x, sigma):
            return (x.sum((1, 2)) * float("nan"))

    fn = guided_score_fn(gen.score_fn(), gen.sde, [GuidanceTerm("broken", Broken(), Objective("max"))], 10.0)
    with pytest.raises(NonFiniteGuidanceError, match="broken.*not finite.*lower the scale"):
        gen.sample(8, seed=0, sampler=SamplerConfig(steps=2), score_fn=fn)


def test_fitting_a_predictor_is_seeded_and_leaves_the_global_rng_alone(gen):
    archs = gen.space.sample(8, np.random.default_rng(0))
    torch.manual_seed(5)
    state = torch.get_rng_state()
    fits = [gen.fit_predictor(archs, np.arange(8.0), PredictorConfig(steps=5), seed=s) for s in (3, 3, 4)]
    assert torch.equal(torch.get_rng_state(), state)
    x = gen.space.encode(archs)
    preds = [predict_clean(p, x, gen.sde) for p in fits]
    assert np.array_equal(preds[0], preds[1]) and not np.array_equal(preds[0], preds[2])


@pytest.mark.slow
def test_mlp_encoder_fits_a_whole_table_closer_than_the_gcn(gen, bench):
    """On all 15,625 CIFAR-100 labels the GCN's ranking stays near-additive in the operations
    (Spearman ~0.85, its top cells mediocre); the MLP on the flattened matrix fits the table."""
    table = nb201_property("accuracy:cifar100", bench)
    x = gen.space.encode(table.archs)
    fits = {enc: gen.fit_predictor(table.archs, table.values, PredictorConfig(label_transform="zscore", **kw), seed=0)
            for enc, kw in (("gcn", {}), ("mlp", {"encoder": "mlp", "hidden": 128, "steps": 1000, "batch_size": 256}))}
    pred = {enc: predict_clean(p, x, gen.sde) for enc, p in fits.items()}
    rho = {enc: spearmanr(p, table.values)[0] for enc, p in pred.items()}
    top10 = {enc: table.values[np.argsort(-p)[:10]].mean() for enc, p in pred.items()}
    assert rho["mlp"] > rho["gcn"] + 0.05
    assert top10["mlp"] > top10["gcn"] + 0.5


def test_mlp_encoder_is_a_seeded_differentiable_predictor(gen):
    """The MLP encoder plugs in where the GCN does: seeded fitting, a finite gradient in the
    noisy input (what guidance differentiates), and a clear error for an unknown encoder."""
    archs = gen.space.sample(16, np.random.default_rng(0))
    cfg = PredictorConfig(encoder="mlp", hidden=32, steps=20)
    fits = [gen.fit_predictor(archs, np.arange(16.0), cfg, seed=s) for s in (3, 3, 4)]
    assert type(fits[0]).__name__ == "MLPPredictor"
    x = gen.space.encode(archs)
    preds = [predict_clean(p, x, gen.sde) for p in fits]
    assert np.array_equal(preds[0], preds[1]) and not np.array_equal(preds[0], preds[2])
    xt = (2 * x.float() - 1).requires_grad_(True)
    fits[0](xt, torch.full((16,), 0.5)).sum().backward()
    assert torch.isfinite(xt.grad).all() and xt.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="unknown predictor encoder 'transformer'.*gcn, mlp"):
        PredictorConfig(encoder="transformer")  # type: ignore[arg-type]


def test_schedule_arithmetic():
    assert scale_schedule([300.0, 200.0, 100.0], 10) == [(300.0, 4), (200.0, 3), (100.0, 3)]
    assert scale_schedule([5.0], 7) == [(5.0, 7)]
    assert scale_schedule([3.0, 2.0, 1.0], 2) == [(3.0, 1), (2.0, 1)]
    assert linear_schedule(10000, 300, 3) == [10000, 9700, 9400]
    assert linear_schedule(500, 300, 3) == [500, 200, 0]
    with pytest.raises(ValueError, match="at least one"):
        scale_schedule([], 5)
    with pytest.raises(ValueError, match=">= 0"):
        scale_schedule([-1.0], 5)


def test_objective_gradients_point_the_right_way():
    y = torch.tensor([-4.0, 0.0, 4.0], requires_grad=True)

    def grad(obj):
        (g,) = torch.autograd.grad(obj(y, ZScore(10.0, 5.0)).sum(), y)
        return g

    assert torch.all(grad(Objective("max")) > 0) and torch.all(grad(Objective("min")) < 0)
    g = grad(Objective("budget", 10.0))  # budget at the mean: y_norm 0
    assert g[2] < -0.9 and abs(float(g[0])) < 1e-3  # pulled down above, left alone well below
    g = grad(Objective("target", 10.0, softness=5.0))
    assert g[0] > 0 and g[2] < 0 and abs(float(g[1])) < 1e-6
    with pytest.raises(ValueError, match="needs a value"):
        Objective("budget")
    with pytest.raises(ValueError, match="direction"):
        Objective("up")  # type: ignore[arg-type]


@pytest.mark.slow
def test_properties_come_from_the_real_files(bench):
    flops = nb201_property("flops:cifar10", bench)
    params = nb201_property("params:cifar10", bench)
    assert flops.values[6111] == pytest.approx(153.27, abs=0.01)  # data README
    assert params.values[6111] == pytest.approx(1.0735, abs=1e-4)
    lat = nb201_property("latency:raspi4", bench)
    assert lat.values.shape == (15625,) and np.all(lat.values > 0)
    assert {"pixel3", "raspi4", "1080ti_32"} <= set(latency_devices())
    with pytest.raises(UnknownNameError, match="device 'pixel99'.*pixel3"):
        nb201_property("latency:pixel99", bench)
    with pytest.raises(UnknownNameError, match="accuracy:<dataset>"):
        nb201_property("speed:cifar10", bench)


@pytest.mark.slow
def test_user_labels_csv(tmp_path, bench):
    path = tmp_path / "mine.csv"
    rows = "\n".join(f"{a},{i}" for i, a in enumerate(bench.archs[:30]))
    path.write_text("arch,value\n" + rows + "\n")
    table = labels_from_csv(path, bench)
    assert table.archs == bench.archs[:30] and table.values[7] == 7.0
    (tmp_path / "bad.csv").write_text("a,b\nx,1\n")
    with pytest.raises(DataFormatError, match="arch,value"):
        labels_from_csv(tmp_path / "bad.csv", bench)
    (tmp_path / "dup.csv").write_text(f"arch,value\n{bench.archs[0]},1\n{bench.archs[0]},2\n")
    with pytest.raises(DataFormatError, match="twice"):
        labels_from_csv(tmp_path / "dup.csv", bench)
    (tmp_path / "bom.csv").write_bytes(("\ufeffarch,value\n" + rows + "\n").encode())  # Excel's CSV UTF-8
    assert labels_from_csv(tmp_path / "bom.csv", bench).values[7] == 7.0
    (tmp_path / "ragged.csv").write_text(f"arch,value\n{bench.archs[0]},1\n{bench.archs[1]},2,3\n")
    with pytest.raises(DataFormatError, match="line 3 has more fields than the header"):
        labels_from_csv(tmp_path / "ragged.csv", bench)
    (tmp_path / "short.csv").write_text(f"arch,value\n{bench.archs[0]}\n")
    with pytest.raises(DataFormatError, match="line 2 has fewer fields"):
        labels_from_csv(tmp_path / "short.csv", bench)


@pytest.mark.slow
def test_guided_generation_as_a_library(gen, bench):
    """The pipeline behind `sample --guide`, called from code: requests checked up front,
    predictors fitted on seeded labels, N distinct guided cells better than N unguided ones."""
    from naslib_diffusionnag.errors import ConfigError
    from naslib_diffusionnag.guidance import Objective
    from naslib_diffusionnag.guided import GuideRequest, fit_guidance, generate, summarize
    from naslib_diffusionnag.oracles import space_property

    acc = space_property("nb201", "accuracy:cifar10", bench=bench)
    lat = space_property("nb201", "latency:pixel3", bench=bench)
    with pytest.raises(ConfigError, match="at most 15,625"):
        fit_guidance(gen, [GuideRequest(acc, Objective("max"))], n_labels=20000, seed=0)
    with pytest.raises(ConfigError, match="below its smallest value"):
        fit_guidance(gen, [GuideRequest(lat, Objective("budget", -1.0))], n_labels=50, seed=0)
    with pytest.raises(ConfigError, match="tighten of latency:pixel3 must be a finite number >= 0, got -1.0"):
        fit_guidance(gen, [GuideRequest(lat, Objective("budget", 8.0), tighten=-1.0)], n_labels=50, seed=0)
    tight = fit_guidance(gen, [GuideRequest(lat, Objective("budget", 8.0), tighten=0.5)], n_labels=50, seed=0)
    assert tight.terms[0].tighten == 0.5 and tight.records[0]["tighten"] == 0.5
    fitted = fit_guidance(gen, [GuideRequest(acc, Objective("max")),
                                GuideRequest(lat, Objective("budget", 8.0), predictor="learned")],
                          n_labels=60, seed=0, scales=[100, 50])
    assert [r["property"] for r in fitted.records] == ["accuracy:cifar10", "latency:pixel3"]
    assert fitted.scales == [100.0, 50.0] and fitted.budgets() == {"latency:pixel3": 8.0}
    assert all(r["label_transform"] == "zscore" for r in fitted.records)  # auto: a budget is guided
    fast = SamplerConfig(steps=10)
    _, plain = generate(gen, 30, 0, sampler=fast, distinct=True)
    _, both = generate(gen, 30, 0, fitted.terms, fitted.scales, fast, distinct=True)
    only_acc = fit_guidance(gen, [GuideRequest(acc, Objective("max"))], n_labels=60, seed=0)
    _, up = generate(gen, 30, 0, only_acc.terms, only_acc.scales, fast, distinct=True)
    assert len(up) == len(set(up)) == 30 == len(plain) == len(both)
    props = {"acc": acc, "lat": lat}
    mine, base = summarize(up, props, {}), summarize(plain, props, fitted.budgets())
    assert mine["acc"]["mean"] == pytest.approx(float(np.mean(bench.query_many(up, "cifar10"))))
    assert mine["acc"]["mean"] > base["acc"]["mean"]
    within = summarize(both, props, fitted.budgets())["within_budget_latency:pixel3"]
    assert within > base["within_budget_latency:pixel3"]
