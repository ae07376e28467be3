"""Every data file a property reads is the documented one (``paths.KNOWN_SHA256``) unless the user
passes ``allow_unverified`` (``--allow-unverified-data``), and a file that cannot be read is a
one-line ``DataFormatError`` naming it and the fix.

Altered copies are written to ``tmp_path`` from the real files' contents; the real files are only
ever read. Tests without real data (hand-made files) run in the fast tier; the others are slow."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from naslib_diffusionnag.cli import main
from naslib_diffusionnag.errors import ConfigError, DataFormatError
from naslib_diffusionnag.oracles import space_property
from naslib_diffusionnag.oracles.mbv3 import (
    I7_FILE,
    NOTE10_DIR,
    PREDICTOR_FILE,
    I7Latency,
    Note10Latency,
    OFAAccuracyPredictor,
)
from naslib_diffusionnag.oracles.nb201_properties import COST_FILE, LATENCY_FILE, nb201_property
from naslib_diffusionnag.oracles.paths import DATA_DIR_ENV, KNOWN_SHA256, resolve_data_file, sha256
from naslib_diffusionnag.oracles.properties import PROPERTIES
from naslib_diffusionnag.spaces.mbv3 import MBv3Space

I7_KEY = "first_conv-input:224x224x3-output:112x112x24"  # the first layer of a w1.2 subnet at r=224


def _one_line(e: pytest.ExceptionInfo[BaseException], *parts: str) -> str:
    msg = str(e.value)
    assert "\n" not in msg and all(p in msg for p in parts), msg
    return msg


def _refused(e: pytest.ExceptionInfo[BaseException], relative: str) -> None:
    _one_line(e, f"is not the documented {Path(relative).name}", f"../shared/data/{relative}", "--allow-unverified-data")


def _predictor_net() -> nn.Sequential:  # OFA's predictor layout, random weights
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(128, 400), nn.ReLU(), nn.Linear(400, 400), nn.ReLU(),
                         nn.Linear(400, 400), nn.ReLU(), nn.Linear(400, 1))


def _run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    out = json.loads(captured.out.strip().splitlines()[-1]) if code == 0 and "--json" in argv else None
    return code, out, captured.err


def test_property_options_do_not_list_allow_unverified():
    """Every space takes it, so it is no option of one space (the error naming a space's options)."""
    assert PROPERTIES.get("nb201").options == ["bench", "data_dir"]
    assert PROPERTIES.get("mbv3").options == ["resolution", "width"]


# ---- hand-made files (fast tier): refused unless allow_unverified ---------------------------------
def test_hand_made_tables_and_predictor_are_refused_unless_allowed(tmp_path):
    i7 = tmp_path / "lut.yaml"
    i7.write_text(f"{I7_KEY}: {{mean: 0.2, var: 0.0}}\n")
    with pytest.raises(DataFormatError) as e:
        I7Latency(i7)
    _refused(e, I7_FILE)
    lat = I7Latency(i7, allow_unverified=True)
    assert lat.resolutions() == [224] and lat.provenance()["sha256"] == lat.table_checksum(224) == sha256(i7)

    (tmp_path / "note10").mkdir()
    table = tmp_path / "note10" / "224_lookup_table.yaml"
    table.write_text("Conv-input:224x224x3-output:112x112x24: {count: 1, mean: 0.5, std: 0.1}\n")
    with pytest.raises(DataFormatError) as e:
        Note10Latency(tmp_path / "note10").table_checksum(224)  # tables are read when first queried
    _refused(e, f"{NOTE10_DIR}/224_lookup_table.yaml")
    assert Note10Latency(tmp_path / "note10", allow_unverified=True).table_checksum(224) == sha256(table)

    pth = tmp_path / "mine.pth"
    torch.save(_predictor_net().state_dict(), pth)
    with pytest.raises(DataFormatError) as e:
        OFAAccuracyPredictor(pth)
    _refused(e, PREDICTOR_FILE)
    assert OFAAccuracyPredictor(pth, allow_unverified=True).provenance()["sha256"] == sha256(pth)


def test_allow_unverified_reaches_the_mbv3_predictor_through_space_property_and_the_cli(tmp_path, monkeypatch, capsys):
    (tmp_path / "mbv3").mkdir()
    pth = tmp_path / PREDICTOR_FILE
    torch.save(_predictor_net().state_dict(), pth)
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DataFormatError) as e:
        space_property("mbv3", "accuracy")
    _refused(e, PREDICTOR_FILE)
    assert space_property("mbv3", "accuracy", allow_unverified=True).checksum == sha256(pth)

    argv = ["sample", "--space", "mbv3", "--n", "5", "--steps", "2", "--dataset", "imagenet", "--no-progress"]
    code, _, err = _run(capsys, *argv)
    assert code == 2 and "is not the documented ofa_acc_predictor.pth" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    code, out, _ = _run(capsys, *argv, "--allow-unverified-data", "--json")
    assert code == 0 and out["properties"]["true_accuracy"]["sha256"] == sha256(pth)


