"""NB201 tabular data: known optima, query forms, NASLib pickle layout, clear errors."""
from __future__ import annotations

import csv
import pickle

import pytest

from naslib_diffusionnag.errors import DataFormatError, DataNotFoundError, UnknownNameError
from naslib_diffusionnag.oracles import DATA_DIR_ENV, NB201Benchmark, canonical_dataset
from naslib_diffusionnag.oracles.paths import data_dir_candidates

README_SHA256 = "cb5d777ec3368be83c8f9b3aa4d520696051cb0eb8d94b8f85b519f9ea4afa3e"  # data README


@pytest.mark.slow
def test_known_optima_and_checksum(bench):
    assert bench.checksum == README_SHA256
    assert bench.query(6111, "cifar10") == pytest.approx(94.3733, abs=1e-3)
    assert bench.best("cifar10")[0] == bench.arch(6111)
    assert bench.best("cifar100")[1] == pytest.approx(73.5133, abs=1e-3)
    assert bench.best("ImageNet16-120")[1] == pytest.approx(47.3111, abs=1e-3)
    assert bench.accuracy["cifar10"].mean() == pytest.approx(87.06, abs=0.01)
    assert "test accuracy" in bench.metric["cifar10"]


@pytest.mark.slow
def test_every_query_form_agrees(bench):
    arch = bench.arch(6111)
    ops = bench.space.to_op_indices(arch)
    values = {bench.query(q, "cifar100") for q in (6111, arch, ops, list(ops))}
    assert len(values) == 1
    assert bench.query_many([arch, 0], "imagenet16-120").tolist() == [
        bench.query(6111, "ImageNet16-120"), bench.query(0, "ImageNet16-120")]


def test_dataset_aliases_and_unknown():
    assert canonical_dataset("CIFAR-10") == "cifar10"
    assert canonical_dataset("ImageNet16") == "ImageNet16-120"
    with pytest.raises(UnknownNameError, match="ImageNet16-120 .120 classes at 16x16 pixels., not ImageNet-1k"):
        canonical_dataset("imagenet")  # a different dataset: refused, not silently swapped
    with pytest.raises(UnknownNameError, match="cifar10, cifar100, ImageNet16-120"):
        canonical_dataset("svhn")


def test_missing_file_names_path_and_fix(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(DataNotFoundError, match="nope.csv.*does not exist.*DIFFUSIONNAG_DATA_DIR"):
        NB201Benchmark.load(missing)


def test_data_dir_env_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    monkeypatch.chdir(tmp_path)  # so ../shared/data relative to cwd is not found either
    (tmp_path / "nb201").mkdir()
    (tmp_path / "nb201" / "nats_bench.csv").write_text("a,b\n1,2\n")
    with pytest.raises(DataFormatError, match="columns .* are missing"):
        NB201Benchmark.load()


def test_a_data_dir_env_that_is_no_folder_is_an_error(tmp_path, monkeypatch):
    """It fell back to ../shared/data silently: a user's choice of data must hold or fail.
    (``data_dir_candidates`` imported at collection is the real one; fast tests patch the module's.)"""
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(DataNotFoundError, match=f"{DATA_DIR_ENV}=.*nowhere is not a folder.*unset it"):
        data_dir_candidates()
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert data_dir_candidates() == [tmp_path]  # a folder given is the only place looked in


@pytest.mark.slow
def test_wrong_format_and_bad_rows(tmp_path, bench):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n")
    with pytest.raises(DataFormatError, match="not a NATS-Bench NB201 table"):
        NB201Benchmark.load(bad)
    short = tmp_path / "short.csv"
    with open(bench.source, newline="") as f:
        lines = f.readlines()[:11]
    short.write_text("".join(lines))
    with pytest.raises(DataFormatError, match="10 rows"):
        NB201Benchmark.load(short)
    junk = tmp_path / "junk.pickle"
    junk.write_bytes(b"\x00garbage")
    with pytest.raises(DataFormatError, match="not a readable pickle"):
        NB201Benchmark.load(junk)


@pytest.mark.slow
def test_unknown_arch_and_index(bench):
    from naslib_diffusionnag.errors import InvalidArchitectureError
    with pytest.raises(InvalidArchitectureError, match="out of range"):
        bench.query(15625, "cifar10")
    with pytest.raises(InvalidArchitectureError, match="unknown NB201 operation"):
        bench.query("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", "cifar10")


@pytest.mark.slow
def test_naslib_pickle_layout(tmp_path, bench):
    """A pickle in NASLib's nb201 layout (arch_str -> split -> eval_acc1es), filled with the
    real CSV values, reads back the same numbers and says which split it read."""
    data = {
        arch: {"cifar10-valid": {"eval_acc1es": [float("nan")] * 199 + [float(c10)]},
               "cifar100": {"eval_acc1es": [float("nan")] * 199 + [float(c100)]}}
        for arch, c10, c100 in zip(bench.archs, bench.accuracy["cifar10"], bench.accuracy["cifar100"],
                                   strict=True)
    }
    path = tmp_path / "nb201_cifar10_full_training.pickle"
    path.write_bytes(pickle.dumps(data))
    nas = NB201Benchmark.load(path)
    assert nas.query(6111, "cifar10") == pytest.approx(bench.query(6111, "cifar10"))
    assert nas.query(bench.arch(42), "cifar100") == pytest.approx(bench.query(42, "cifar100"))
    assert "cifar10-valid" in nas.metric["cifar10"]
    with pytest.raises(UnknownNameError, match="ImageNet16-120.*not in"):
        nas.query(0, "ImageNet16-120")


@pytest.mark.slow
def test_csv_rows_are_benchmark_indices(bench):
    """Row i of nats_bench.csv is index i: the HELP latency file, keyed by index, lists the
    same number of cells and index 6111 is the CIFAR-10 optimum in the FLOPs file too."""
    from naslib_diffusionnag.oracles import resolve_data_file
    with open(resolve_data_file("nb201/cost_flops_params.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    assert [bench.space.parse(r["arch_str"]) for r in rows[:500]] == bench.archs[:500]
    assert rows[6111]["arch_str"] == bench.arch(6111)
