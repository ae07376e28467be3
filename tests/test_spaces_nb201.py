"""NB201 adapter: conversions, validity and isomorphism on all 15,625 real cells."""
from __future__ import annotations

import csv
import re

import numpy as np
import pytest
import torch

from naslib_diffusionnag.errors import ConfigError, InvalidArchitectureError, UnknownNameError
from naslib_diffusionnag.oracles import resolve_data_file
from naslib_diffusionnag.spaces import NB201Space, get_space


def test_registry_lists_names_for_unknown_space():
    with pytest.raises(UnknownNameError, match="nb201"):
        get_space("nb999")


@pytest.mark.slow
def test_enumeration_is_exactly_the_benchmark(nb201, bench):
    listed = list(nb201.enumerate())
    assert len(listed) == len(set(listed)) == nb201.size == 15625
    assert set(listed) == set(bench.archs)


@pytest.mark.slow
def test_tensor_round_trip_all_cells(nb201, bench):
    x = nb201.encode(bench.archs)
    assert x.shape == (15625, 8, 7)
    assert torch.all(x.sum(-1) == 1)
    assert bool(nb201.validity(x).all())
    assert nb201.decode(x) == bench.archs


def test_string_rows_follow_the_string_order(nb201):
    arch = "|none~0|+|skip_connect~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|none~2|"
    x = nb201.encode_one(arch)
    tokens = [nb201.vocab[int(i)] for i in x.argmax(1)]
    assert tokens == ["input", "none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3",
                      "avg_pool_3x3", "none", "output"]


def test_op_indices_must_be_whole_numbers(nb201):
    """int() read 1.7, "1" and True as op index 1: a graph with a broken spec became a cell."""
    assert nb201.from_op_indices([1.0, 0, 0, 0, 0, 0]) == nb201.from_op_indices(np.array([1, 0, 0, 0, 0, 0]))
    for bad in ([1.7, 0, 0, 0, 0, 0], ["1", 0, 0, 0, 0, 0], [True, 0, 0, 0, 0, 0], [5, 0, 0, 0, 0, 0], [1, 0, 0]):
        with pytest.raises(InvalidArchitectureError, match="6 integers in 0..4"):
            nb201.from_op_indices(bad)


@pytest.mark.slow
def test_index_and_op_indices_round_trip_all_cells(nb201, bench):
    for i, arch in enumerate(bench.archs):
        t = nb201.to_op_indices(arch)
        assert nb201.from_op_indices(t) == arch
        assert bench.index(t) == i == bench.index(arch)
        assert bench.arch(i) == arch


