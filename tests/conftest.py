"""Shared fixtures. ``bench`` / ``tnb101``: the real NB201 / TransNAS-Bench-101 micro tables from
../shared/data (tests that use them fail loudly without them and are marked ``slow``). ``toy_bench``: a table the tests build in the real
``nats_bench.csv`` layout with made-up accuracies, for the fast tier, which needs no data."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest

from naslib_diffusionnag.oracles import NB201Benchmark, TNB101Benchmark, paths
from naslib_diffusionnag.spaces import NB201Space

# made-up accuracy contribution of each operation (convolutions best, as on the real benchmark)
_TOY_OP_VALUE = {"none": 0.0, "skip_connect": 1.0, "avg_pool_3x3": 0.5, "nor_conv_1x1": 2.0, "nor_conv_3x3": 3.0}


def write_toy_nb201_csv(path: Path) -> Path:
    """Every NB201 cell (the loader checks the count) in nats_bench.csv's columns; accuracy
    rises with the cell's convolutions, plus seeded noise, so search methods can improve."""
    space = NB201Space()
    rng = np.random.default_rng(0)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["CIFAR10TestAccuracy200Epochs", "CIFAR100TestAccuracy200Epochs",
                    "ImageNetTestAccuracy200Epochs", "ArchitectureString", "UniqueString"])
        for arch in space.enumerate():
            score = sum(_TOY_OP_VALUE[op] for op in space.ops(arch)) / 18.0  # in [0, 1]
            noise = rng.normal(0.0, 0.5, size=3)
            w.writerow([f"{80 + 14 * score + noise[0]:.4f}", f"{50 + 23 * score + noise[1]:.4f}",
                        f"{25 + 22 * score + noise[2]:.4f}", arch, space.iso_key(arch)])
    return path


@pytest.fixture(scope="session")
def toy_bench_csv(tmp_path_factory) -> Path:
    return write_toy_nb201_csv(tmp_path_factory.mktemp("toy_data") / "nats_bench.csv")


@pytest.fixture(scope="session")
def toy_bench(toy_bench_csv) -> NB201Benchmark:
    return NB201Benchmark.load(toy_bench_csv, allow_unverified=True)  # made up, so not the documented file


@pytest.fixture(scope="session")
def bench() -> NB201Benchmark:
    return NB201Benchmark.load()


@pytest.fixture(scope="session")
def tnb101() -> TNB101Benchmark:
    return TNB101Benchmark.load()


@pytest.fixture(scope="session")
def nb201() -> NB201Space:
    return NB201Space()


# ---- the two tiers -------------------------------------------------------------------------
_NO_DATA = Path("<fast tier: no real data here; mark the test slow>")
_GUARD = pytest.StashKey[pytest.MonkeyPatch]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses a real benchmark table (``bench``, ``tnb101``) belongs to the slow tier."""
    unmarked = [i.nodeid for i in items if {"bench", "tnb101"} & set(getattr(i, "fixturenames", ()))
                and not i.get_closest_marker("slow")]
    if unmarked:
        raise pytest.UsageError(f"tests using the real benchmark must be marked slow: {', '.join(unmarked)}")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """In fast tests every data lookup fails (``DataNotFoundError``), so the fast tier runs, and
    is known to run, on a machine without ../shared/data."""
    if not item.get_closest_marker("slow"):
        guard = pytest.MonkeyPatch()
        guard.delenv(paths.DATA_DIR_ENV, raising=False)  # a test may still set its own
        guard.setattr(paths, "data_dir_candidates",
                      lambda: [Path(os.environ[paths.DATA_DIR_ENV])] if os.environ.get(paths.DATA_DIR_ENV) else [_NO_DATA])
        item.stash[_GUARD] = guard


def pytest_runtest_teardown(item: pytest.Item) -> None:
    guard = item.stash.get(_GUARD, None)
    if guard is not None:
        guard.undo()