# ---- corrupt files (fast tier): one line naming the file and the fix ------------------------------
@pytest.mark.parametrize("content, problem", [
    (f"{I7_KEY}: {{mean: 0.2, var: 0.0}}\nMBConv-input: [1, 2\nfinal: 3\n", r"is not valid YAML \(line \d+: "),
    (f"{I7_KEY}:\n  mean: 0.2\n  var", r"is not valid YAML \(line \d+: "),  # truncated mid-entry
    (b"\xff\xfe\x00\x81garbage", "is not valid YAML"),
    (f"{I7_KEY}: {{mean: 0.2}}\n", r"is not NSGANetV2's i7-8700K table \(entries need mean and var\): an entry has no 'var'"),
    (f"{I7_KEY}: {{mean: fast, var: 0}}\n", "entries need mean and var"),
    ("", "not a mapping of layer keys to entries"),
    ("- 1\n- 2\n", "not a mapping of layer keys to entries"),
])
def test_a_corrupt_i7_table_is_one_line(tmp_path, content, problem):
    path = tmp_path / "lut.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    for allow in (False, True):  # a file that cannot be read is refused either way
        with pytest.raises(DataFormatError, match=problem) as e:
            I7Latency(path, allow_unverified=allow)
        _one_line(e, str(path), f"restore it from ../shared/data/{I7_FILE}")


def test_a_latency_table_without_any_resolution_is_named(tmp_path):
    """Read with --allow-unverified-data, a table cut down to entries of no first layer listed
    its resolutions as "available: ." (none)."""
    path = tmp_path / "lut.yaml"
    path.write_text("final_expand-input:7x7x192-output:7x7x1152: {mean: 0.2, var: 0.0}\n")
    with pytest.raises(ConfigError) as e:
        I7Latency(path, allow_unverified=True).check_resolution(224)
    _one_line(e, "the i7-8700K latency table holds no resolution at all: its file is empty or truncated")


@pytest.mark.parametrize("content, problem", [
    ("Conv-input:224x224x3-output:112x112x24:\n  count: 4\n  mean: 0.5\nexpanded_conv-input", "is not valid YAML"),
    ("Conv-input:224x224x3-output:112x112x24: {count: 4, std: 0.1}\n", "an entry has no 'mean'"),
])
def test_a_corrupt_note10_table_is_one_line(tmp_path, content, problem):
    (tmp_path / "224_lookup_table.yaml").write_text(content)
    with pytest.raises(DataFormatError, match=problem) as e:
        Note10Latency(tmp_path, allow_unverified=True).latency(MBv3Space().sample(1, np.random.default_rng(0))[0], 224)
    _one_line(e, "224_lookup_table.yaml", f"restore it from ../shared/data/{NOTE10_DIR}/224_lookup_table.yaml")


def _saved(path: Path, obj: object) -> Path:
    torch.save(obj, path)
    return path


