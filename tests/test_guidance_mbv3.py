"""Guided generation on MobileNetV3 / OFA through the same guidance code as NB201: property
oracles by name, one property interface for both spaces, a tiny score network steered by
predictors fitted on oracle labels, and the ``sample --space mbv3`` JSON."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from naslib_diffusionnag.cli import main
from naslib_diffusionnag.diffusion import DiffusionConfig
from naslib_diffusionnag.errors import ConfigError, UnknownNameError
from naslib_diffusionnag.generation import ArchitectureGenerator, Generation
from naslib_diffusionnag.guidance import GuidanceTerm, Objective, PredictorConfig
from naslib_diffusionnag.oracles import resolve_data_file, sha256, space_property
from naslib_diffusionnag.oracles.mbv3 import I7Latency, Note10Latency, OFAAccuracyPredictor, OFACost
from naslib_diffusionnag.oracles.nb201_properties import labels_from_csv, nb201_property
from naslib_diffusionnag.oracles.properties import accuracy_for, draw_labels
from naslib_diffusionnag.spaces import MBv3Space

pytestmark = pytest.mark.slow  # every test here reads ../shared/data/mbv3

SPACE = MBv3Space()
NAMES = ("accuracy", "latency:note10", "latency:i7", "flops", "params")


@pytest.fixture(scope="module")
def archs() -> list[str]:
    return SPACE.sample(40, np.random.default_rng(0))


@pytest.fixture(scope="module")
def note10() -> Note10Latency:
    return Note10Latency()


@pytest.fixture(scope="module")
def budget(note10) -> float:
    """The note10 latency only a quarter of uniformly drawn subnets meet (ms, from the table)."""
    return float(np.quantile(note10.predict(SPACE.sample(2000, np.random.default_rng(5))), 0.25))


# ---- property oracles by name ------------------------------------------------------------------
@pytest.mark.parametrize("r", [224, 192])
def test_properties_are_the_oracles(archs, note10, r):
    acc, i7, cost = OFAAccuracyPredictor(), I7Latency(width=1.2), OFACost(1.2)
    expected = {"accuracy": acc.predict(archs, r), "latency:note10": note10.predict(archs, r),
                "latency:i7": i7.predict(archs, r), "flops": cost.predict_flops(archs, r) / 1e6,
                "params": cost.predict_params(archs) / 1e6}
    for name in NAMES:
        prop = space_property("mbv3", name, resolution=r)
        assert prop.name == name and prop.domain is None
        assert np.allclose(prop.evaluate(archs), expected[name], rtol=1e-12), name
    a = space_property("mbv3", "accuracy", resolution=r)
    assert "predicted by OFA's accuracy predictor" in a.metric and "not a measurement" in a.metric
    assert f"input resolution {r}" in a.metric and a.checksum == acc.checksum
    table = resolve_data_file(f"mbv3/latency_lut_note10/{r}_lookup_table.yaml")
    lat = space_property("mbv3", "latency:note10", resolution=r)
    assert lat.source == str(table) and lat.checksum == sha256(table) and "(ms)" in lat.metric
    assert space_property("mbv3", "latency:i7").checksum == sha256(resolve_data_file("mbv3/latency_lut_i7-8700K.yaml"))
    assert "MFLOPs" in space_property("mbv3", "flops").metric and space_property("mbv3", "flops").checksum is None
    assert space_property("mbv3", "params").evaluate([]).shape == (0,)


def test_units_against_published_and_measured_nets():
    """MFLOPs and M params are the published numbers of OFA's flops@595M net (w1.2, r=236) and
    the measured MACs of DyNAS-T's w1.0 subnets divided by 1e6; predicted top-1 is in percent."""
    with open(resolve_data_file("mbv3/ofa_specialized_summary.csv"), newline="") as f:
        (row,) = [r for r in csv.DictReader(f) if r["net_id"] == "flops-595M_top1-80.0_finetune-75"]
    net = SPACE.from_ofa(*(json.loads(row[k]) for k in ("ks", "e", "d")))
    flops = space_property("mbv3", "flops", resolution=236).evaluate([net])[0]
    assert flops == pytest.approx(float(row["flops"]) / 1e6, rel=1e-6) and 590 < flops < 600
    assert space_property("mbv3", "params").evaluate([net])[0] == pytest.approx(float(row["params"]) / 1e6)
    with open(resolve_data_file("mbv3/measured_top1_ofa_mbv3_w1.0_r224_dynast.csv"), newline="") as f:
        rows = list(csv.DictReader(f))[:50]
    measured = [SPACE.from_ofa(*(json.loads(r[k]) for k in ("ks", "e", "d"))) for r in rows]
    assert np.allclose(space_property("mbv3", "flops", width=1.0).evaluate(measured),
                       [int(r["macs"]) / 1e6 for r in rows], rtol=1e-12)
    top1 = space_property("mbv3", "accuracy").evaluate(measured)
    assert 70 < top1.min() and top1.max() < 90