@pytest.mark.slow
def test_op_indices_match_naslib_own_file(nb201, bench):
    """NASLib's zero-cost file pairs its op-index tuples with cell strings and NB201 indices."""
    path = resolve_data_file("nb201/val_acc_200ep_naslib_zc_subset.csv")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 2000
    for r in rows:
        t = tuple(int(v) for v in r["naslib_op_indices"].strip("()").split(","))
        assert nb201.from_op_indices(t) == r["arch_str"]
        assert nb201.to_op_indices(r["arch_str"]) == t
        assert bench.index(t) == int(r["nb201_index"])
    # the example of NASLib's documentation
    assert nb201.from_op_indices((4, 3, 3, 0, 0, 0)) == (
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|")


@pytest.mark.parametrize("bad, fragment", [
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|", "3 '+'-separated"),
    ("|conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown NB201 operation 'conv_5x5'"),
    ("|none~0|+|none~0|+|none~0|none~1|none~2|", "node 2 needs 2 incoming edges"),
    ("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", "should read '<op>~0'"),
    ("none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "wrapped in '|'"),
])
def test_malformed_strings_are_named(nb201, bad, fragment):
    with pytest.raises(InvalidArchitectureError, match=re.escape(fragment)):
        nb201.parse(bad)


@pytest.mark.parametrize("bad", [(0, 1, 2), (0, 1, 2, 3, 4, 5), (0, 0, 0, 0, 0, -1)])
def test_bad_op_indices(nb201, bad):
    with pytest.raises(InvalidArchitectureError, match="op indices"):
        nb201.from_op_indices(bad)


def _valid_matrix(nb201: NB201Space) -> torch.Tensor:
    return torch.from_numpy(nb201.encode_one(
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"))


def test_validity_rule_on_hand_made_matrices(nb201):
    good = _valid_matrix(nb201)
    empty_row = good.clone(); empty_row[3] = 0
    two_tokens = good.clone(); two_tokens[2, 2] = 1
    input_inside = good.clone(); input_inside[4] = 0; input_inside[4, 0] = 1
    output_inside = good.clone(); output_inside[5] = 0; output_inside[5, 1] = 1
    no_input = good.clone(); no_input[0] = 0; no_input[0, 3] = 1
    no_output = good.clone(); no_output[7] = 0; no_output[7, 2] = 1
    batch = torch.stack([good, empty_row, two_tokens, input_inside, output_inside, no_input, no_output])
    assert nb201.validity(batch).tolist() == [True] + [False] * 6
    assert nb201.decode(batch)[1:] == [None] * 6


def test_threshold_not_argmax(nb201):
    """A row with two entries above 0.5 must be invalid, though its argmax is well defined."""
    x01 = _valid_matrix(nb201) * 0.9 + 0.05
    assert bool(nb201.validity(nb201.discretize(x01[None]))[0])
    x01[2, 3] = 0.6
    assert not bool(nb201.validity(nb201.discretize(x01[None]))[0])


def test_validity_rejects_wrong_shape(nb201):
    with pytest.raises(InvalidArchitectureError, match="B x 8 x 7"):
        nb201.validity(torch.zeros(2, 8, 6))


def test_true_adjacency_is_the_cell_graph_and_official_swaps_3_and_4():
    true = NB201Space("true").adjacency()
    official = NB201Space("official").adjacency()
    assert torch.equal(true, torch.triu(true, 1))
    # edge node e feeds edge node f when e's target cell node is f's source cell node
    from naslib_diffusionnag.spaces.nb201 import EDGES
    for e, (tgt_e, _) in enumerate(EDGES, start=1):
        for f, (_, src_f) in enumerate(EDGES, start=1):
            assert true[e, f] == float(tgt_e == src_f)
    perm = [0, 1, 2, 4, 3, 5, 6, 7]
    assert torch.equal(true[perm][:, perm], official)
    assert not torch.equal(true, official)
    with pytest.raises(ConfigError, match="official"):
        NB201Space("swapped")


@pytest.mark.slow
def test_iso_key_coarsens_natsbench_unique_string(nb201, bench):
    classes: dict[str, set[str]] = {}
    for arch, unique in zip(bench.archs, bench.unique_strings, strict=True):
        classes.setdefault(unique, set()).add(nb201.iso_key(arch))
    assert all(len(keys) == 1 for keys in classes.values())
    n_keys = len({nb201.iso_key(a) for a in bench.archs})
    assert 1 < n_keys <= len(classes)


def test_iso_key_semantics(nb201):
    a = "|nor_conv_3x3~0|+|none~0|none~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|"
    b = "|nor_conv_1x1~0|+|none~0|none~1|+|avg_pool_3x3~0|nor_conv_3x3~1|none~2|"
    assert nb201.iso_key(a) != nb201.iso_key(b)  # conv order on the path matters
    # node 1 = input (skip): conv3(x) + conv1(x) either way round
    c = "|skip_connect~0|+|none~0|none~1|+|nor_conv_3x3~0|nor_conv_1x1~1|none~2|"
    d = "|skip_connect~0|+|none~0|none~1|+|nor_conv_1x1~0|nor_conv_3x3~1|none~2|"
    assert nb201.iso_key(c) == nb201.iso_key(d)
    # node 1 and node 2 fed identically: swapping what leaves them is the same function
    e = "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|avg_pool_3x3~1|skip_connect~2|"
    f = "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|skip_connect~1|avg_pool_3x3~2|"
    assert nb201.iso_key(e) == nb201.iso_key(f)
    all_none = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
    dead = "|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|none~0|none~1|none~2|"
    assert nb201.iso_key(all_none) == nb201.iso_key(dead) == "zero"


def test_sampling_is_seeded_and_covers_the_space(nb201):
    a = nb201.sample(2000, np.random.default_rng(3))
    assert a == nb201.sample(2000, np.random.default_rng(3))
    assert a != nb201.sample(2000, np.random.default_rng(4))
    assert all(nb201.parse(s) == s for s in a)
    ops = np.array([nb201.ops(s) for s in a])
    for op in ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"):
        share = (ops == op).mean()
        assert 0.17 < share < 0.23  # uniform: 0.2 each


def test_neighbours_differ_in_exactly_one_edge(nb201):
    arch = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|"
    nbrs = nb201.neighbours(arch)
    assert len(nbrs) == len(set(nbrs)) == 24 and arch not in nbrs
    base = nb201.ops(arch)
    assert all(sum(a != b for a, b in zip(nb201.ops(n), base, strict=True)) == 1 for n in nbrs)
    rng = np.random.default_rng(0)
    assert {nb201.mutate(arch, rng) for _ in range(300)} == set(nbrs)


@pytest.mark.parametrize("name", ["nb201", "mbv3"])
def test_decode_reads_what_validity_judged(name):
    """A NaN entry: validity read the row through the 0.5 threshold (the real operation), the
    string through an argmax (the NaN's column, skip_connect on NB201; a stage a layer short on
    MBv3). Arrays decode like tensors (AttributeError 'dim' before)."""
    from naslib_diffusionnag.spaces import get_space

    space = get_space(name)
    archs = space.sample(3, np.random.default_rng(1))
    x = space.encode(archs)
    assert space.decode(x.numpy()) == archs
    nan_col = next(c for c in range(x.shape[2]) if x[0, 3, c] == 0)
    x[0, 3, nan_col] = float("nan")
    assert space.decode(x) == archs
    x[1, 3] = float("nan")  # a whole row unset: invalid on NB201 (every edge has an op), shorter on MBv3
    assert space.decode(x)[1] != archs[1] and space.decode(x)[2] == archs[2]