@pytest.mark.parametrize("make, problem", [
    (lambda p: p.write_bytes(np.random.default_rng(0).bytes(2000)), "torch cannot load it with weights_only=True"),
    (lambda p: p.write_text("hello\n"), "torch cannot load it with weights_only=True"),
    (lambda p: p.write_bytes(b""), "torch cannot load it with weights_only=True"),
    (lambda p: p.write_bytes(_saved(p, _predictor_net().state_dict()).read_bytes()[:100_000]),  # truncated
     "torch cannot load it with weights_only=True"),
    (lambda p: _saved(p, {"x": Path("an object, not a tensor")}), "torch cannot load it with weights_only=True"),
    (lambda p: _saved(p, {"x": torch.zeros(3)}), "its tensors are not those of Linear"),
    (lambda p: _saved(p, torch.zeros(3)), "its tensors are not those of Linear"),
])
def test_a_garbage_predictor_is_one_line(tmp_path, make, problem):
    path = tmp_path / "ofa_acc_predictor.pth"
    make(path)
    for allow in (False, True):
        with pytest.raises(DataFormatError, match=problem) as e:
            OFAAccuracyPredictor(path, allow_unverified=allow)
        msg = _one_line(e, str(path), "is not OFA's accuracy-predictor state dict",
                        f"restore it from ../shared/data/{PREDICTOR_FILE}")
        assert "weights_only=False" not in msg


# ---- the real files (slow tier) -----------------------------------------------------------------
@pytest.mark.slow
def test_every_known_checksum_is_the_shipped_files():
    note10 = {f"{NOTE10_DIR}/{p.name}" for p in resolve_data_file(f"{NOTE10_DIR}/224_lookup_table.yaml").parent.glob("*.yaml")}
    assert len(note10) == 17 and note10 | {I7_FILE, PREDICTOR_FILE, LATENCY_FILE, COST_FILE} <= set(KNOWN_SHA256)
    for relative, expected in KNOWN_SHA256.items():
        assert sha256(resolve_data_file(relative)) == expected, relative


@pytest.mark.slow
def test_the_real_files_load_and_record_their_checksums(bench):
    for r in Note10Latency().resolutions():
        prop = space_property("mbv3", "latency:note10", resolution=r)
        assert prop.checksum == KNOWN_SHA256[f"{NOTE10_DIR}/{r}_lookup_table.yaml"]
    assert space_property("mbv3", "latency:i7", resolution=160).checksum == KNOWN_SHA256[I7_FILE]
    assert space_property("mbv3", "accuracy").checksum == KNOWN_SHA256[PREDICTOR_FILE]
    assert space_property("nb201", "latency:pixel3", bench=bench).checksum == KNOWN_SHA256[LATENCY_FILE]
    assert space_property("nb201", "flops:cifar10", bench=bench).checksum == KNOWN_SHA256[COST_FILE]


# ---- altered copies of the real files (slow tier) ---------------------------------------------------
def _copy(relative: str, root: Path, edit=lambda text: text) -> Path:
    """``root/relative``, written with the real file's text passed through ``edit``."""
    dst = root / relative
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(edit(resolve_data_file(relative).read_text()))
    return dst


def _means_x100(text: str) -> str:
    return re.sub(r"(mean: )([-0-9.eE+]+)", lambda m: m.group(1) + repr(100 * float(m.group(2))), text)


def _arch() -> str:
    return MBv3Space().sample(1, np.random.default_rng(0))[0]


@pytest.mark.slow
@pytest.mark.parametrize("name, relative", [
    ("latency:i7", I7_FILE), ("latency:note10", f"{NOTE10_DIR}/224_lookup_table.yaml")])
def test_an_altered_latency_table_is_refused_unless_allowed(tmp_path, monkeypatch, name, relative):
    real = space_property("mbv3", name).evaluate([_arch()])[0]
    if name == "latency:note10":  # the folder is read as a whole: the other 16 tables are faithful copies
        for r in Note10Latency().resolutions():
            _copy(f"{NOTE10_DIR}/{r}_lookup_table.yaml", tmp_path)
    altered = _copy(relative, tmp_path, _means_x100)
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DataFormatError) as e:
        space_property("mbv3", name)
    _refused(e, relative)
    prop = space_property("mbv3", name, allow_unverified=True)
    assert prop.checksum == sha256(altered) and prop.source == str(altered)
    assert prop.evaluate([_arch()])[0] == pytest.approx(100 * real, rel=1e-9)
    if name == "latency:note10":  # each table is checked on its own: another resolution's is the real one
        assert space_property("mbv3", name, resolution=192).checksum == KNOWN_SHA256[f"{NOTE10_DIR}/192_lookup_table.yaml"]


