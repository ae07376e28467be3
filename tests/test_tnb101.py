"""TransNAS-Bench-101 micro: the space adapter, the table read from the real zero-cost file, and
task-aware transfer on it (sources, leakage guard, few-shot probes, a meta-predictor that learns)."""
from __future__ import annotations

import ast
import json

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from naslib_diffusionnag.diffusion.config import SDEConfig
from naslib_diffusionnag.diffusion.sde import VESDE
from naslib_diffusionnag.errors import DataFormatError, InvalidArchitectureError, UnknownNameError
from naslib_diffusionnag.oracles import TNB101_TASKS, TNB101Benchmark
from naslib_diffusionnag.oracles.paths import KNOWN_SHA256, resolve_data_file
from naslib_diffusionnag.oracles.tnb101 import DEFAULT_JSON
from naslib_diffusionnag.spaces import get_space
from naslib_diffusionnag.transfer import (
    ClassNameEmbeddings,
    DescriptorError,
    FewShot,
    LeakageError,
    MetaPredictorConfig,
    check_no_leakage,
    meta_train,
    parse_sources,
)
from naslib_diffusionnag.transfer.metadata import table_task
from naslib_diffusionnag.transfer.pipeline import predict_cells


# ---- the space (no data) ----------------------------------------------------------------
def test_space_reads_transnas_codes_and_shares_nb201s_cell():
    space, nb201 = get_space("tnb101_micro"), get_space("nb201")
    assert space.size == 4 ** 6 and len(list(space.enumerate())) == 4096
    cell = space.parse("64-41414-3_12_013")  # node1: conv3x3; node2: skip, conv1x1; node3: none, skip, conv3x3
    assert cell == "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|skip_connect~1|nor_conv_3x3~2|"
    assert space.to_code(cell) == "64-41414-3_12_013" and space.from_op_indices((3, 1, 2, 0, 1, 3)) == cell
    assert nb201.parse(cell) == cell and nb201.iso_key(cell) == space.iso_key(cell)  # same operations, same function
    assert space.vocab == ("input", "output", "none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3")
    for bad in ("64-41414-4_00_000", "|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|", "64-41414-1_00_00"):
        with pytest.raises(InvalidArchitectureError):
            space.parse(bad)
    with pytest.raises(InvalidArchitectureError, match="0..3"):
        space.from_op_indices((0, 1, 2, 3, 4, 0))
    for bad in ([1.7, 0, 0, 0, 0, 3.9], ["1"] * 6, [True] * 6):  # int() floored 1.7 / read "1" and True as op 1
        with pytest.raises(InvalidArchitectureError, match="0..3"):
            space.from_op_indices(bad)
    assert space.from_op_indices([3.0, 1, 2, 0, 1, 3]) == cell  # a float array of whole numbers reads as its ints


def test_few_shot_needs_a_space_with_a_table():
    from naslib_diffusionnag.transfer.metadata import space_table

    with pytest.raises(DataFormatError, match="no benchmark table.*nb201, tnb101_micro"):
        space_table("mbv3")


# ---- the table (real file) ---------------------------------------------------------------
@pytest.mark.slow
def test_table_matches_the_file_entry_by_entry(tnb101):
    path = resolve_data_file(DEFAULT_JSON)
    raw = json.loads(path.read_text())
    assert tnb101.checksum == KNOWN_SHA256[DEFAULT_JSON]
    assert tnb101.datasets() == list(TNB101_TASKS) and len(tnb101.archs) == 711 == len(set(tnb101.archs))
    for task in TNB101_TASKS:
        for key in list(raw[task])[:50]:
            code = "64-41414-{}_{}{}_{}{}{}".format(*ast.literal_eval(key))
            assert tnb101.query(code, task) == pytest.approx(raw[task][key]["val_accuracy"])
    # room_layout holds negated losses: higher is better on every task
    assert tnb101.column("room_layout").max() < 0 and tnb101.best("Room-Layout")[1] == tnb101.column("room_layout").max()
    # tasks rank cells differently: the reason this table is here
    assert spearmanr(tnb101.column("autoencoder"), tnb101.column("segmentsemantic")).statistic < 0.3


@pytest.mark.slow
def test_operation_codes_mean_what_the_space_says(tnb101):
    """Read with the wrong code order, 'none' would be another operation: the cells our
    ``iso_key`` calls identically zero (output never depends on the input) must be exactly the
    table's worst on the tasks where such a network is at chance, and only those."""
    zero = np.array([tnb101.space.iso_key(a) == "zero" for a in tnb101.archs])
    assert zero.sum() >= 10
    for task in ("jigsaw", "class_scene", "room_layout", "autoencoder"):
        col = tnb101.column(task)
        assert col[zero].max() < col[~zero].min(), task


