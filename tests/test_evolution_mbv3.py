"""OFA's evolutionary search (the latency-constrained baseline of the MBv3 benchmark) on the
real OFA accuracy predictor and Note10 latency tables."""
from __future__ import annotations

import numpy as np
import pytest

from naslib_diffusionnag.bo.evolution import OFAEvolution
from naslib_diffusionnag.oracles.mbv3 import Note10Latency, OFAAccuracyPredictor

pytestmark = pytest.mark.slow  # every test here reads ../shared/data/mbv3


@pytest.fixture(scope="module")
def oracles():
    acc, lat = OFAAccuracyPredictor(), Note10Latency()
    return (lambda a: acc.predict(a, 224)), (lambda a: lat.predict(a, 224))


def test_respects_the_budget_counts_calls_and_is_deterministic(oracles):
    acc, lat = oracles
    evo = OFAEvolution(population_size=20)
    a = evo.run(acc, lat, 32.0, 120, seed=1)
    b = evo.run(acc, lat, 32.0, 120, seed=1)
    assert a.best_arch == b.best_arch and a.incumbent == b.incumbent
    assert a.objective_calls == 120 == len(a.incumbent)
    assert a.constraint_calls >= 120  # infeasible draws cost a table lookup, not an oracle call
    assert lat([a.best_arch])[0] <= 32.0
    assert a.best_value == pytest.approx(acc([a.best_arch])[0])
    assert np.all(np.diff(a.incumbent) >= 0)


def test_beats_its_own_random_initial_population(oracles):
    acc, lat = oracles
    res = OFAEvolution(population_size=20).run(acc, lat, 35.0, 400, seed=0)
    assert res.incumbent[-1] > res.incumbent[19] + 0.3  # generations improve on the random start


def test_unreachable_budget_is_reported(oracles):
    acc, lat = oracles
    with pytest.raises(RuntimeError, match="budget is below"):
        OFAEvolution(population_size=2, max_redraws=50).run(acc, lat, 5.0, 4, seed=0)
