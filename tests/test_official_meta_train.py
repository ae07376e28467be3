"""DiffusionNAG's official meta-training .pt files (source ``official:DIR``). The files are not in
../shared/data, so the tests write that layout from the real converted CSVs (every record, the
task list, a permutation with the official validation split first) and check the loader reads
back what the CSV loader reads; igraph graphs are left out (the loader does not need them)."""
from __future__ import annotations

import csv
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from naslib_diffusionnag.errors import DataFormatError, DataNotFoundError, MissingDependencyError
from naslib_diffusionnag.oracles.paths import resolve_data_file
from naslib_diffusionnag.transfer.metadata import load_meta_train_db, parse_sources
from naslib_diffusionnag.transfer.official import (
    N_EVAL,
    PERMUTATION,
    RECORDS,
    TASK_LIST,
    load_official_meta_train,
)

pytestmark = pytest.mark.slow  # reads ../shared/data/transfer

OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]  # numbered from 2 in the files


def _matrix(arch: str) -> np.ndarray:
    """The official operator matrix of a cell: ``m[j][i]`` = number of the op on edge i -> j."""
    m = np.zeros((4, 4))
    for j, node in enumerate(arch.split("+"), start=1):
        for edge in node.strip("|").split("|"):
            op, i = edge.split("~")
            m[j, int(i)] = OPS.index(op) + 2
    return m


def _csv_rows(name: str) -> list[dict[str, str]]:
    with open(resolve_data_file(f"transfer/{name}"), newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def official(tmp_path_factory) -> Path:
    """The official layout written from meta_train_db.csv and meta_train_task_lst.csv."""
    folder = tmp_path_factory.mktemp("transfer_nag")
    rows = _csv_rows("meta_train_db.csv")
    records = {"acc": [float(r["acc"]) for r in rows], "task": [int(r["task_id"]) for r in rows],
               "str": [r["arch_str"] for r in rows], "matrix": [_matrix(r["arch_str"]) for r in rows]}
    torch.save(records, folder / RECORDS)
    split = np.array([r["split"] for r in rows])
    torch.save(torch.tensor(np.concatenate([np.flatnonzero(split == "eval"), np.flatnonzero(split == "train")])),
               folder / PERMUTATION)
    torch.save([[int(r[f"c{i:02d}"]) for i in range(20)] for r in _csv_rows("meta_train_task_lst.csv")],
               folder / TASK_LIST)
    return folder


def test_official_files_read_as_the_converted_csv(official) -> None:
    got, want = load_official_meta_train(official, allow_unverified=True), load_meta_train_db()
    assert len(got) == len(want) == 4630 and (got.split == "eval").sum() == N_EVAL
    assert got.archs == want.archs and np.array_equal(got.split, want.split)
    assert np.allclose(got.values, want.values, atol=1e-6)
    assert [got.tasks[i] for i in got.task] == [want.tasks[i] for i in want.task]
    assert len(got.tasks) == 3031 and got.sources[0]["source"] == f"official:{official}"
    both = parse_sources([f"official:{official}"], allow_unverified=True)
    assert both.archs == got.archs


def test_official_files_are_checked(official, tmp_path) -> None:
    with pytest.raises(DataFormatError, match=f"is not the official {RECORDS}"):
        load_official_meta_train(official)  # written here, so not the published bytes
    with pytest.raises(DataNotFoundError, match=f"lacks {RECORDS}, {PERMUTATION}, {TASK_LIST}"):
        load_official_meta_train(tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in (PERMUTATION, TASK_LIST):
        (bad / name).write_bytes((official / name).read_bytes())
    records = torch.load(official / RECORDS, weights_only=False)
    other = next(a for a in records["str"] if a != records["str"][7])
    records["matrix"][7] = _matrix(other)  # record 7's matrix now describes another cell
    torch.save(records, bad / RECORDS)
    with pytest.raises(DataFormatError, match="record 7: its string .* and its operator matrix"):
        load_official_meta_train(bad, allow_unverified=True)
    for damaged in (b"", b"plain text, not a pickle\n", (official / RECORDS).read_bytes()[:100]):
        (bad / RECORDS).write_bytes(damaged)  # an EOFError / UnpicklingError traceback before
        with pytest.raises(DataFormatError, match=f"{RECORDS} cannot be read as a torch file .* it is damaged"):
            load_official_meta_train(bad, allow_unverified=True)


def test_igraph_is_named_when_missing(official, tmp_path, monkeypatch) -> None:
    """The real files pickle python-igraph graphs: without igraph the error names the extra."""
    fake = types.ModuleType("igraph")

    class Graph:
        pass

    Graph.__module__, Graph.__qualname__, fake.Graph = "igraph", "Graph", Graph
    monkeypatch.setitem(sys.modules, "igraph", fake)
    folder = tmp_path / "with_graphs"
    folder.mkdir()
    records = {**torch.load(official / RECORDS, weights_only=False), "g": [Graph()]}
    torch.save(records, folder / RECORDS)
    for name in (PERMUTATION, TASK_LIST):
        (folder / name).write_bytes((official / name).read_bytes())
    monkeypatch.setitem(sys.modules, "igraph", None)  # as if igraph were not installed
    with pytest.raises(MissingDependencyError, match=r"naslib-diffusionnag\[official\]"):
        load_official_meta_train(folder, allow_unverified=True)