@pytest.mark.slow
def test_table_names_what_is_missing_or_wrong(tnb101, tmp_path):
    absent = next(a for a in get_space("tnb101_micro").enumerate() if a not in set(tnb101.archs))
    with pytest.raises(InvalidArchitectureError, match="711 of the 4,096"):
        tnb101.query(absent, "jigsaw")
    with pytest.raises(UnknownNameError, match="class_scene"):
        tnb101.column("cifar10")
    raw = json.loads(resolve_data_file(DEFAULT_JSON).read_text())
    first = next(iter(raw["jigsaw"]))
    raw["jigsaw"][first]["val_accuracy"] += 1.0  # an altered value
    altered = tmp_path / "zc.json"
    altered.write_text(json.dumps(raw))
    with pytest.raises(DataFormatError, match="not the documented"):
        TNB101Benchmark.load(altered)
    assert TNB101Benchmark.load(altered, allow_unverified=True).query(ast.literal_eval(first), "jigsaw") != \
        tnb101.query(ast.literal_eval(first), "jigsaw")
    del raw["normal"]
    altered.write_text(json.dumps(raw))
    with pytest.raises(DataFormatError, match="7 TransNAS-Bench-101 tasks"):
        TNB101Benchmark.load(altered, allow_unverified=True)


# ---- transfer on it ----------------------------------------------------------------------
@pytest.mark.slow
def test_sources_guard_and_probes(tnb101):
    meta = parse_sources(["tnb101:class_scene,tnb101:jigsaw@100"], tnb101, "tnb101_micro", seed=1)
    assert [t.name for t in meta.tasks] == ["tnb101:class_scene", "tnb101:jigsaw"] and len(meta) == 811
    assert meta.space == "tnb101_micro" and all(c == () for c in (t.classes for t in meta.tasks))
    with pytest.raises(LeakageError, match="jigsaw"):
        check_no_leakage(meta.tasks, "Jigsaw")
    check_no_leakage(meta.tasks, "normal")
    with pytest.raises(DataFormatError, match="tnb101_micro"):
        parse_sources(["tnb101:jigsaw"], tnb101, "nb201")
    with pytest.raises(UnknownNameError, match="choose one of: class_scene"):
        parse_sources(["tnb101:cifar10"], tnb101, "tnb101_micro")
    shot = FewShot.draw(tnb101.space, tnb101, 10, seed=3)
    assert len(set(shot.probes)) == 10 and set(shot.probes) <= set(tnb101.archs)  # only tabulated cells are measurable
    x = shot(table_task(tnb101, "normal"))
    assert x.shape == (10, 1, 8 * 6 + 1) and abs(float(x[:, 0, -1].mean())) < 1e-5
    with pytest.raises(DescriptorError, match="few-shot"):
        ClassNameEmbeddings.load()(table_task(tnb101, "normal"))


@pytest.mark.slow
def test_few_shot_meta_predictor_ranks_a_held_out_task(tnb101):
    """Meta-trained on five tasks, bound to a sixth by its probes, it ranks that task's cells."""
    torch.set_num_threads(1)
    target = "class_object"
    meta = parse_sources([f"tnb101:{t}" for t in ("class_scene", "normal", "jigsaw", "room_layout", "segmentsemantic")],
                         tnb101, "tnb101_micro")
    shot = FewShot.draw(tnb101.space, tnb101, 10, seed=0)
    sde = VESDE(SDEConfig())
    trained = meta_train(meta, shot, tnb101.space, sde, MetaPredictorConfig(steps=300), seed=0)
    pred = predict_cells(trained.model.bind(shot(table_task(tnb101, target))), tnb101.space, sde, tnb101.archs)
    rho = spearmanr(pred, tnb101.column(target)).statistic
    assert rho > 0.6, rho
    assert trained.metadata["space"] == "tnb101_micro" and "tnb101:class_object" not in str(trained.metadata["tasks"])
    assert np.isfinite(pred).all()


@pytest.mark.slow
def test_cli_meta_trains_on_transnas_tasks_and_refuses_untestable_generation(tnb101, tmp_path, capsys):
    from naslib_diffusionnag.cli import main

    cfg = tmp_path / "tiny.yaml"
    cfg.write_text("model: {d_model: 16, n_layers: 1, n_heads: 2, d_ff: 16, head_hidden: 16}\ntrain: {batch_size: 16}\n")
    score = tmp_path / "tnb.pt"
    assert main(["train", "--space", "tnb101_micro", "--config", str(cfg), "--steps", "3", "--out", str(score)]) == 0
    meta = tmp_path / "meta.pt"
    assert main(["meta-train", "--space", "tnb101_micro", "--checkpoint", str(score), "--sources",
                 "tnb101:jigsaw,tnb101:normal", "--descriptor", "few-shot", "--steps", "20", "--out", str(meta),
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["space"] == "tnb101_micro" and out["datasets"] == ["jigsaw", "normal"]
    assert set(out["descriptor"]["probes"]) <= set(tnb101.archs)  # probes measured on the TransNAS table
    assert main(["transfer", "--space", "tnb101_micro", "--checkpoint", str(score), "--target", "autoencoder",
                 "--meta-checkpoint", str(meta)]) == 2
    assert "711 of 4,096" in capsys.readouterr().err
