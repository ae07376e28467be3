"""The benchmark scripts stay runnable: each imports, and the method parameters the BO ones pin
resolve (a pinned parameter a method does not take is only found when a sweep re-runs from
scratch, hours in: mbv3.py's BANANAS rounds once pinned diffusion-BO's ``stall_switch``)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

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
