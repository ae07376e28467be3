"""MobileNetV3 / OFA adapter: conversions on the published OFA nets and the measured subnets,
validity rule per violation type, uniform sampling, neighbourhoods."""
from __future__ import annotations

import csv
import json
import re

import numpy as np
import pytest
import torch

from naslib_diffusionnag.errors import InvalidArchitectureError
from naslib_diffusionnag.oracles import resolve_data_file
from naslib_diffusionnag.spaces import MBv3Space, get_space


@pytest.fixture(scope="module")
def mbv3() -> MBv3Space:
    return get_space("mbv3")


def _rows(name: str) -> list[dict[str, str]]:
    with open(resolve_data_file(f"mbv3/{name}"), newline="") as f:
        return list(csv.DictReader(f))


def _active_equal(ofa_a: dict, ofa_b: dict) -> bool:
    if list(ofa_a["d"]) != list(ofa_b["d"]):
        return False
    for s, depth in enumerate(ofa_a["d"]):
        for i in range(depth):
            j = 4 * s + i
            if (ofa_a["ks"][j], ofa_a["e"][j]) != (ofa_b["ks"][j], ofa_b["e"][j]):
                return False
    return True


@pytest.mark.slow  # reads ../shared/data/mbv3
def test_published_ofa_nets_round_trip(mbv3):
    nets = [r for r in _rows("ofa_specialized_summary.csv") if r["net_name"] == "MobileNetV3"]
    assert len(nets) == 34
    for r in nets:
        ofa = {k: json.loads(r[k]) for k in ("ks", "e", "d")}
        arch = mbv3.from_ofa(ofa["ks"], ofa["e"], ofa["d"])
        assert mbv3.parse(arch) == arch
        assert _active_equal(mbv3.to_ofa(arch), ofa)
        x = mbv3.encode([arch])
        assert bool(mbv3.validity(x)[0]) and mbv3.decode(x) == [arch]
        assert int(x.sum()) == sum(ofa["d"])  # one token per active layer, zero rows elsewhere


@pytest.mark.slow  # reads ../shared/data/mbv3
def test_measured_subnets_parse_and_inactive_slots_are_ignored(mbv3):
    """The file's 2,223 rows are distinct as raw lists, but some differ only in the values of
    inactive slots, which OFA ignores: the adapter must merge exactly those."""
    rows = _rows("measured_top1_ofa_mbv3_w1.0_r224_dynast.csv")
    archs = [mbv3.from_ofa(json.loads(r["ks"]), json.loads(r["e"]), json.loads(r["d"])) for r in rows]
    masked = set()
    for r in rows:
        ks, e, d = json.loads(r["ks"]), json.loads(r["e"]), json.loads(r["d"])
        masked.add(tuple((s, i, ks[4 * s + i], e[4 * s + i]) for s in range(5) for i in range(d[s])))
    assert len(rows) == 2223 and len(set(archs)) == len(masked) < len(rows)
    x = mbv3.encode(archs)
    assert bool(mbv3.validity(x).all()) and mbv3.decode(x) == archs


def test_space_size_and_structure(mbv3):
    assert mbv3.size == pytest.approx(2.18e19, rel=0.01)
    a = mbv3.adjacency()
    assert torch.equal(a, torch.triu(a, 1)) and int(a.sum()) == 19
    assert mbv3.positions().tolist() == [0, 1, 2, 3] * 5


def _valid(mbv3) -> torch.Tensor:
    return mbv3.encode(mbv3.sample(1, np.random.default_rng(0)))[0]


def test_validity_rule_per_violation(mbv3):
    good = _valid(mbv3)
    full = mbv3.encode(["_".join(["4-3-3"] * 20)])[0]
    two_tokens = good.clone(); two_tokens[0, :2] = 1
    slot1_empty = good.clone(); slot1_empty[4] = 0
    slot2_empty = good.clone(); slot2_empty[9] = 0
    gap = full.clone(); gap[14] = 0  # slot 3 of stage 4 empty, slot 4 active
    empty_stage = good.clone(); empty_stage[16:20] = 0
    batch = torch.stack([good, full, two_tokens, slot1_empty, slot2_empty, gap, empty_stage])
    assert mbv3.validity(batch).tolist() == [True, True, False, False, False, False, False]
    with pytest.raises(InvalidArchitectureError, match="B x 20 x 9"):
        mbv3.validity(torch.zeros(1, 20, 7))


@pytest.mark.parametrize("bad, fragment", [
    ("_".join(["4-3-3"] * 19), "20 '_'-separated"),
    ("_".join(["4-9-3"] + ["4-3-3"] * 19), "kernel must be one of"),
    ("_".join(["4-3-x"] + ["4-3-3"] * 19), "expected d-k-e"),
    ("_".join(["2-3-3", "2-3-3", "0-0-0", "2-3-3"] + ["4-3-3"] * 16), "active slot after a skipped one"),
    ("_".join(["1-3-3", "0-0-0", "0-0-0", "0-0-0"] + ["4-3-3"] * 16), "depth 2-4"),
    ("_".join(["3-3-3"] * 4 + ["4-3-3"] * 16), "depth 2-4"),
])
def test_malformed_strings(mbv3, bad, fragment):
    with pytest.raises(InvalidArchitectureError, match=fragment):
        mbv3.parse(bad)