def test_unknown_names_and_queries_without_data_fail_before_sampling():
    with pytest.raises(UnknownNameError, match="unknown MBv3 property 'speed'; use one of: accuracy, "
                                               "latency:note10, latency:i7, flops, params"):
        space_property("mbv3", "speed")
    with pytest.raises(UnknownNameError, match="unknown MBv3 property 'latency:pixel3'"):
        space_property("mbv3", "latency:pixel3")
    with pytest.raises(UnknownNameError, match=r"search space with measurable properties \(--dataset, --guide\) 'nb999'; choose one of: mbv3, nb201"):
        space_property("nb999", "accuracy")
    with pytest.raises(ConfigError, match="no note10 latency table for resolution 300"):
        space_property("mbv3", "latency:note10", resolution=300)
    with pytest.raises(ConfigError, match="112..239"):
        space_property("mbv3", "accuracy", resolution=260)
    with pytest.raises(ConfigError, match="w1.2 supernet only, not w1.0"):
        space_property("mbv3", "accuracy", width=1.0)
    with pytest.raises(ConfigError, match="w1.2 network only"):
        space_property("mbv3", "latency:note10", width=1.0)
    with pytest.raises(UnknownNameError, match="use --dataset imagenet"):
        accuracy_for("mbv3", "cifar10")
    assert accuracy_for("mbv3", None) == accuracy_for("mbv3", "ImageNet") == ("accuracy", "imagenet")
    assert accuracy_for("nb201", None) is None and accuracy_for("nb201", "CIFAR-10") == ("accuracy:cifar10", "cifar10")


def test_nb201_tables_meet_the_same_interface(bench, tmp_path):
    """A table draws labels from its rows and returns NaN for a cell it does not list; a
    function draws uniform samples of the space and labels them itself."""
    table = space_property("nb201", "latency:pixel3", bench=bench)
    rng = np.random.default_rng(3)
    labelled, values = draw_labels(table, SPACE, 50, rng)
    idx = np.random.default_rng(3).choice(len(bench.archs), size=50, replace=False)  # the CLI's draw before
    assert labelled == [bench.archs[i] for i in idx] and np.array_equal(values, table.values[idx])
    assert np.array_equal(table.evaluate(bench.archs[:5]), nb201_property("latency:pixel3", bench).values[:5])
    path = tmp_path / "mine.csv"
    path.write_text("arch,value\n" + "\n".join(f"{a},{i}" for i, a in enumerate(bench.archs[:3])) + "\n")
    mine = labels_from_csv(path, bench)
    assert np.array_equal(mine.evaluate(bench.archs[:4])[:3], [0, 1, 2]) and np.isnan(mine.evaluate([bench.archs[3]])[0])
    assert draw_labels(mine, SPACE, 10, rng)[0].__len__() == 3  # at most every row
    prop = space_property("mbv3", "latency:note10")
    drawn, y = draw_labels(prop, SPACE, 20, np.random.default_rng(4))
    assert drawn == SPACE.sample(20, np.random.default_rng(4)) and np.array_equal(y, Note10Latency().predict(drawn))


