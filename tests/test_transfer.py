"""Transferable NAS on the real files of ../shared/data/transfer and ../shared/data/nb201."""
from __future__ import annotations

import json
import sys
from dataclasses import replace

import numpy as np
import pytest
import torch
from search_contract import check_search_contract

from naslib_diffusionnag.cli import main
from naslib_diffusionnag.errors import CheckpointError, ConfigError, DataFormatError
from naslib_diffusionnag.generation import ArchitectureGenerator
from naslib_diffusionnag.oracles.paths import KNOWN_SHA256, resolve_data_file
from naslib_diffusionnag.spaces import get_space
from naslib_diffusionnag.transfer import (
    ClassNameEmbeddings,
    DescriptorError,
    LeakageError,
    MetaPredictorConfig,
    SetEncoder,
    TrainedMetaPredictor,
    build_meta_predictor,
    check_no_leakage,
    load_meta_train_db,
    load_task_features,
    parse_sources,
    prepare,
)
from naslib_diffusionnag.transfer.descriptors import name_task
from naslib_diffusionnag.transfer.metadata import META_TRAIN_DB, from_benchmark_table

pytestmark = pytest.mark.slow  # every test here reads ../shared/data (transfer/, nb201/) or meta-trains


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread: on a few shared cores more threads spin and train several times slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def meta_db():
    return load_meta_train_db()


@pytest.fixture(scope="module")
def generator() -> ArchitectureGenerator:
    return ArchitectureGenerator.load("nb201")


@pytest.fixture(scope="module")
def embeddings() -> ClassNameEmbeddings:
    return ClassNameEmbeddings.load()


@pytest.fixture(scope="module")
def small_meta(generator, bench) -> TrainedMetaPredictor:
    """Meta-trained on 300 ImageNet16-120 cells (seed 0), 150 steps: the smallest real transfer
    (CIFAR-10 Spearman 0.79 over all cells when measured)."""
    return build_meta_predictor(["nb201:ImageNet16-120@300"], generator, config=MetaPredictorConfig(steps=150),
                                seed=0, bench=bench)


# ---- meta-dataset ------------------------------------------------------------------------------
def test_meta_train_db_counts_split_batch_and_checksum(meta_db) -> None:
    assert len(meta_db) == 4630 and len(meta_db.tasks) == 3031
    assert (meta_db.split == "train").sum() == 4230 and (meta_db.split == "eval").sum() == 400
    assert (meta_db.batch == "A").sum() == 4152 and (meta_db.batch == "B").sum() == 478
    assert len(set(meta_db.archs)) == 1553
    assert meta_db.sources[0]["sha256"] == KNOWN_SHA256[META_TRAIN_DB]
    assert all(len(t.classes) == 20 and t.dataset == "imagenet32-subset" for t in meta_db.tasks)
    assert 40.9 <= meta_db.values.min() and meta_db.values.max() <= 86.1  # "41.0-86.0 %"


def test_meta_train_db_refuses_an_altered_copy_unless_allowed(tmp_path) -> None:
    original = resolve_data_file(META_TRAIN_DB).read_text().splitlines(keepends=True)
    altered = tmp_path / "meta_train_db.csv"
    altered.write_text("".join(original[:-1]))  # one record fewer: another file, same layout
    with pytest.raises(DataFormatError, match="not the documented meta_train_db.csv.*--allow-unverified-data"):
        load_meta_train_db(altered)
    db = load_meta_train_db(altered, allow_unverified=True)
    assert len(db) == 4629 and db.sources[0]["sha256"] != KNOWN_SHA256[META_TRAIN_DB]


def test_benchmark_table_source_draws_k_cells_reproducibly(bench) -> None:
    a, b = from_benchmark_table(bench, "cifar100", 50, seed=3), from_benchmark_table(bench, "cifar100", 50, seed=3)
    assert a.archs == b.archs and len(a) == 50 and a.digest() == b.digest()
    assert from_benchmark_table(bench, "cifar100", 50, seed=4).archs != a.archs
    assert np.allclose(a.values, bench.query_many(a.archs, "cifar100"))
    assert len(from_benchmark_table(bench, "ImageNet16-120")) == 15625


