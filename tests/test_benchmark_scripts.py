"""The benchmark scripts stay runnable: each imports, and the method parameters the BO ones pin
resolve (a pinned parameter a method does not take is only found when a sweep re-runs from
scratch, hours in: mbv3.py's BANANAS rounds once pinned diffusion-BO's ``stall_switch``)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from naslib_diffusionnag.bo import resolve_params
from naslib_diffusionnag.bo.methods import FIRST_DEFAULTS

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def load(name: str) -> ModuleType:
    """Benchmark script ``name`` as a module (its ``main`` not run)."""
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCHMARKS))
    return module


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCHMARKS.glob("*.py")))
def test_benchmark_script_imports(name: str) -> None:
    assert callable(load(name).main)


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCHMARKS.glob("*.py")))
def test_benchmark_script_refuses_an_unknown_argument_before_any_work(name, monkeypatch, capsys) -> None:
    """Five scripts had no parser: `--help` or a misspelt flag ran the whole job and rewrote
    the committed results. Now `--help` only prints and a foreign flag is exit code 2."""
    module = load(name)
    for argv, code in (([name, "--help"], 0), ([name, "--no-such-flag"], 2)):
        monkeypatch.setattr(sys, "argv", argv)
        with pytest.raises(SystemExit) as e:
            module.main()
        assert e.value.code == code
        out, err = capsys.readouterr()
        assert ("usage:" in out) if code == 0 else ("unrecognized arguments: --no-such-flag" in err
                                                     or "the following arguments are required" in err)


@pytest.mark.parametrize("name, argv, message", [
    ("bo_guide_nb201", ["--seeds", "5-3"], "--seeds: must be seeds first-last with 0 <= first <= last"),
    ("bo_guide_nb201", ["--variants", "foo"], "--variants: 'foo' is not one of its-mean,"),
    ("bo_guide_nb201", ["--dataset", "foo"], "--dataset: unknown NB201 dataset 'foo'"),
    ("bo_surrogates_nb201", ["--seeds", "abc"], "--seeds: must be seeds as first-last (e.g. 100-109) or one seed"),
    ("mbv3", ["--parts", "foo"], "--parts: 'foo' is not one of a, b, b4, b5, c"),
    ("mbv3", ["--only", "("], "--only: '(' is not a regular expression"),
    ("naslib_nb201", ["--optimizers", "rs,rs"], "--optimizers: lists a name twice"),
    ("naslib_nb201", ["--workers", "0"], "--workers: must be an integer >= 1, got 0"),
    ("edits_nb201", ["--t", "0.5,0"], "--t: must be numbers in (0, 1], got 0"),
    ("transfer_tnb101", ["--first-seed", "-1"], "--first-seed: must be an integer >= 0, got -1"),
])
def test_benchmark_arguments_that_would_write_empty_or_wrong_results_are_refused(name, argv, message, monkeypatch,
                                                                               capsys) -> None:
    """Each once ran (nothing, or the wrong thing) and then overwrote the committed tables, or
    ended in a raw traceback."""
    monkeypatch.setattr(sys, "argv", [name, *argv])
    with pytest.raises(SystemExit) as e:
        load(name).main()
    assert e.value.code == 2 and message in capsys.readouterr().err


def test_bo_guide_variants_resolve() -> None:
    """Every tuning variant of bo_guide_nb201.py is a valid parameter set of its method."""
    guide = load("bo_guide_nb201")
    for variant in guide.VARIANTS:
        ((method, params),) = guide.sweep(variant, [100], "cifar10", 150).methods.items()
        assert resolve_params(method, params).n_init in (5, 10), variant


def test_mbv3_bo_rounds_resolve() -> None:
    """mbv3.py's part (c) round for each BO method and part (b)'s budgeted rounds (with the
    evolved candidates of b5 and the uniform design of b4) resolve, with the first defaults."""
    mbv3 = load("mbv3")
    for method in mbv3.BO_METHODS:
        assert resolve_params(method, mbv3.bo_params(method)).ensemble == FIRST_DEFAULTS["ensemble"]
    for method in mbv3.BUDGETED_METHODS:
        for extra in (None, mbv3.EVOLVED, {"budget_initial": "uniform"}):
            p = resolve_params(method, mbv3.bo_params(method, 30.0, extra))
            assert (p.budget, p.budget_property, p.local_queries) == (30.0, "latency:note10", 0)


@pytest.mark.slow
def test_landscape_climbs_match_a_plain_hill_climb(bench) -> None:
    """nb201_landscape.py's composed steepest-ascent targets equal a step-by-step climb (best
    neighbour while better) from 300 cells of the real table, every target is a local optimum,
    and the optimum is its own target on every dataset."""
    import numpy as np

    land = load("nb201_landscape")
    neighbours = land.neighbour_table(bench)
    starts = np.random.default_rng(0).choice(len(bench.archs), 300, replace=False)
    for dataset in land.DATASETS:
        values = bench.column(dataset)
        targets = land.climb_targets(values, neighbours)
        for i in starts:
            arch = bench.archs[i]
            while True:
                best = max(bench.space.neighbours(arch), key=lambda a: values[bench.index(a)])
                if values[bench.index(best)] <= values[bench.index(arch)]:
                    break
                arch = best
            assert bench.archs[targets[i]] == arch
        assert (values[neighbours[np.unique(targets)]] <= values[np.unique(targets), None]).all()
        assert targets[int(np.argmax(values))] == int(np.argmax(values))


@pytest.mark.slow
def test_bo_rounds_reads_each_rounds_pool_as_the_run_drew_it(bench) -> None:
    """bo_rounds_nb201.py on a real diffusion-BO run (CIFAR-10, pools of 8 candidates, so some
    rounds come up short): the rounds it reads from the recorded asks are the ones the run's
    searcher was asked for, each round's pool source is the one ``StallSwitchAO`` really used
    (spied on), and its local queries are one-edit neighbours of the round's incumbent. Without
    the asks (a run file from before they were recorded) the inferred starts are a sequence
    every round of which begins with its local queries, and the run is not misread as rounds of k."""
    from dataclasses import asdict

    from naslib_diffusionnag.bo import build_method

    rounds_study = load("bo_rounds_nb201")
    params = {"n_init": 10, "k": 10, "ensemble": 2, "predictor_steps": 50, "candidates": 8, "sampler_steps": 20,
              "stall_switch": 10}
    method = build_method("diffusion-bo", params=params)
    used: list[tuple[int, str]] = []
    for arm, source in (("primary", "generated"), ("fallback", "mutation")):
        part = getattr(method.optimizer, arm)

        def spy(history, guide, rng, _propose=part.propose, _source=source):
            used.append((len(history), _source))
            return _propose(history, guide, rng)

        part.propose = spy
    traj = method.run(lambda a: bench.query(a, "cifar10"), 80, seed=3)
    record = {"spec": {"method": "diffusion-bo", "dataset": "cifar10"},
              "resolved_params": asdict(resolve_params("diffusion-bo", params)), "trajectory": traj.to_dict()}
    read = rounds_study.rounds(record, bench.space)
    assert [(r["start"], r["source"]) for r in read] == used
    assert any(b - a < 10 for a, b in zip(traj.asks[1:], traj.asks[2:], strict=False))  # a short round
    assert {s for _, s in used} == {"generated", "mutation"}

    def region(start: int) -> set[str]:  # the unqueried one-edit neighbours of the incumbent
        incumbent = traj.archs[int(np.argmax(traj.values[:start]))]
        return set(bench.space.neighbours(incumbent)) - set(traj.archs[:start])

    for r in read:  # 3 local queries, fewer once the neighbourhood is nearly spent
        assert len(r["local"]) == min(3, len(region(r["start"])))
        assert {traj.archs[q] for q in r["local"]} <= region(r["start"])
    inferred, known = rounds_study.round_starts({**record, "trajectory": {**record["trajectory"], "asks": []}},
                                                bench.space)
    assert known == len(inferred) and inferred[0] == 10 and inferred != list(range(10, 80, 10))
    for start in inferred:
        assert not region(start) or traj.archs[start] in region(start)


@pytest.mark.slow
def test_local_diagnosis_of_seeds_without_runs_writes_no_table(monkeypatch, bench) -> None:
    """Seeds no committed run has gave a table of nothing, written into benchmarks_results/."""
    out = BENCHMARKS.parent / "benchmarks_results" / "bo_local_diagnosis_nb201_s500-501.md"
    monkeypatch.setattr(sys, "argv", ["bo_local_diagnosis_nb201", "--seeds", "500-501"])
    with pytest.raises(SystemExit, match="no committed diffusion-BO tuning run has a seed in 500-501"):
        load("bo_local_diagnosis_nb201").main()
    assert not out.exists()