# ---- guided generation with a tiny score network ----------------------------------------------
@pytest.fixture(scope="module")
def tiny() -> ArchitectureGenerator:
    """A small MBv3 score network trained in seconds on 3,000 uniformly sampled subnets (about
    3/4 of its samples are valid: enough to see guidance move the oracle values)."""
    cfg = DiffusionConfig.from_dict({"sde": "mbv3"}).with_overrides(
        model={"d_model": 32, "n_layers": 2, "n_heads": 2, "d_ff": 64, "head_hidden": 64},
        train={"steps": 400, "batch_size": 128, "lr": 3e-3, "warmup": 20, "seed": 0},
        sampler={"steps": 20},
    )
    return ArchitectureGenerator.train(MBv3Space(), cfg, size=3000, progress=False)


def _guided_and_plain(gen: ArchitectureGenerator, name: str, objective: Objective) -> tuple[Generation, Generation]:
    """100 oracle labels -> a noise-aware predictor -> 200 guided samples, and 200 unguided
    samples from the same seed."""
    prop = space_property("mbv3", name)
    labelled, values = draw_labels(prop, gen.space, 100, np.random.default_rng(1))
    pred = gen.fit_predictor(labelled, values, config=PredictorConfig(steps=300), seed=1)
    guided = gen.sample_guided(200, seed=1, terms=[GuidanceTerm(name, pred, objective)], scales=[50.0])
    return guided, gen.sample(200, seed=1)


def test_budget_guidance_moves_note10_latency_under_the_budget(tiny, note10, budget):
    guided, plain = _guided_and_plain(tiny, "latency:note10", Objective("budget", budget))
    g, u = note10.predict(guided.valid), note10.predict(plain.valid)
    assert len(guided.valid) >= 100 and len(plain.valid) >= 100
    assert np.mean(u <= budget) < 0.4  # unguided: about the quarter a uniform draw meets
    assert np.mean(g <= budget) > np.mean(u <= budget) + 0.4
    assert g.mean() < 0.9 * u.mean()


def test_exact_latency_guidance_moves_note10_latency_under_the_budget(tiny, note10, budget):
    """No labels: the Note10 table read in expectation over the sampler's soft architecture."""
    prop = space_property("mbv3", "latency:note10")
    term = GuidanceTerm(prop.name, tiny.exact_predictor(prop.soft), Objective("budget", budget))
    guided, plain = tiny.sample_guided(200, seed=1, terms=[term], scales=[10.0]), tiny.sample(200, seed=1)
    g, u = note10.predict(guided.valid), note10.predict(plain.valid)
    assert len(guided.valid) >= 90 and len(plain.valid) >= 100  # exact guidance costs some validity (mbv3.md, b2)
    assert np.mean(u <= budget) < 0.4
    assert np.mean(g <= budget) > np.mean(u <= budget) + 0.4
    assert g.mean() < 0.9 * u.mean()


def test_accuracy_guidance_raises_predicted_top1(tiny):
    guided, plain = _guided_and_plain(tiny, "accuracy", Objective("max"))
    acc = OFAAccuracyPredictor()
    g, u = acc.predict(guided.valid), acc.predict(plain.valid)
    assert len(guided.valid) >= 100
    assert g.mean() > u.mean() + 0.5  # percentage points of OFA-predicted ImageNet top-1
    assert np.median(g) > np.median(u)


# ---- the command line ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def checkpoint(tiny, tmp_path_factory) -> str:
    return str(tiny.save(tmp_path_factory.mktemp("mbv3") / "tiny.pt"))


def _run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    out = json.loads(captured.out.strip().splitlines()[-1]) if code == 0 and "--json" in argv else None
    return code, out, captured.err