def test_bad_ofa_lists(mbv3):
    with pytest.raises(InvalidArchitectureError, match="20 ks"):
        mbv3.from_ofa([3] * 19, [3] * 20, [2] * 5)
    with pytest.raises(InvalidArchitectureError, match=re.escape("OFA d[4] = 5 (int) is not one of (2, 3, 4)")):
        mbv3.from_ofa([3] * 20, [3] * 20, [2, 2, 2, 2, 5])
    with pytest.raises(InvalidArchitectureError, match=re.escape("OFA e[0] = 5 (int) is not one of (3, 4, 6)")):
        mbv3.from_ofa([3] * 20, [5] * 20, [2] * 5)
    # int() floored 3.9 to the valid kernel 3: a different subnet, silently
    with pytest.raises(InvalidArchitectureError, match=re.escape("OFA ks[0] = 3.9 (float) is not one of (3, 5, 7)")):
        mbv3.from_ofa([3.9] * 20, [3] * 20, [2] * 5)
    # the string '2' read as if the depth 2 were refused
    with pytest.raises(InvalidArchitectureError, match=re.escape("OFA d[0] = '2' (str) is not one of (2, 3, 4)")):
        mbv3.from_ofa([3] * 20, [3] * 20, ["2"] * 5)
    with pytest.raises(InvalidArchitectureError, match=re.escape("OFA ks[0] = True (bool)")):
        mbv3.from_ofa([True] * 20, [3] * 20, [2] * 5)
    # a missing list was a raw TypeError (len of None), a string of digits read as a list
    with pytest.raises(InvalidArchitectureError, match="OFA's ks, e and d must be lists of integers, got NoneType, "):
        mbv3.from_ofa(None, [3] * 20, [2] * 5)
    with pytest.raises(InvalidArchitectureError, match="got list, list, str"):
        mbv3.from_ofa([3] * 20, [3] * 20, "22222")
    # a float array of valid choices is what an optimiser hands over: it reads as those choices
    assert mbv3.from_ofa(np.full(20, 3.0), np.full(20, 4.0), np.full(5, 2.0)) == mbv3.from_ofa([3] * 20, [4] * 20, [2] * 5)


def test_sampling_is_uniform_over_architectures(mbv3):
    archs = mbv3.sample(4000, np.random.default_rng(1))
    assert archs == mbv3.sample(4000, np.random.default_rng(1))
    depths = np.array([mbv3.to_ofa(a)["d"] for a in archs]).ravel()
    # uniform over architectures: P(d) = 9^d / (9^2 + 9^3 + 9^4)
    expected = np.array([81, 729, 6561]) / 7371
    observed = np.array([(depths == d).mean() for d in (2, 3, 4)])
    assert np.allclose(observed, expected, atol=0.015)
    ks = np.array([mbv3.to_ofa(a)["ks"][0] for a in archs])
    assert all(0.29 < (ks == k).mean() < 0.38 for k in (3, 5, 7))


def test_neighbours(mbv3):
    arch = mbv3.from_ofa([3] * 20, [3] * 20, [2, 3, 4, 2, 4])
    nbrs = mbv3.neighbours(arch)
    assert len(nbrs) == len(set(nbrs)) and arch not in nbrs
    # 15 active layers x 8 other tokens + 3 deepenable stages x 9 + 3 shallowable stages
    assert len(nbrs) == 15 * 8 + 3 * 9 + 3
    assert all(mbv3.parse(n) == n for n in nbrs)


def test_mutation_is_a_uniform_neighbour_drawn_as_the_base_class_draws_it(mbv3):
    """The direct mutation returns exactly what picking from the listed neighbours returns with
    the same random draw (so searches stay what they were), over every depth combination."""
    from naslib_diffusionnag.spaces.base import SearchSpace

    archs = mbv3.sample(200, np.random.default_rng(0))
    depths = {tuple(len(stage) for stage in mbv3.layers(a)) for a in archs}
    assert {d for ds in depths for d in ds} == {2, 3, 4}
    fast, listed = np.random.default_rng(5), np.random.default_rng(5)
    for arch in archs:
        for _ in range(25):
            assert mbv3.mutate(arch, fast) == SearchSpace.mutate(mbv3, arch, listed)


def test_training_split_of_a_large_space_is_a_seeded_sample(mbv3):
    from naslib_diffusionnag.generation import split_from_spec, training_split
    from naslib_diffusionnag.spaces import NB201Space
    archs, spec = training_split(mbv3, 1.0, seed=5, size=500)
    assert spec["kind"] == "sample" and spec["size"] == len(archs) == 500
    assert split_from_spec(mbv3, spec) == archs
    assert archs != training_split(mbv3, 1.0, seed=6, size=500)[0]
    with pytest.raises(ValueError, match="give --train-size"):
        training_split(mbv3, 0.5, seed=0)
    with pytest.raises(ValueError, match="use --train-split"):
        training_split(NB201Space(), 1.0, seed=0, size=100)


def test_enumerating_a_space_too_large_to_list_says_so():
    from naslib_diffusionnag.errors import ConfigError, SpaceTooLargeError

    with pytest.raises(SpaceTooLargeError, match="cannot be enumerated; draw a training set with sample"):
        next(iter(MBv3Space().enumerate()))
    assert issubclass(SpaceTooLargeError, ConfigError)