@pytest.mark.slow
def test_an_altered_predictor_is_refused_unless_allowed(tmp_path, monkeypatch):
    state = torch.load(resolve_data_file(PREDICTOR_FILE), map_location="cpu", weights_only=True)
    state["6.bias"] = state["6.bias"] + 0.05  # every prediction 5 points of top-1 higher
    (tmp_path / "mbv3").mkdir()
    torch.save(state, tmp_path / PREDICTOR_FILE)
    real = space_property("mbv3", "accuracy").evaluate([_arch()])[0]
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DataFormatError) as e:
        space_property("mbv3", "accuracy")
    _refused(e, PREDICTOR_FILE)
    prop = space_property("mbv3", "accuracy", allow_unverified=True)
    assert prop.checksum == sha256(tmp_path / PREDICTOR_FILE)
    assert prop.evaluate([_arch()])[0] == pytest.approx(real + 5.0, abs=1e-3)


def _edit_first_row(column: str):
    def edit(text: str) -> str:
        rows = list(csv.DictReader(text.splitlines()))
        rows[0][column] = str(float(rows[0][column]) + 1000)
        lines = [",".join(rows[0].keys())] + [",".join(r.values()) for r in rows]
        return "\n".join(lines) + "\n"
    return edit


@pytest.mark.slow
@pytest.mark.parametrize("name, relative, column", [
    ("latency:pixel3", LATENCY_FILE, "lat_pixel3"), ("flops:cifar10", COST_FILE, "cifar10_flops_M")])
def test_an_altered_nb201_cost_file_is_refused_unless_allowed(bench, tmp_path, name, relative, column):
    altered = _copy(relative, tmp_path, _edit_first_row(column))
    with pytest.raises(DataFormatError) as e:
        nb201_property(name, bench, tmp_path)
    _refused(e, relative)
    prop = space_property("nb201", name, bench=bench, data_dir=tmp_path, allow_unverified=True)
    real = space_property("nb201", name, bench=bench)
    assert prop.checksum == sha256(altered) and prop.values[0] == pytest.approx(real.values[0] + 1000)
    assert np.array_equal(prop.values[1:], real.values[1:])


@pytest.mark.slow
def test_cli_sample_refuses_an_altered_table_unless_allowed(tmp_path, monkeypatch, capsys):
    """The audit's case: an i7 table with every mean x100 under DIFFUSIONNAG_DATA_DIR was used."""
    altered = _copy(I7_FILE, tmp_path, _means_x100)
    (tmp_path / PREDICTOR_FILE).write_bytes(resolve_data_file(PREDICTOR_FILE).read_bytes())  # true_accuracy reads it
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    argv = ["sample", "--space", "mbv3", "--n", "5", "--steps", "2", "--guide", "latency:i7", "--no-progress"]
    code, _, err = _run(capsys, *argv)
    assert code == 2 and "is not the documented latency_lut_i7-8700K.yaml" in err and "--allow-unverified-data" in err
    assert len(err.strip().splitlines()) == 1
    code, out, _ = _run(capsys, *argv, "--allow-unverified-data", "--json")
    assert code == 0 and out["properties"]["true_latency:i7"]["sha256"] == sha256(altered)
    assert out["properties"]["true_accuracy"]["sha256"] == KNOWN_SHA256[PREDICTOR_FILE]


@pytest.mark.slow
def test_cli_sample_refuses_an_altered_nb201_latency_file_unless_allowed(tmp_path, monkeypatch, capsys):
    altered = _copy(LATENCY_FILE, tmp_path, _edit_first_row("lat_pixel3"))
    (tmp_path / "nb201" / "nats_bench.csv").write_bytes(resolve_data_file("nb201/nats_bench.csv").read_bytes())
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    argv = ["sample", "--space", "nb201", "--n", "5", "--steps", "2", "--guide", "latency:pixel3", "--no-progress"]
    code, _, err = _run(capsys, *argv)
    assert code == 2 and "is not the documented latency_help_27devices.csv" in err and len(err.strip().splitlines()) == 1
    code, out, _ = _run(capsys, *argv, "--allow-unverified-data", "--json")
    assert code == 0 and out["properties"]["true_latency:pixel3"]["sha256"] == sha256(altered)
    assert out["benchmark"]["sha256"] == KNOWN_SHA256["nb201/nats_bench.csv"]  # a faithful copy passes
