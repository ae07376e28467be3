"""Shared fixtures: the real NB201 table from ../shared/data (tests fail loudly without it)."""
from __future__ import annotations

import pytest

from naslib_diffusionnag.oracles import NB201Benchmark
from naslib_diffusionnag.spaces import NB201Space


@pytest.fixture(scope="session")
def bench() -> NB201Benchmark:
    return NB201Benchmark.load()


@pytest.fixture(scope="session")
def nb201() -> NB201Space:
    return NB201Space()