# ---- leakage guard -----------------------------------------------------------------------------
def test_leakage_guard_refuses_target_table_and_overlapping_classes(bench, meta_db) -> None:
    leaking = parse_sources(["nb201:cifar100,nb201:cifar10@20"], bench)
    with pytest.raises(LeakageError, match="cifar10"):
        check_no_leakage(leaking.tasks, "CIFAR-10")
    check_no_leakage(leaking.tasks, "ImageNet16-120")  # neither table is ImageNet16-120's
    check_no_leakage(meta_db.tasks, "cifar10")
    with pytest.raises(LeakageError, match="ImageNet16-120"):
        check_no_leakage(meta_db.tasks, "ImageNet16-120")


def test_transfer_cli_refuses_leaking_sources_in_one_line(capsys) -> None:
    rc = main(["transfer", "--target", "cifar10", "--sources", "nb201:ImageNet16-120,nb201:cifar10", "--json"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1
    assert "nb201:cifar10" in err and "--sources" in err


def test_cli_meta_trains_with_the_benchmarked_settings() -> None:
    """Without flags the CLI meta-trains as transfer_nb201.md did (MetaPredictorConfig's
    defaults), so its commands reproduce the reported rows; --steps overrides only the steps."""
    from naslib_diffusionnag.cli import _meta_training, build_parser

    for cmd in (["meta-train", "--sources", "meta-train-db", "--out", "m.pt"], ["transfer", "--target", "cifar10"]):
        assert _meta_training(build_parser().parse_args(cmd)) == ("class-names", MetaPredictorConfig())
        assert _meta_training(build_parser().parse_args([*cmd, "--steps", "7"]))[1] == replace(
            MetaPredictorConfig(), steps=7)


def test_checkpoint_leakage_is_checked_against_the_tasks_it_saw(small_meta) -> None:
    with pytest.raises(LeakageError):
        small_meta.check_target("ImageNet16-120")
    small_meta.check_target("cifar10")


# ---- set encoder -------------------------------------------------------------------------------
def test_set_encoder_is_invariant_to_class_and_sample_order() -> None:
    torch.manual_seed(0)
    enc = SetEncoder(12, 16, 4).eval()
    x = torch.randn(1, 7, 5, 12)
    g = torch.Generator().manual_seed(1)
    perm_classes = torch.randperm(7, generator=g)
    shuffled = torch.stack([c[torch.randperm(5, generator=g)] for c in x[0, perm_classes]])[None]
    with torch.no_grad():
        a, b = enc(x), enc(shuffled)
        other = enc(x + torch.randn_like(x))
    assert torch.allclose(a, b, atol=1e-5)
    assert not torch.allclose(a, other, atol=1e-3)


# ---- the meta-predictor ------------------------------------------------------------------------
def test_meta_predictor_learns_a_target_ranking(small_meta, generator, bench) -> None:
    """300 ImageNet16-120 cells -> CIFAR-10's ranking of all 15,625 cells (held out: no CIFAR-10
    value is seen)."""
    transfer = prepare("cifar10", small_meta, generator, bench)
    assert transfer.spearman() > 0.7


def test_meta_predictor_learns_on_the_meta_training_set(meta_db, generator, embeddings) -> None:
    """Official split: Spearman on the 400 eval records after a short meta-training."""
    from naslib_diffusionnag.transfer import meta_train

    train = meta_db.split == "train"
    sub = meta_db.select(~train | (np.cumsum(train) <= 1200))
    trained = meta_train(sub, embeddings, generator.space, generator.sde, MetaPredictorConfig(steps=200), seed=0)
    assert trained.metadata["eval_records"] == 400
    assert trained.metadata["eval_spearman"] > 0.15


def test_checkpoint_round_trip_with_weights_only(small_meta, generator, tmp_path) -> None:
    path = small_meta.save(tmp_path / "meta.pt")
    torch.load(path, weights_only=True)  # loads without unpickling code
    again = TrainedMetaPredictor.load(path, generator.space)
    assert again.metadata["meta_dataset_sha256"] == small_meta.metadata["meta_dataset_sha256"]
    assert again.metadata["datasets"] == ["ImageNet16-120"]
    x = torch.rand(4, 8, 7)
    s, emb = torch.full((4,), 0.1), torch.randn(4, 56)
    assert torch.allclose(again.model(x, s, emb), small_meta.model(x, s, emb))
    with pytest.raises(CheckpointError, match="mbv3"):
        TrainedMetaPredictor.load(path, get_space("mbv3"))


def test_checkpoint_from_before_the_encoder_setting_loads_as_the_gcn(generator, bench, tmp_path) -> None:
    """Checkpoints written before ``encoder``/``label_transform`` existed hold a GCN trained on
    z-scores; they load as that, not as today's default MLP."""
    legacy = build_meta_predictor(["nb201:ImageNet16-120@50"], generator, config=MetaPredictorConfig(
        encoder="gcn", hidden=64, steps=3, batch_size=16, label_transform="zscore"), seed=0, bench=bench)
    path = legacy.save(tmp_path / "legacy.pt")
    ckpt = torch.load(path, weights_only=True)
    for key in ("encoder", "label_transform", "noise_power", "top_weight"):
        del ckpt["config"][key]
    torch.save(ckpt, path)
    again = TrainedMetaPredictor.load(path, generator.space)
    assert again.model.cfg.encoder == "gcn" and again.model.cfg.label_transform == "zscore"
    x, s, emb = torch.rand(4, 8, 7), torch.full((4,), 0.1), torch.randn(4, 56)
    assert torch.allclose(again.model(x, s, emb), legacy.model(x, s, emb))


def test_a_few_shot_predictor_refuses_class_names_and_records_stand_in_features(generator, bench, tmp_path) -> None:
    """A class-name file given to a few-shot meta-predictor was read by nothing, and a feature
    file standing in for its probe descriptors was recorded only as 'task-features'."""
    few = build_meta_predictor(["nb201:cifar10@30"], generator, "few-shot", MetaPredictorConfig(steps=2), seed=0,
                               bench=bench, n_probes=3)
    names = tmp_path / "names.txt"
    names.write_text("cat\ndog\n")
    with pytest.raises(ConfigError, match="describes the target by its class names, and the meta-predictor "
                                          "describes tasks by few-shot descriptors"):
        prepare("cifar100", few, generator, bench, class_names=names)
    features = tmp_path / "probes.pt"
    torch.save(torch.randn(3, 1, int(few.metadata["dim_task"])), features)
    info = prepare("cifar100", few, generator, bench, task_features=features).descriptor_info
    assert info["kind"] == "task-features" and info["meta_trained_on"] == "few-shot"


# ---- the pipeline and its CLI ------------------------------------------------------------------
def test_transfer_cli_json(capsys, tmp_path, small_meta) -> None:
    meta = small_meta.save(tmp_path / "meta.pt")
    rc = main(["transfer", "--target", "cifar10", "--meta-checkpoint", str(meta), "--n", "8", "--train-top", "3",
               "--scale", "50", "--seed", "1", "--json"])
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert rc == 0
    assert {"target", "sources", "best_after", "optimum", "seconds", "protocol"} <= out.keys()
    assert list(out["best_after"]) == ["1", "2", "3"]
    assert np.all(np.diff(list(out["best_after"].values())) >= 0)
    assert out["optimum"] == pytest.approx(94.3733, abs=1e-3)
    assert out["sources"][0]["source"] == "nb201:ImageNet16-120@300:seed0"
    assert out["protocol"]["data_sha256"] and "200" in out["protocol"]["metric"]


# ---- bad input ---------------------------------------------------------------------------------
def test_task_features_of_the_wrong_shape(tmp_path) -> None:
    np.save(tmp_path / "f.npy", np.zeros((10, 20, 5), dtype=np.float32))
    with pytest.raises(DescriptorError, match=r"classes x samples x 384"):
        load_task_features(tmp_path / "f.npy", 384)
    np.save(tmp_path / "g.npy", np.zeros((10, 384), dtype=np.float32))
    with pytest.raises(DescriptorError, match=r"\(10, 384\)"):
        load_task_features(tmp_path / "g.npy", 384)
    assert load_task_features(tmp_path / "f.npy", 5).shape == (10, 20, 5)
    torch.save({"x": torch.zeros(10, 20, 5)}, tmp_path / "d.pt")  # the tensor inside a dict, not the tensor
    with pytest.raises(DescriptorError, match=r"d.pt holds a dict, not a numeric array"):
        load_task_features(tmp_path / "d.pt", 5)
    bad = np.zeros((10, 20, 5), dtype=np.float32)
    bad[3, 2, 1] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    with pytest.raises(DescriptorError, match=r"hold 1 NaN / infinite values"):
        load_task_features(tmp_path / "nan.npy", 5)
    np.save(tmp_path / "c.npy", np.ones((10, 20, 5), dtype=np.complex64))  # torch dropped the imaginary part
    with pytest.raises(DescriptorError, match=r"c.npy holds a ndarray of complex numbers, not a numeric array"):
        load_task_features(tmp_path / "c.npy", 5)
    (tmp_path / "notes.pt").write_text("some notes, not a tensor\n")  # torch's reason ran over many lines
    with pytest.raises(DescriptorError, match=r"cannot read task features from .*notes.pt: not a file written by "
                                              r"torch.save") as e:
        load_task_features(tmp_path / "notes.pt", 5)
    assert "\n" not in str(e.value) and "\x1b" not in str(e.value) and "trust" not in str(e.value)
    # numpy read a file without its magic as a pickle and advised allow_pickle
    (tmp_path / "junk.npy").write_bytes(b"x")
    with pytest.raises(DescriptorError, match=r"junk.npy: not a file written by numpy.save") as e:
        load_task_features(tmp_path / "junk.npy", 5)
    assert "allow_pickle" not in str(e.value)
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DescriptorError, match=r"obj.npy: it holds Python objects, not numbers; not loaded"):
        load_task_features(tmp_path / "obj.npy", 5)
    (tmp_path / "cut.npy").write_bytes((tmp_path / "f.npy").read_bytes()[:100])
    with pytest.raises(DescriptorError, match=r"cut.npy: a damaged or truncated .npy file"):
        load_task_features(tmp_path / "cut.npy", 5)


def test_source_lists_name_their_mistakes() -> None:
    """'nb201:cifar100@' (no count) loaded the whole table; None, a number, bytes or a None in
    the list failed as TypeError / AttributeError; a count out of range was a plain ValueError."""
    from naslib_diffusionnag.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match=r"bad cell count in source 'nb201:cifar100@'; write nb201:<dataset>@K"):
        parse_sources("nb201:cifar100@")
    for bad in (None, 5, b"nb201:cifar100", ["nb201:cifar100", None]):
        with pytest.raises(ConfigError, match="sources are source strings"):
            parse_sources(bad)  # type: ignore[arg-type]
    for k in (0, 16000):
        with pytest.raises(ConfigError, match=rf"cells drawn from a table must be in 1..15625, got {k} "
                                              rf"\(source nb201:cifar100@{k}\)"):
            parse_sources(f"nb201:cifar100@{k}")


