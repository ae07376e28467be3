"""BO-NAS harness: budgets, no re-queries, determinism, improvement over random, acquisition
functions, resumable sweeps that survive a killed worker, aggregation, the search CLI."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from naslib_diffusionnag.bo import ACQUISITIONS, build_method, report, resolve_params
from naslib_diffusionnag.bo.sweep import SweepConfig, run_one, run_sweep
from naslib_diffusionnag.cli import main
from naslib_diffusionnag.errors import ConfigError, DiffusionNAGError, UnknownNameError

SMALL_BO = {"n_init": 10, "k": 10, "ensemble": 2, "predictor_steps": 150, "candidates": 60}


@pytest.fixture(scope="module")
def black_box(bench):
    calls: list[str] = []

    def f(arch: str) -> float:
        calls.append(arch)
        return bench.query(arch, "cifar10")

    f.calls = calls  # type: ignore[attr-defined]
    return f


@pytest.mark.slow
@pytest.mark.parametrize("method, budget, params", [
    ("rs", 80, {}), ("re", 80, {}), ("ls", 80, {}),
    ("bananas", 30, SMALL_BO), ("bo-random", 30, SMALL_BO), ("diffusion-bo", 30, SMALL_BO),
])
def test_budget_no_requery_and_determinism(bench, method, budget, params):
    calls: list[str] = []

    def f(arch: str) -> float:
        calls.append(arch)
        return bench.query(arch, "cifar10")

    opt = build_method(method, params=params)
    traj = opt.run(f, budget, seed=3)
    assert len(traj.archs) == budget == len(calls)
    assert len(set(calls)) == len(calls)  # the black box never saw a repeat
    assert traj.incumbent() == list(np.maximum.accumulate(traj.values))
    assert traj.values == [bench.query(a, "cifar10") for a in traj.archs]
    again = build_method(method, params=params).run(lambda a: bench.query(a, "cifar10"), budget, seed=3)
    assert again.archs == traj.archs
    other = build_method(method, params=params).run(lambda a: bench.query(a, "cifar10"), budget, seed=4)
    assert other.archs != traj.archs


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


def test_acquisition_functions():
    mean, std = np.array([1.0, 2.0, 2.0]), np.array([1.0, 0.1, 1.0])
    rng = np.random.default_rng(0)
    ucb = ACQUISITIONS.get("ucb")(mean, std, 2.0, rng)
    assert np.allclose(ucb, mean + 2 * std)
    ei = ACQUISITIONS.get("ei")(mean, std, 2.0, rng)
    draws = rng.normal(mean[:, None], std[:, None], size=(3, 200_000))
    assert np.allclose(ei, np.maximum(draws - 2.0, 0).mean(1), atol=5e-3)
    its = ACQUISITIONS.get("its")
    assert np.array_equal(its(mean, std, 0, np.random.default_rng(1)), its(mean, std, 0, np.random.default_rng(1)))
    with pytest.raises(UnknownNameError, match="ei, its, ucb"):
        ACQUISITIONS.get("pi")
    with pytest.raises(UnknownNameError, match="diffusion-bo"):
        build_method("hyperband")


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
    path = _config(tmp_path, {"rs": {}, "re": {}}, seeds=2)
    files = run_sweep(SweepConfig.from_yaml(path), workers=1, progress=False)
    assert len(files) == 4
    stamps = {f: os.stat(f).st_mtime_ns for f in files}
    record = json.loads(Path(files[0]).read_text())
    assert record["benchmark"]["sha256"] == bench.checksum and record["package_version"]
    assert record["spec"]["budget"] == 20 and len(record["trajectory"]["archs"]) == 20
    path = _config(tmp_path, {"rs": {}, "re": {}}, seeds=3)
    files3 = run_sweep(SweepConfig.from_yaml(path), workers=1, progress=False)
    assert len(files3) == 6
    assert all(os.stat(f).st_mtime_ns == t for f, t in stamps.items())  # finished runs not redone
    path = _config(tmp_path, {"rs": {}, "re": {"population_size": 5}}, seeds=3)
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
    assert main(["search", "--dataset", "cifar100", "--budget", "30", "--seed", "1", "--method", "re", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"best_arch", "best_test_accuracy", "queries", "incumbent", "trajectory", "benchmark"} <= set(out)
    assert out["queries"] == 30 and len(out["incumbent"]) == 30
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
def test_method_defaults_are_the_committed_settings():
    """The defaults every committed result was made with (benchmarks_results/bo_nb201.md)."""
    bo = {"n_init": 10, "k": 10, "acquisition": "its", "ensemble": 3, "predictor_steps": 300, "candidates": 100}
    assert asdict(resolve_params("rs")) == {}
    assert asdict(resolve_params("re")) == {"population_size": 30, "sample_size": 10}
    assert asdict(resolve_params("ls")) == {"n_init": 10}
    assert asdict(resolve_params("bananas")) == asdict(resolve_params("bo-random")) == bo
    assert asdict(resolve_params("diffusion-bo")) == {**bo, "scales": (100.0, 50.0, 25.0), "sampler_steps": None}
    assert resolve_params("diffusion-bo", {"scales": [100, 50, 25]}) == resolve_params("diffusion-bo")


@pytest.mark.parametrize("methods, message", [
    ({"ls": {"n_inti": 5}}, "method 'ls': unknown parameter 'n_inti'; valid parameters: n_init"),
    ({"rs": {"n_init": 10}}, "method 'rs': unknown parameter 'n_init'; it takes no parameters"),
    ({"bananas": {"scales": [10]}}, "method 'bananas': unknown parameter 'scales'; valid parameters: n_init, k,"),
    ({"ls": {"n_init": "ten"}}, "method 'ls': parameter 'n_init' must be an integer, got 'ten' (str)"),
    ({"re": {"population_size": 30.5}}, "parameter 'population_size' must be an integer, got 30.5"),
    ({"diffusion-bo": {"scales": [100, "high"]}}, "parameter 'scales' (each entry) must be a number, got 'high'"),
    ({"diffusion-bo": {"scales": 100}}, "parameter 'scales' must be a list of numbers, got 100"),
    ({"diffusion-bo": {"sampler_steps": True}}, "parameter 'sampler_steps' must be an integer or null"),
    ({"bo-random": {"acquisition": "pi"}}, "parameter 'acquisition' must be one of ei, its, ucb, got 'pi'"),
    ({"re": {"sample_size": 0}}, "method 're': parameter 'sample_size' must be >= 1, got 0"),
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
    path = _config(tmp_path, {"rs": {}, "re": {"population_size": 8}}, seeds=1, budget=12, data=toy_bench_csv)
    config = SweepConfig.from_yaml(path)
    Path(config.runs_dir).mkdir(parents=True)
    threads = torch.get_num_threads()
    try:
        files = [run_one(spec, config.runs_dir, bench=toy_bench) for spec in config.specs()]
    finally:
        torch.set_num_threads(threads)  # run_one pins a worker process to one thread
    records = {json.loads(Path(f).read_text())["spec"]["method"]: json.loads(Path(f).read_text()) for f in files}
    assert records["re"]["spec"]["params"] == {"population_size": 8}
    assert records["re"]["resolved_params"] == {"population_size": 8, "sample_size": 10}
    assert records["rs"]["resolved_params"] == {}
    assert records["re"]["benchmark"]["sha256"] == toy_bench.checksum
    traj = build_method("re", params={"population_size": 8}).run(lambda a: toy_bench.query(a, "cifar10"), 12, 0)
    assert records["re"]["trajectory"]["archs"] == traj.archs