def test_cli_guided_mbv3_reports_oracle_values_guided_and_unguided(capsys, checkpoint, note10, budget):
    code, out, _ = _run(capsys, "sample", "--space", "mbv3", "--checkpoint", checkpoint, "--n", "40", "--seed", "0",
                        "--guide", f"latency:note10@budget={budget:.2f}", "--scale", "50", "--json")
    assert code == 0 and out["space"] == "mbv3" and out["resolution"] == 224 and out["dataset"] == "imagenet"
    (g,) = out["guide"]
    assert g["property"] == "latency:note10" and g["objective"] == f"budget={float(f'{budget:.2f}'):g}"
    assert g["predictor"] == "exact" and g["n_labels"] == 0  # a latency table needs no labels
    assert g["sha256"] == sha256(note10.table_file(224)) and out["scales"] == [50.0]
    for block in (out, out["unguided"]):
        assert {"true_accuracy", "true_latency:note10", "within_budget_latency:note10", "validity"} <= set(block)
        assert set(block["true_accuracy"]) >= {"mean", "max", "top5_mean", "std"}
    assert out["unguided"]["n"] == out["n"] == 40
    assert "predicted by OFA's accuracy predictor" in out["properties"]["true_accuracy"]["metric"]
    assert out["properties"]["true_latency:note10"]["metric"].startswith("Samsung Note10 latency (ms)")
    lat = note10.predict(out["archs"])
    assert out["true_latency:note10"]["mean"] == pytest.approx(lat.mean())
    assert out["within_budget_latency:note10"] == pytest.approx(np.mean(lat <= float(f"{budget:.2f}")))
    assert out["true_accuracy"]["mean"] == pytest.approx(OFAAccuracyPredictor().predict(out["archs"]).mean())
    assert out["within_budget_latency:note10"] > out["unguided"]["within_budget_latency:note10"]


def test_cli_dataset_imagenet_at_another_resolution(capsys, checkpoint):
    code, out, _ = _run(capsys, "sample", "--space", "mbv3", "--checkpoint", checkpoint, "--n", "30",
                        "--dataset", "imagenet", "--resolution", "192", "--json")
    assert code == 0 and out["resolution"] == 192 and "unguided" not in out and "guide" not in out
    assert "input resolution 192" in out["properties"]["true_accuracy"]["metric"]
    assert out["true_accuracy"]["mean"] == pytest.approx(OFAAccuracyPredictor().predict(out["archs"], 192).mean())
    assert out["true_accuracy"]["n_known"] == out["valid"]


def test_cli_mbv3_errors_name_the_fix(capsys, checkpoint, monkeypatch, tmp_path):
    monkeypatch.setattr("naslib_diffusionnag.generation.PRETRAINED_DIR", tmp_path)  # as if none shipped
    code, _, err = _run(capsys, "sample", "--space", "mbv3", "--n", "4")
    assert code == 2 and ("no pretrained checkpoint ships for search space 'mbv3'; train one with `diffusionnag "
                          "train --space mbv3 --config configs/mbv3.yaml --train-size 100000 --out mbv3.pt` and pass "
                          "--checkpoint mbv3.pt") in err
    monkeypatch.undo()
    base = ["sample", "--space", "mbv3", "--checkpoint", checkpoint, "--n", "4", "--steps", "2"]
    for extra, message in [(["--dataset", "cifar10"], "use --dataset imagenet"),
                           (["--guide", "latency:pixel3"], "unknown MBv3 property 'latency:pixel3'; use one of"),
                           (["--guide", "latency:note10", "--resolution", "300"], "no note10 latency table for resolution 300"),
                           (["--dataset", "imagenet", "--data", "x.csv"], "--data is NB201's benchmark file")]:
        code, _, err = _run(capsys, *base, *extra)
        assert code == 2 and message in err and "Traceback" not in err
    code, _, err = _run(capsys, "sample", "--space", "nb201", "--n", "4", "--steps", "2", "--dataset", "cifar10",
                        "--resolution", "224")
    assert code == 2 and "--resolution is the input resolution of MBv3's oracles" in err
