"""The diffusionnag command: JSON contract, benchmark values, training, clear errors."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from naslib_diffusionnag.cli import main
from naslib_diffusionnag.errors import DiffusionNAGError

SAMPLE_KEYS = {"n", "valid", "validity", "uniqueness", "novelty", "seconds", "nfe", "archs"}


def run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    out = json.loads(lines[-1]) if code == 0 and "--json" in argv else None
    return code, out, captured.err


@pytest.mark.slow
def test_sample_json_contract_and_true_accuracy(capsys, bench):
    code, out, _ = run(capsys, "sample", "--space", "nb201", "--n", "200", "--seed", "3",
                       "--steps", "20", "--dataset", "cifar10", "--json")
    assert code == 0
    assert SAMPLE_KEYS <= set(out)
    assert out["n"] == 200 and out["nfe"] == 40 and out["valid"] == len(out["archs"])
    assert out["validity"] == out["valid"] / 200
    accs = bench.query_many(out["archs"], "cifar10")
    distinct = np.sort(bench.query_many(sorted(set(out["archs"])), "cifar10"))[::-1]
    t = out["true_accuracy"]
    assert t["mean"] == pytest.approx(accs.mean()) and t["max"] == pytest.approx(distinct[0])
    assert t["top5_mean"] == pytest.approx(distinct[:5].mean()) and t["top5_count"] == 5
    assert out["benchmark"]["sha256"] == bench.checksum
    # same seed, same architectures
    _, again, _ = run(capsys, "sample", "--space", "nb201", "--n", "200", "--seed", "3",
                      "--steps", "20", "--json")
    assert again["archs"] == out["archs"]


def test_console_script_entry_point():
    """The installed ``diffusionnag`` script (pyproject's [project.scripts]) and ``python -m``
    reach the same parser."""
    script = shutil.which("diffusionnag", path=os.pathsep.join([str(Path(sys.executable).parent),
                                                                 os.environ.get("PATH", "")]))
    assert script, "the diffusionnag console script is not installed; run pip install -e ."
    for argv in ([script, "sample", "--help"], [sys.executable, "-m", "naslib_diffusionnag.cli", "sample", "--help"]):
        proc = subprocess.run(argv, capture_output=True, text=True, check=True)
        assert "--space" in proc.stdout and "--steps" in proc.stdout


@pytest.mark.slow  # a torch process of its own
def test_module_entry_point_samples():
    proc = subprocess.run([sys.executable, "-m", "naslib_diffusionnag.cli", "sample", "--space", "nb201",
                           "--n", "50", "--steps", "5", "--json"], capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout.strip().splitlines()[-1])["n"] == 50


def test_train_writes_a_checkpoint_and_refuses_to_overwrite(capsys, tmp_path):
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(yaml.safe_dump({"model": {"d_model": 16, "n_layers": 1, "n_heads": 2, "d_ff": 16,
                                             "head_hidden": 16}, "train": {"batch_size": 16}}))
    out = tmp_path / "m.pt"
    args = ["train", "--space", "nb201", "--config", str(cfg), "--steps", "5", "--train-split", "0.1",
            "--out", str(out), "--json"]
    code, res, _ = run(capsys, *args)
    assert code == 0 and out.is_file()
    assert res["split"]["size"] == 1562 and res["config"]["train"]["steps"] == 5
    code, _, err = run(capsys, *args)
    assert code == 2 and "exists; pass --overwrite" in err
    code, res, _ = run(capsys, "sample", "--space", "nb201", "--checkpoint", str(out), "--n", "20",
                       "--steps", "3", "--json")
    assert code == 0 and res["n"] == 20
    # a 5-step model may sample no valid cell: then uniqueness and novelty are undefined (None), not 0
    assert (res["novelty"] is None) == (res["uniqueness"] is None) == (res["valid"] == 0)
    assert res["valid"] == 0 or 0 <= res["novelty"] <= 1


@pytest.mark.parametrize("argv, message", [
    (["sample", "--space", "nb201", "--checkpoint", "/nonexistent/m.pt"], "does not exist"),
    pytest.param(["sample", "--space", "nb201", "--n", "5", "--steps", "2", "--dataset", "svhn"],
                 "unknown NB201 dataset 'svhn'", marks=pytest.mark.slow),  # reads the real table first
    (["sample", "--space", "nb201", "--n", "5", "--steps", "2", "--dataset", "cifar10",
      "--data", "/nonexistent/nats.csv"], "/nonexistent/nats.csv' does not exist"),
    (["train", "--space", "nb201", "--out", "x.pt", "--config", "/nonexistent.yaml"], "config file"),
    (["train", "--space", "nb201", "--out", "x.pt", "--train-split", "0"], "fraction in (0, 1]"),
])
def test_bad_input_gives_one_clear_error(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("argv, code", [
    (["--help"], 0), (["sample", "--help"], 0), (["search", "--help"], 0), (["transfer", "--help"], 0),
    (["sample", "--space", "nb999"], 2), (["search", "--dataset", "cifar10", "--budget", "-4"], 2),
    (["search", "--dataset", "cifar10", "--method", "bogus"], 2), (["sample", "--space", "nb201", "--scale", "1,5"], 2),
])
def test_help_and_argument_errors_import_no_torch(argv, code):
    """The parser takes its choices from the registries without importing what they name, so
    ``--help`` and argument errors answer without loading torch (seconds on a busy machine)."""
    probe = ("import sys\nfrom naslib_diffusionnag.cli import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n    code = e.code\n"
             "print('exit', code, 'torch' in sys.modules, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True)
    assert proc.stderr.strip().splitlines()[-1] == f"exit {code} False", proc.stderr
    if code == 2:
        assert "Traceback" not in proc.stderr and "error:" in proc.stderr


def test_unknown_space_is_rejected_by_the_parser(capsys):
    with pytest.raises(SystemExit) as e:
        main(["sample", "--space", "nb999"])
    assert e.value.code == 2
    assert "nb201" in capsys.readouterr().err


@pytest.mark.slow
def test_guided_sample_json_reports_guided_and_unguided(capsys, bench):
    code, out, _ = run(capsys, "sample", "--space", "nb201", "--n", "48", "--seed", "2", "--steps", "10",
                       "--guide", "accuracy:cifar10", "--guide", "latency:pixel3@budget=8,weight=0.5,predictor=learned,tighten=0.5",
                       "--n-labels", "60", "--scale", "100,50", "--dataset", "cifar10", "--json")
    assert code == 0
    assert {"true_accuracy", "true_latency:pixel3", "within_budget_latency:pixel3", "unguided", "guide"} <= set(out)
    assert [g["property"] for g in out["guide"]] == ["accuracy:cifar10", "latency:pixel3"]
    assert out["guide"][1]["objective"] == "budget=8" and out["guide"][1]["weight"] == 0.5
    assert [g["tighten"] for g in out["guide"]] == [0.0, 0.5]
    assert all(g["n_labels"] == 60 for g in out["guide"]) and out["scales"] == [100.0, 50.0]
    assert [g["label_transform"] for g in out["guide"]] == ["zscore", "zscore"]  # auto: a budget is guided
    assert {"true_accuracy", "true_latency:pixel3", "validity"} <= set(out["unguided"])
    accs = bench.query_many(out["archs"], "cifar10")
    assert out["true_accuracy"]["mean"] == pytest.approx(accs.mean())


@pytest.mark.slow
def test_recorded_scales_are_the_ones_sampling_used(capsys, bench):
    """One sample gets one round: it recorded all three default scales, of which it used one."""
    code, out, _ = run(capsys, "sample", "--space", "nb201", "--n", "1", "--steps", "2",
                       "--guide", "latency:pixel3@budget=8", "--json")
    assert code == 0 and out["scales"] == [100.0]
    code, out, _ = run(capsys, "sample", "--space", "nb201", "--n", "2", "--steps", "2", "--scale", "30,20,10",
                       "--guide", "latency:pixel3@budget=8", "--json")
    assert code == 0 and out["scales"] == [30.0, 20.0]


@pytest.mark.slow
def test_distinct_guided_sample_reports_n_distinct_cells(capsys, bench):
    code, out, _ = run(capsys, "sample", "--space", "nb201", "--n", "30", "--seed", "4", "--steps", "10",
                       "--guide", "accuracy:cifar10", "--n-labels", "60", "--scale", "200,20",
                       "--label-transform", "zscore", "--distinct", "--dataset", "cifar10", "--json")
    assert code == 0
    assert len(out["archs"]) == len(set(out["archs"])) == out["n_distinct"] == 30
    assert out["samples_drawn"] % 30 == 0 and out["samples_drawn"] >= 30
    assert out["guide"][0]["label_transform"] == "zscore"
    accs = bench.query_many(out["archs"], "cifar10")
    assert out["true_accuracy"]["mean"] == pytest.approx(accs.mean())
    assert out["unguided"]["true_accuracy"]["mean"] < out["true_accuracy"]["mean"]


def test_a_distinct_shortfall_advice_fits_the_run(capsys):
    """Unguided, there is no guidance scale to lower (the advice used to say to lower it)."""
    code, out, err = run(capsys, "sample", "--space", "nb201", "--n", "3", "--seed", "0", "--steps", "1",
                         "--distinct", "--json", "--no-progress")
    assert code == 0 and out["n_distinct"] < 3  # one step of 1000: (nearly) nothing valid
    assert f"only {out['n_distinct']} distinct valid architectures after {out['samples_drawn']} samples; " \
           "sample with more --steps" in err and "guidance scale" not in err


@pytest.mark.slow
@pytest.mark.parametrize("spec, message", [
    ("accuracy:cifar10@up", "bad --guide option 'up'"),
    ("speed:cifar10", "unknown NB201 property 'speed:cifar10'"),
    ("latency:pixel3@budget=fast", "bad --guide option 'budget=fast'"),
    ("latency:pixel3@budget=8,tighten=-1", "tighten=-1 in --guide"),
])
def test_bad_guide_specs(capsys, spec, message):
    code, _, err = run(capsys, "sample", "--space", "nb201", "--n", "4", "--steps", "2", "--guide", spec)
    assert code == 2 and message in err


def test_parse_guide_reads_every_option():
    from naslib_diffusionnag.cli import parse_guide

    spec = parse_guide("latency:pixel3@budget=8,weight=0.5,softness=0.2,predictor=exact,tighten=2")
    assert (spec.name, spec.weight, spec.predictor, spec.tighten) == ("latency:pixel3", 0.5, "exact", 2.0)
    assert (spec.objective.direction, spec.objective.value, spec.objective.softness) == ("budget", 8.0, 0.2)
    assert parse_guide("accuracy:cifar10").tighten == 0.0 and parse_guide("accuracy:cifar10").objective is None
    for bad in ("latency:pixel3@budget=8,tighten=-1", "latency:pixel3@budget=8,tighten=inf"):
        with pytest.raises(DiffusionNAGError, match="must be a finite number >= 0"):
            parse_guide(bad)


def test_train_on_a_sampled_mbv3_set(capsys, tmp_path):
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(yaml.safe_dump({"sde": "mbv3", "model": {"d_model": 16, "n_layers": 1, "n_heads": 2,
                                                           "d_ff": 16, "head_hidden": 16}}))
    out = tmp_path / "m.pt"
    code, res, _ = run(capsys, "train", "--space", "mbv3", "--config", str(cfg), "--steps", "3",
                       "--train-size", "200", "--out", str(out), "--json")
    assert code == 0 and res["split"]["kind"] == "sample" and res["split"]["size"] == 200
    code, res, _ = run(capsys, "sample", "--space", "mbv3", "--checkpoint", str(out), "--n", "8", "--steps", "2",
                       "--json")
    assert code == 0 and res["n"] == 8 and res["space"] == "mbv3"
    code, _, err = run(capsys, "train", "--space", "mbv3", "--config", str(cfg), "--train-split", "0.5", "--out",
                       str(tmp_path / "x.pt"))
    assert code == 2 and "give --train-size" in err
    # without --config it would train with NB201's noise scale and mask
    code, _, err = run(capsys, "train", "--space", "mbv3", "--steps", "2", "--train-size", "10", "--out",
                       str(tmp_path / "y.pt"))
    assert code == 2 and "train --space mbv3 needs --config" in err and "configs/mbv3.yaml" in err
    assert not (tmp_path / "y.pt").exists()


def test_device_option(capsys):
    missing = f"cuda:{torch.cuda.device_count()}"  # one past the last CUDA device this machine has
    for device, message in ((missing, "CUDA device(s); use the cpu device"), ("banana", "is not a torch device")):
        with pytest.raises(SystemExit) as e:
            main(["sample", "--space", "nb201", "--device", device])
        assert e.value.code == 2 and message in capsys.readouterr().err
    code, out, _ = run(capsys, "sample", "--space", "nb201", "--n", "8", "--steps", "2", "--device", "cpu", "--json")
    assert code == 0 and out["device"] == "cpu"


def test_top5_says_how_many_it_averages():
    """With fewer than 5 distinct architectures the line said "mean of the 5 largest" anyway."""
    from naslib_diffusionnag.metrics import summary_stats

    few = summary_stats([1.0, 3.0, 3.0], distinct=[1.0, 3.0])
    assert few["top5_count"] == 2 and few["top5_mean"] == 2.0
    assert summary_stats([])["top5_count"] == 0


@pytest.mark.slow
def test_a_user_table_that_lists_no_generated_cell_says_so(capsys, tmp_path):
    """Guided by a user's CSV that holds none of the generated cells, the text said "mean nan"."""
    labels = tmp_path / "labels.csv"
    labels.write_text("arch,value\n"
                      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|,94.4\n"
                      "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,10.0\n")
    code = main(["sample", "--space", "nb201", "--n", "4", "--steps", "2", "--guide", f"file:{labels}",
                 "--n-labels", "2", "--no-progress"])
    text = capsys.readouterr().out
    assert code == 0 and "file:labels.csv" in text and "nan" not in text
    assert "none of these architectures has a value in the property's table" in text