def test_unknown_class_name_without_the_optional_extra(embeddings, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # as if not installed
    with pytest.raises(DescriptorError, match=r"'flux capacitor'.*pip install sentence-transformers"):
        embeddings(name_task("mine", ["airplane", "flux capacitor"]))
    assert embeddings(name_task("mine", ["Airplane", "tabby"])).shape == (2, 1, 384)


def test_meta_dataset_of_another_space() -> None:
    with pytest.raises(DataFormatError, match="mbv3"):
        load_meta_train_db(space="mbv3")
    with pytest.raises(DataFormatError, match="mbv3"):
        parse_sources(["nb201:cifar100@5"], space="mbv3")


def test_cli_bad_descriptor_is_one_line(capsys, tmp_path, small_meta) -> None:
    meta = small_meta.save(tmp_path / "meta.pt")
    np.save(tmp_path / "f.npy", np.zeros((10, 3), dtype=np.float32))
    rc = main(["transfer", "--target", "cifar10", "--meta-checkpoint", str(meta), "--task-features",
               str(tmp_path / "f.npy")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "classes x samples x 384" in err


def test_a_score_network_that_generates_nothing_is_an_error(small_meta, bench) -> None:
    """An undertrained checkpoint (2 training steps) gave exit 0 with no cell and no value."""
    from naslib_diffusionnag.diffusion import DiffusionConfig
    from naslib_diffusionnag.errors import DiffusionNAGError

    config = DiffusionConfig().with_overrides(model={"d_model": 16, "n_layers": 1, "n_heads": 2, "d_ff": 16},
                                              train={"steps": 2}, sampler={"steps": 5})
    raw = ArchitectureGenerator.train(get_space("nb201"), config, progress=False)
    assert len(raw.sample(50, 0).valid) == 0  # the premise: it samples no valid cell
    with pytest.raises(DiffusionNAGError, match=r"generated 0 distinct valid cells in 40 samples, fewer than "
                                                r"--train-top 1.*undertrained"):
        prepare("cifar10", small_meta, raw, bench).run(n=2, train_top=1)


# ---- transfer-BO -------------------------------------------------------------------------------
def test_transfer_bo_starts_from_the_meta_predictors_ranking(small_meta, generator, bench, tmp_path) -> None:
    from naslib_diffusionnag.bo.methods import build_method

    meta = small_meta.save(tmp_path / "meta.pt")
    params = {"target": "cifar10", "meta_checkpoint": str(meta), "n_generate": 20, "predictor_steps": 30,
              "ensemble": 2, "k": 2}
    method = build_method("transfer-bo", "nb201", params)
    traj = method.run(lambda a: bench.query(a, "cifar10"), 12, seed=3)
    ranked = prepare("cifar10", small_meta, generator, bench).propose(20, method.searcher(3).initial_seed)[0]
    assert traj.archs[:10] == ranked[:10]
    check_search_contract(method, lambda a: bench.query(a, "cifar10"), 12)
    with pytest.raises(LeakageError):
        build_method("transfer-bo", "nb201", {**params, "target": "ImageNet16-120"})
    with pytest.raises(ConfigError, match="parameter 'candidates_from' must be one of mutation, diffusion"):
        build_method("transfer-bo", "nb201", {**params, "candidates_from": "evolution"})


@pytest.mark.parametrize("progress", [False, True])
def test_transfer_bo_meta_trains_with_the_callers_progress_setting(monkeypatch, progress) -> None:
    """search --no-progress still drew transfer-BO's meta-training bar (hard-coded on), and so
    did every sweep worker."""
    import naslib_diffusionnag.transfer as transfer
    from naslib_diffusionnag.bo.methods import build_method

    class Seen(Exception):
        pass

    def fake_meta_training(*args, **kwargs):
        raise Seen(kwargs["progress"])

    monkeypatch.setattr(transfer, "build_meta_predictor", fake_meta_training)
    with pytest.raises(Seen) as seen:
        build_method("transfer-bo", "nb201", {"target": "cifar10", "sources": "nb201:cifar100"}, progress=progress)
    assert seen.value.args == (progress,)


def test_few_shot_descriptor_reads_probe_accuracies(bench, meta_db) -> None:
    from naslib_diffusionnag.transfer import FewShot
    from naslib_diffusionnag.transfer.metadata import dataset_task

    shot = FewShot.draw(get_space("nb201"), bench, 10, seed=0)
    x = shot(dataset_task("cifar100"))
    assert x.shape == (10, 1, shot.dim) and shot.dim == 57
    acc = bench.query_many(shot.probes, "cifar100")
    assert np.allclose(x[:, 0, -1].numpy(), (acc - acc.mean()) / acc.std(), atol=1e-5)
    with pytest.raises(DescriptorError, match="few-shot"):
        shot(meta_db.tasks[0])
