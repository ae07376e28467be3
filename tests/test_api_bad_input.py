"""Bad input to the public Python API: an exception of ``naslib_diffusionnag.errors`` whose one
line names the problem and the fix, raised before any compute, never a raw torch / numpy /
dataclass error or a silent wrong result (test_bad_input.py does the same for the CLI).

Every case runs in the fast tier: checkpoints are the shipped one, edited; tables the toy one.
"""
from __future__ import annotations

import argparse
import re
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from naslib_diffusionnag.diffusion import DiffusionConfig, SamplerConfig
from naslib_diffusionnag.errors import CheckpointError, ConfigError, InvalidArchitectureError
from naslib_diffusionnag.generation import ArchitectureGenerator, pretrained_path
from naslib_diffusionnag.guidance import GuidanceTerm, Objective, PredictorConfig
from naslib_diffusionnag.guidance.schedule import check_scales
from naslib_diffusionnag.guided import GuideRequest, fit_guidance, generate, summarize
from naslib_diffusionnag.oracles import NB201Benchmark, TNB101Benchmark, space_property
from naslib_diffusionnag.oracles.nb201_properties import labels_from_csv
from naslib_diffusionnag.spaces import get_space
from naslib_diffusionnag.transfer import (
    MetaPredictor,
    MetaPredictorConfig,
    TrainedMetaPredictor,
    parse_sources,
)

MBV3_ARCH = get_space("mbv3").sample(1, np.random.default_rng(0))[0]


def _message(excinfo: pytest.ExceptionInfo[Exception]) -> str:
    """The error's message, asserted to be one line."""
    text = str(excinfo.value)
    assert "\n" not in text, text
    return text


@pytest.fixture(scope="module")
def shipped() -> ArchitectureGenerator:
    return ArchitectureGenerator.load("nb201")


# ---- checkpoints ---------------------------------------------------------------------------
def _save_meta(path: Path, config: dict[str, Any] | None = None, **metadata: Any) -> Path:
    """A meta-predictor checkpoint as ``meta-train`` writes it, untrained (no data needed);
    ``config``/``metadata`` entries overwrite what is saved (None deletes a key)."""
    space = get_space("nb201")
    model = MetaPredictor(space.n_tokens, space.adjacency(), 4, MetaPredictorConfig(hidden=8, set_dim=8, heads=2))
    meta = {"space": "nb201", "dim_task": 4, "tasks": [], "task_input": "full", "descriptor": {"kind": "class-names"},
            "seed": 0, "sources": [], "datasets": [], "meta_dataset_sha256": "0" * 64, "train_seconds": 0.0}
    TrainedMetaPredictor(model, meta).save(path)
    payload = torch.load(path, weights_only=True)
    for part, edits in (("config", config or {}), ("metadata", metadata)):
        payload[part].update(edits)
        payload[part] = {k: v for k, v in payload[part].items() if v is not None}
    torch.save(payload, path)
    return path


LOADERS = {
    "diffusionnag": (lambda p: ArchitectureGenerator.load("nb201", p), "diffusionnag train"),
    "meta-predictor": (lambda p: TrainedMetaPredictor.load(p, get_space("nb201")), "diffusionnag meta-train"),
}


def _junk(path: Path) -> None:
    path.write_bytes(b"garbage")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _truncated(path: Path) -> None:
    path.write_bytes(pretrained_path("nb201").read_bytes()[:1000])


def _foreign_object(path: Path) -> None:
    torch.save({"model": argparse.Namespace(steps=1)}, path)


@pytest.mark.parametrize("kind", list(LOADERS))
@pytest.mark.parametrize("write, reason", [
    (_junk, "not a file written by torch.save"),
    (_empty, "empty file"),
    (_truncated, "a damaged, truncated or foreign zip archive"),
    (_foreign_object, "it holds a Python object, argparse.Namespace, that no checkpoint holds; not loaded, as "
                      "that could run code"),
], ids=["junk", "empty", "truncated", "foreign-object"])
def test_a_file_that_is_not_a_checkpoint_is_one_line_without_torch_advice(tmp_path, kind, write, reason):
    """Not torch's six lines, which advise weights_only=False (that would let a crafted file run
    code), nor an empty reason for an empty file."""
    load, writer = LOADERS[kind]
    path = tmp_path / "m.pt"
    write(path)
    with pytest.raises(CheckpointError) as e:
        load(path)
    assert _message(e) == f"{path} is not a {kind} checkpoint ({reason}); pass a file written by `{writer}`"
    assert "weights_only" not in str(e.value)


def _flip_weight_bytes(path: Path) -> str:
    """Invert 64 bytes in the middle of the archive's largest stored tensor (torch stores them
    uncompressed), as a disk or a copy might; returns that entry's name."""
    with zipfile.ZipFile(path) as archive:
        entry = max(archive.infolist(), key=lambda i: i.file_size)
    data = bytearray(path.read_bytes())
    name_len, extra_len = struct.unpack("<HH", data[entry.header_offset + 26: entry.header_offset + 30])
    start = entry.header_offset + 30 + name_len + extra_len + entry.file_size // 2
    data[start: start + 64] = bytes(b ^ 0xFF for b in data[start: start + 64])
    path.write_bytes(bytes(data))
    return entry.filename


@pytest.mark.parametrize("kind", list(LOADERS))
def test_a_checkpoint_whose_bytes_changed_after_saving_is_refused(tmp_path, kind):
    """torch.load does not check the archive's CRC-32s: flipped weight bytes loaded silently and
    the damaged shipped model sampled 0 valid cells of 200, exit code 0."""
    load, writer = LOADERS[kind]
    path = tmp_path / "m.pt"
    if kind == "diffusionnag":
        path.write_bytes(pretrained_path("nb201").read_bytes())
    else:
        _save_meta(path)
    load(path)  # intact: loads
    entry = _flip_weight_bytes(path)
    with pytest.raises(CheckpointError) as e:
        load(path)
    assert _message(e) == (f"{path} is damaged: its entry {entry} fails the checksum saved with it (the file changed "
                           f"after it was written); pass an intact copy or a file written by `{writer}`")


@pytest.mark.parametrize("kind", list(LOADERS))
def test_a_directory_is_not_said_to_be_missing(tmp_path, kind):
    load, writer = LOADERS[kind]
    with pytest.raises(CheckpointError) as e:
        load(tmp_path)
    assert _message(e) == f"{tmp_path} is a directory, not a {kind} checkpoint; pass the .pt file written by `{writer}`"


@pytest.mark.parametrize("edit, message", [
    (lambda meta: meta.pop("split"), "metadata 'split' is missing"),
    (lambda meta: meta.update(space="nb201"), "metadata 'space' is 'nb201', not of type dict"),
    (lambda meta: meta["space"].pop("options"), "metadata 'space.options' is missing"),
    (lambda meta: meta["split"].update(seed="0"), "metadata 'split.seed' is '0', not of type int"),
], ids=["no-split", "space-string", "no-options", "seed-string"])
def test_checkpoint_metadata_is_checked_when_loaded(tmp_path, edit, message):
    """A missing split used to raise KeyError only after sampling, a string space AttributeError."""
    payload = torch.load(pretrained_path("nb201"), weights_only=True)
    edit(payload["metadata"])
    torch.save(payload, tmp_path / "m.pt")
    with pytest.raises(CheckpointError, match=message) as e:
        ArchitectureGenerator.load("nb201", tmp_path / "m.pt")
    assert _message(e).endswith("pass a file written by `diffusionnag train`")


def test_a_config_that_does_not_fit_the_weights_names_the_first_parameter(tmp_path):
    """One line, not torch's 48-line "size mismatch" list."""
    payload = torch.load(pretrained_path("nb201"), weights_only=True)
    payload["config"]["model"]["d_model"] = 32
    torch.save(payload, tmp_path / "m.pt")
    with pytest.raises(CheckpointError) as e:
        ArchitectureGenerator.load("nb201", tmp_path / "m.pt")
    assert "config and weights disagree (pos_emb has shape (8, 64) in the weights but (8, 32)" in _message(e)


@pytest.mark.parametrize("config, metadata, message", [
    ({}, {"dim_task": None}, "metadata 'dim_task' is missing"),
    ({}, {"descriptor": "class-names"}, "metadata 'descriptor' is 'class-names', not of type dict"),
    ({"hidden": 16}, {}, r"config and weights disagree \(.* has shape \(8, .*\) in the weights but \(16, "),
    ({"colour": "blue"}, {}, "records a config this version cannot build"),
], ids=["no-dim_task", "descriptor-string", "other-width", "unknown-config-key"])
def test_a_damaged_meta_predictor_checkpoint_is_one_line(tmp_path, config, metadata, message):
    assert TrainedMetaPredictor.load(_save_meta(tmp_path / "ok.pt"), get_space("nb201")).metadata["dim_task"] == 4
    path = _save_meta(tmp_path / "m.pt", config, **metadata)
    with pytest.raises(CheckpointError, match=message) as e:
        TrainedMetaPredictor.load(path, get_space("nb201"))
    _message(e)


# ---- counts, devices and configs -----------------------------------------------------------
def test_get_space_names_an_option_the_space_does_not_take():
    """A TypeError from inside the constructor (``MBv3Space() takes no arguments``) before."""
    with pytest.raises(ConfigError, match="space 'nb201' takes no option 'foo'; its options: adjacency"):
        get_space("nb201", foo=1)
    with pytest.raises(ConfigError, match="space 'mbv3' takes no option 'adjacency'; it takes none"):
        get_space("mbv3", adjacency="official")
    assert get_space("nb201", adjacency="official").name == "nb201"
    with pytest.raises(ConfigError, match=re.escape("unknown NB201 adjacency [1]; choose one of ['official', 'true']")):
        get_space("nb201", adjacency=[1])  # a list: an unhashable TypeError before


@pytest.mark.parametrize("space", ["nb201", "mbv3"])
@pytest.mark.parametrize("n", [-1, 2.5, True, None])
def test_space_sample_refuses_what_is_not_a_count(space, n):
    with pytest.raises(ConfigError, match=re.escape(f"the number of architectures to sample must be an integer >= 0, got {n!r}")):
        get_space(space).sample(n, np.random.default_rng(0))


@pytest.mark.parametrize("distinct", [False, True])
@pytest.mark.parametrize("n", [-3, 2.5, 0])
def test_generate_refuses_what_is_not_a_count(shipped, n, distinct):
    with pytest.raises(ConfigError, match=re.escape(f"n must be an integer >= 1, got {n!r}")):
        generate(shipped, n, 0, distinct=distinct)


def test_fit_guidance_and_summarize_refuse_what_they_cannot_use(shipped):
    """fit_guidance([]) returned empty guidance and a property in place of a request raised
    AttributeError; a budget for a property not summarized raised KeyError."""
    with pytest.raises(ConfigError, match="takes one or more GuideRequest"):
        fit_guidance(shipped, [], 10, 0)
    with pytest.raises(ConfigError, match="takes one or more GuideRequest"):
        fit_guidance(shipped, ["latency:pixel3"], 10, 0)
    with pytest.raises(ConfigError, match="a budget for 'zzz': budgets are keyed by property name, and the "
                                          "properties summarized are none"):
        summarize([], {}, {"zzz": 3.0})
    # a string was iterated: its characters echoed back as the requests
    with pytest.raises(ConfigError, match="got the string 'accuracy:cifar10'; build one: "
                                          r"\[GuideRequest\(space_property\(space, 'accuracy:cifar10'\)"):
        fit_guidance(shipped, "accuracy:cifar10", 10, 0)  # type: ignore[arg-type]


def test_summarize_names_its_arguments_mistakes(toy_bench):
    """A list for props raised AttributeError, one architecture string failed on its first '|',
    a budget keyed by props' key (not the property's name) was said to be missing from props, a
    NaN budget counted nothing as within it, and no known value read as 0 % within budget."""
    acc = space_property("nb201", "accuracy:cifar10", bench=toy_bench)
    arch = toy_bench.archs[0]
    with pytest.raises(ConfigError, match="summarize's props is a mapping .*, got list"):
        summarize([arch], [acc], {})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="summarize's budgets is a mapping .*, got list"):
        summarize([arch], {"acc": acc}, [90.0])  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="got one string"):
        summarize(arch, {"acc": acc}, {})
    with pytest.raises(ConfigError, match="a budget for 'acc': budgets are keyed by property name, and the "
                                          "properties summarized are accuracy:cifar10"):
        summarize([arch], {"acc": acc}, {"acc": 90.0})
    with pytest.raises(ConfigError, match="the budget for accuracy:cifar10 must be a finite number, got nan"):
        summarize([arch], {"acc": acc}, {"accuracy:cifar10": float("nan")})
    value = float(acc.evaluate([arch])[0])
    out = summarize([arch], {"acc": acc}, {"accuracy:cifar10": value})
    assert out["within_budget_accuracy:cifar10"] == 1.0 and out["acc"]["n_known"] == 1
    assert summarize([], {"acc": acc}, {"accuracy:cifar10": value})["within_budget_accuracy:cifar10"] is None


def test_fit_guidance_refuses_requests_it_would_misread(shipped, toy_bench):
    """A bare request (not a list) raised TypeError, n_labels 2.5 a numpy TypeError, and the same
    property twice doubled its weight silently (the CLI refuses --guide naming it twice)."""
    acc = space_property("nb201", "accuracy:cifar10", bench=toy_bench)
    request = GuideRequest(acc, Objective("max"))
    with pytest.raises(ConfigError, match=r"wrap the one request in a list: \[request\]"):
        fit_guidance(shipped, request, 10, 0)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="requests name accuracy:cifar10 twice"):
        fit_guidance(shipped, [request, GuideRequest(acc, Objective("max"), weight=2.0)], 10, 0)
    with pytest.raises(ConfigError, match=r"n_labels must be an integer >= 2, got 2\.5 \(a predictor needs at least 2"):
        fit_guidance(shipped, [request], 2.5, 0)  # type: ignore[arg-type]


@pytest.mark.parametrize("setting, message", [
    ({"steps": 2.5}, "sampler.steps must be an integer >= 1, got 2.5"),  # failed in torch.linspace
    ({"steps": True}, "sampler.steps must be an integer >= 1, got True"),
    ({"steps": 0}, "sampler.steps must be an integer >= 1, got 0"),  # a plain ValueError before
    ({"corrector_steps": 1.5}, "sampler.corrector_steps must be an integer >= 0, got 1.5"),
    ({"snr": "0.2"}, "snr .* must be a finite number >= 0, got '0.2'"),
    ({"eps": 0.0}, r"eps \(the last sampling time\) must be a finite number in \(0, 1\), got 0.0"),
    ({"noise_removal": "yes"}, "noise_removal must be true or false, got 'yes'"),
])
def test_sampler_config_refuses_what_the_sampler_cannot_use(setting, message):
    with pytest.raises(ConfigError, match=message):
        SamplerConfig(**setting)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0"])
def test_sampling_and_fitting_refuse_a_seed_that_is_not_a_natural_number(shipped, seed):
    """torch wrapped a negative seed onto another seed's noise without a word."""
    with pytest.raises(ConfigError, match=re.escape(f"seed must be an integer >= 0, got {seed!r}")):
        generate(shipped, 2, seed)
    with pytest.raises(ConfigError, match=re.escape(f"seed must be an integer >= 0, got {seed!r}")):
        shipped.fit_predictor(["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"] * 2, [1.0, 2.0], seed=seed)


def test_generate_refuses_a_term_fitted_on_another_space(shipped):
    """An NB201 predictor guiding the MBv3 generator failed mid-sampling with a matrix-shape error."""
    archs = get_space("nb201").sample(8, np.random.default_rng(0))
    predictor = shipped.fit_predictor(archs, np.arange(8.0), PredictorConfig(steps=2), seed=0)
    term = GuidanceTerm("accuracy:cifar10", predictor, Objective("max"))
    mbv3 = ArchitectureGenerator.load("mbv3")
    for distinct in (False, True):
        with pytest.raises(ConfigError, match=r"guidance term 'accuracy:cifar10' cannot read 'mbv3' architectures "
                                              r"\(20 x 9\): its predictor was fitted for another search space"):
            generate(mbv3, 2, 0, terms=[term], scales=[10.0], distinct=distinct)
    run, made = generate(shipped, 2, 0, terms=[term], scales=[10.0])  # its own space: accepted
    assert len(made) == 2
    # scale 0 everywhere: reported as guided, guided by nothing
    for distinct in (False, True):
        with pytest.raises(ConfigError, match=r"every guidance scale is 0 \(\[0.0, 0.0\]\), so the 1 guidance "
                                              r"term\(s\) would guide nothing"):
            generate(shipped, 2, 0, terms=[term], scales=[0.0, 0.0], distinct=distinct)


def test_generate_refuses_scales_without_terms_and_scales_as_a_string(shipped):
    """Scales without terms sampled unguided under a guided call; "50" was read as 5 and 0."""
    with pytest.raises(ConfigError, match="takes terms and scales together"):
        generate(shipped, 4, 0, scales=[50.0])
    with pytest.raises(ConfigError, match="guidance scales '50' are a string"):
        check_scales("50")


@pytest.mark.parametrize("device, message", [
    ("banana", "'banana' is not a torch device; use cpu, cuda, cuda:N or mps"),
    ("cuda:99", "'cuda:99': this machine has .* CUDA device"),
    ("meta", "'meta': use cpu, cuda, cuda:N or mps"),
])
def test_load_refuses_a_device_this_machine_lacks(device, message):
    with pytest.raises(ConfigError, match=message):
        ArchitectureGenerator.load("nb201", device=device)


@pytest.mark.parametrize("sections, message", [
    ({"train": {"stepz": 3}}, r"unknown keys \['stepz'\] in config section 'train'; valid: \['batch_size'"),
    ({"trian": {"steps": 3}}, r"unknown config sections \['trian'\]; valid: \['model', 'sampler', 'sde', 'train'\]"),
    ({"train": {"steps": "3"}}, "train.steps is '3'; it must be of type int"),
])
def test_with_overrides_names_the_bad_section_or_key(sections, message):
    with pytest.raises(ConfigError, match=message):
        DiffusionConfig().with_overrides(**sections)
    assert DiffusionConfig().with_overrides(train={"steps": 3, "seed": None}).train.steps == 3  # None: unchanged


@pytest.mark.parametrize("cls", [PredictorConfig, MetaPredictorConfig])
@pytest.mark.parametrize("setting, message", [
    ({"steps": 0}, "predictor steps must be an integer >= 1, got 0"),
    ({"steps": -5}, "predictor steps must be an integer >= 1, got -5"),
    ({"batch_size": 0}, "predictor batch_size must be an integer >= 1, got 0"),
    ({"hidden": 0}, "predictor hidden must be an integer >= 1, got 0"),
    ({"lr": -1.0}, "predictor lr must be a finite number > 0, got -1.0"),
    ({"lr": "1e-3"}, "predictor lr must be a finite number > 0, got '1e-3'"),  # a TypeError before
    ({"dropout": float("nan")}, r"predictor dropout must be a finite number in \[0, 1\), got nan"),
])
def test_predictor_configs_refuse_settings_that_cannot_fit(cls, setting, message):
    """``steps=0`` used to divide by zero only when fitting; the others were accepted silently."""
    with pytest.raises(ConfigError, match=message):
        cls(**setting)


@pytest.mark.parametrize("args, message", [
    (("budget", "5"), "budget value is '5', not a number"),
    (("max", 5.0), "a max objective takes no value or softness"),
    (("min", None, 1.0), "a min objective takes no value or softness"),
])
def test_objective_refuses_a_value_it_cannot_use(args, message):
    with pytest.raises(ConfigError, match=message):
        Objective(*args)


# ---- properties and guidance ---------------------------------------------------------------
@pytest.mark.parametrize("space, name, options, message", [
    ("nb201", "latency:pixel3", {"resolution": 160},
     "nb201 properties take the options bench, data_dir; 'resolution' is an option of mbv3 properties"),
    ("mbv3", "accuracy", {"bench": None},
     "mbv3 properties take the options resolution, width; 'bench' is an option of nb201 properties"),
])
def test_space_property_says_which_space_an_option_belongs_to(space, name, options, message):
    with pytest.raises(ConfigError, match=message):
        space_property(space, name, **options)


def test_fit_guidance_refuses_a_property_of_another_space(shipped):
    """It used to fit on MBv3 labels and fail in torch with a tensor size mismatch."""
    flops = space_property("mbv3", "flops")
    with pytest.raises(ConfigError, match=r"flops is a property of mbv3 architectures, but the generator makes "
                                          r"nb201 ones; use a property of nb201: space_property\('nb201', ...\)"):
        fit_guidance(shipped, [GuideRequest(flops, Objective("min"))], n_labels=10, seed=0)


@pytest.mark.parametrize("arch", ["junk", MBV3_ARCH, None])
def test_nb201_property_refuses_what_is_not_a_cell(toy_bench, tmp_path, arch):
    """NaN means only "this valid cell has no value" (a user's file lists a few): a typo or an
    MBv3 string used to read as NaN too."""
    acc = space_property("nb201", "accuracy:cifar10", bench=toy_bench)
    with pytest.raises(InvalidArchitectureError):
        acc.evaluate([toy_bench.archs[0], arch])
    assert np.isfinite(acc.evaluate([f" {toy_bench.archs[0]} "])).all()  # a valid spelling is looked up
    (tmp_path / "mine.csv").write_text(f"arch,value\n{toy_bench.archs[0]},1\n{toy_bench.archs[1]},2\n")
    mine = labels_from_csv(tmp_path / "mine.csv", toy_bench).evaluate(toy_bench.archs[:3])
    assert mine[:2].tolist() == [1.0, 2.0] and np.isnan(mine[2])


@pytest.mark.parametrize("options, message", [
    ({"weight": -1.0}, "weight of accuracy:cifar10 must be a finite number > 0, got -1.0"),
    ({"weight": float("nan")}, "weight of accuracy:cifar10 must be a finite number > 0, got nan"),
    ({"tighten": -1.0}, "tighten of accuracy:cifar10 must be a finite number >= 0, got -1.0"),
    ({"predictor": "magic"}, "predictor='magic' for accuracy:cifar10; use one of auto, exact, learned"),
    ({"weight": True}, "weight of accuracy:cifar10 must be a finite number > 0, got True"),  # read as 1
    ({"objective": "max"}, "objective of accuracy:cifar10 is 'max'; give an Objective"),  # an AttributeError later
])
def test_guide_request_is_checked_when_made(toy_bench, options, message):
    """Not after fit_guidance's 600-step predictor fit, as a weight of -1 was."""
    acc = space_property("nb201", "accuracy:cifar10", bench=toy_bench)
    with pytest.raises(ConfigError, match=message):
        GuideRequest(acc, **{"objective": Objective("max"), **options})
    with pytest.raises(ConfigError, match="GuideRequest's property is 'accuracy:cifar10'; give an ArchProperty"):
        GuideRequest("accuracy:cifar10", Objective("max"))  # type: ignore[arg-type]


# ---- benchmark tables and transfer sources -------------------------------------------------
@pytest.mark.parametrize("arch", [3.0, None, True, np.bool_(True), b"abc", (1.0, 2, 3, 4, 0, 1)])
def test_benchmark_query_takes_only_an_index_a_string_or_op_indices(toy_bench, arch):
    """A bool used to be read as row 0 or 1, a float or None failed in iteration, bytes as op indices."""
    with pytest.raises(InvalidArchitectureError, match="pass a cell string, a row index .int. or an op-index tuple"):
        toy_bench.query(arch, "cifar10")
    row = toy_bench.query(np.int64(1), "cifar10")
    assert toy_bench.query(toy_bench.archs[1], "cifar10") == row == toy_bench.query(1, "cifar10")


@pytest.mark.parametrize("cls", [NB201Benchmark, TNB101Benchmark])
def test_benchmark_load_refuses_a_flag_for_a_path(cls):
    with pytest.raises(ConfigError, match="benchmark file True is not a path; .* pass allow_unverified=True by keyword"):
        cls.load(True)


def test_parse_sources_takes_a_string_as_one_comma_list(toy_bench):
    """A string used to be iterated character by character ("unknown source 'n'")."""
    meta = parse_sources("nb201:cifar10@5, nb201:cifar100@5", bench=toy_bench)
    assert [t.name for t in meta.tasks] == ["nb201:cifar10", "nb201:cifar100"] and len(meta) == 10


@pytest.mark.parametrize("sources, message", [
    (["meta-train-db", "meta-train-db"], "source 'meta-train-db' is listed twice"),  # refused before it is read
    (["nb201:cifar100@5,nb201:cifar10@5", "nb201:cifar100@5"], "source 'nb201:cifar100@5' is listed twice"),
    (["nb201:cifar100", "nb201:CIFAR-100"], "sources 'nb201:cifar100' and 'nb201:CIFAR-100' both hold task "
                                            "'nb201:cifar100'"),
    ([], "no source given"),
    (["nb201:cifar100@5,,nb201:ImageNet16-120@5"], "empty item in the source list"),
    ("nb201:cifar100@5,", "empty item in the source list"),
])
def test_parse_sources_refuses_a_source_listed_twice(toy_bench, sources, message):
    """A repeat used to double its records silently."""
    with pytest.raises(ConfigError, match=message):
        parse_sources(sources, bench=toy_bench)


# ---- values the API used to misread ----------------------------------------------------------
def test_one_architecture_string_is_not_read_as_a_list_of_characters(toy_bench):
    """``evaluate(arch)`` / ``encode(arch)`` iterated the string and blamed a cell named '|'."""
    arch = toy_bench.archs[0]
    acc = space_property("nb201", "accuracy:cifar10", bench=toy_bench)
    for call in (lambda: acc.evaluate(arch), lambda: get_space("nb201").encode(arch),
                 lambda: toy_bench.query_many(arch, "cifar10"),
                 lambda: space_property("mbv3", "flops").evaluate(MBV3_ARCH)):
        with pytest.raises(ConfigError, match=r"expected a list of architecture strings, got one string .*\[arch\]"):
            call()
    assert acc.evaluate([arch]).tolist() == [toy_bench.query(arch, "cifar10")]


@pytest.mark.parametrize("name", [None, 3])
def test_space_property_refuses_a_name_that_is_not_a_string(name):
    with pytest.raises(ConfigError, match=f"a property name is a string such as 'accuracy:cifar10'.*got {name!r}"):
        space_property("nb201", name)  # type: ignore[arg-type]


def test_generate_refuses_a_sampler_that_is_not_a_sampler_config(shipped):
    """A dict (the keys of a config file's sampler section) raised AttributeError."""
    with pytest.raises(ConfigError, match=r"sampler is \{'steps': 2\}; give a SamplerConfig"):
        generate(shipped, 2, 0, sampler={"steps": 2})  # type: ignore[arg-type]


def test_task_features_that_overflow_the_dataset_encoder_are_named():
    """Finite but huge features made the encoder's output infinite, and guidance then failed
    advising a lower guidance scale."""
    space = get_space("nb201")
    model = MetaPredictor(space.n_tokens, space.adjacency(), 4, MetaPredictorConfig(hidden=8, set_dim=8, heads=2))
    with pytest.raises(ConfigError, match=r"largest \|value\| 1e\+30\) overflows the meta-predictor's dataset encoder"):
        model.bind(torch.full((3, 5, 4), 1e30))
    assert torch.isfinite(model.bind(torch.randn(3, 5, 4)).task_embedding).all()


def test_fit_predictor_names_labels_it_cannot_align(shipped, toy_bench):
    """Two columns of labels failed inside torch (tensor sizes), None and a dict with bare
    TypeErrors; they are named, with the fix."""
    archs = toy_bench.archs[:3]
    with pytest.raises(ConfigError, match=re.escape("values must be one number per architecture (a 1-d sequence), "
                                                    "got shape (3, 2)")):
        shipped.fit_predictor(archs, np.arange(6.0).reshape(3, 2), seed=0)
    with pytest.raises(ConfigError, match=re.escape("got dict; pass [values[a] for a in archs]")):
        shipped.fit_predictor(archs, dict.fromkeys(archs, 1.0), seed=0)
    with pytest.raises(ConfigError, match="got NoneType"):
        shipped.fit_predictor(archs, None, seed=0)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="values must be one number per architecture, got \\['a', 'b', 'c'\\]"):
        shipped.fit_predictor(archs, ["a", "b", "c"], seed=0)
    with pytest.raises(ConfigError, match="expected a list of architecture strings, got NoneType"):
        shipped.fit_predictor(None, [1.0, 2.0], seed=0)  # type: ignore[arg-type]


def test_search_parts_refuse_what_they_would_misuse(shipped, toy_bench):
    """An acquisition given best None / NaN scored every cell NaN; a surrogate of 0 members or
    used before its fit failed as IndexError / a torch stack error; sample / mutate given a seed
    or RandomState failed on '.integers'; a 0-d array as a table row was iterated; transfer's
    train_top 1.0 failed as a slice TypeError."""
    from naslib_diffusionnag.bo.acquisition import make_acquisition
    from naslib_diffusionnag.bo.surrogate import EnsembleSurrogate
    from naslib_diffusionnag.errors import DiffusionNAGError
    from naslib_diffusionnag.transfer.pipeline import check_run_size

    with pytest.raises(ConfigError, match="ensemble size must be an integer >= 1, got 0"):
        EnsembleSurrogate(shipped, 0)
    surrogate = EnsembleSurrogate(shipped, 2, PredictorConfig(steps=5))
    with pytest.raises(DiffusionNAGError, match=r"has not been fitted yet; call fit\(archs, values, seed\) first"):
        surrogate.normalise(90.0)
    archs = toy_bench.archs[:4]
    surrogate.fit(archs, [toy_bench.query(a, "cifar10") for a in archs], seed=0)
    for best in (None, float("nan")):
        with pytest.raises(ConfigError, match=rf"best \(the incumbent's value\) must be a finite number, got {best}"):
            make_acquisition("ei", surrogate, best, 0)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="seed must be an integer in"):
        make_acquisition("ts", surrogate, 90.0, -1)
    assert torch.isfinite(make_acquisition("ei", surrogate, 90.0, 0)(*surrogate.inputs(archs))).all()
    for name in ("nb201", "mbv3"):
        space = get_space(name)
        for rng in (0, None, np.random.RandomState(0)):
            with pytest.raises(ConfigError, match=f"rng must be a numpy Generator, .*got {type(rng).__name__}"):
                space.sample(2, rng)  # type: ignore[arg-type]
            with pytest.raises(ConfigError, match="rng must be a numpy Generator"):
                space.mutate(space.sample(1, np.random.default_rng(0))[0], rng)  # type: ignore[arg-type]
    assert toy_bench.query(np.array(2), "cifar10") == toy_bench.query(2, "cifar10")
    for top in (1.0, True):
        with pytest.raises(ConfigError, match=r"--train-top must be an integer >= 1"):
            check_run_size(5, top, shipped.space)  # type: ignore[arg-type]


def test_part_way_sampling_and_candidate_pools_refuse_what_they_would_misuse(shipped):
    """A t_start without a start was ignored (a full run), a list start failed on '.shape', a NaN
    start made every sample invalid unsaid, steps_from(0) ran 1 step and NaN failed in int();
    sample_edits dropped a scale given without terms and failed on terms=None; a candidate pool
    of n 0 or top_k -1 proposed nothing (or dropped the worst parent) unsaid."""
    from naslib_diffusionnag.bo.candidates import DiffusionAO, EditAO, MutationAO
    from naslib_diffusionnag.diffusion import to_model_scale

    space = shipped.space
    starts = space.sample(2, np.random.default_rng(0))
    start = to_model_scale(space.encode(starts).float())
    with pytest.raises(ConfigError, match=r"t_start 0.5 starts a chain part-way, which needs .* give start"):
        shipped.sample(2, 0, t_start=0.5)
    with pytest.raises(ConfigError, match=r"start must be a tensor of shape \(2, 8, 7\).*got list"):
        shipped.sample(2, 0, start=start.tolist(), t_start=0.5)
    with pytest.raises(ConfigError, match="start holds NaN or infinite entries"):
        shipped.sample(2, 0, start=torch.full_like(start, float("nan")), t_start=0.5)
    for t in ("0.5", True, 0.0, 1.5, float("nan"), None):
        with pytest.raises(ConfigError, match=r"t_start \(the noise level a chain starts from\) must be a finite"):
            shipped.sample(2, 0, start=start, t_start=t)
        with pytest.raises(ConfigError, match=r"in \(0, 1\]"):
            SamplerConfig().steps_from(t)
    assert SamplerConfig(steps=40).steps_from(0.5) == 20
    with pytest.raises(ConfigError, match=re.escape("guidance scales [5.0] weigh guidance terms, and none were given")):
        shipped.sample_edits(starts, 2, 0, 0.5, scale=5.0)
    for terms in (None, [1], "mean"):
        with pytest.raises(ConfigError, match="terms must be a list of GuidanceTerm"):
            shipped.sample_edits(starts, 2, 0, 0.5, terms=terms)  # type: ignore[arg-type]
    for make, message in ((lambda: EditAO(shipped, n=0), "parameter 'n' must be an integer >= 1, got 0"),
                          (lambda: EditAO(shipped, top_k=2.5), "parameter 'top_k' must be an integer >= 1, got 2.5"),
                          (lambda: EditAO(shipped, t_start=0.0), r"t_start .* must be a finite number in \(0, 1\]"),
                          (lambda: MutationAO(space, n=True), "parameter 'n' must be an integer >= 1, got True"),
                          (lambda: MutationAO(space, top_k=-1), "parameter 'top_k' must be an integer >= 1"),
                          (lambda: DiffusionAO(shipped, fill_rounds=-1), "parameter 'fill_rounds' must be an integer")):
        with pytest.raises(ConfigError, match=message):
            make()


def test_the_nb201_adapter_names_a_missing_template_and_a_malformed_cell():
    """to_graph(arch, None) failed as "'NoneType' object has no attribute 'clone'", for a
    malformed cell too (the template was touched first)."""
    from naslib_diffusionnag.naslib.adapter import NB201Adapter

    cell = get_space("nb201").sample(1, np.random.default_rng(0))[0]
    with pytest.raises(ConfigError, match=r"template must be an unset NASLib nasbench201 search space .* got NoneType"):
        NB201Adapter().to_graph(cell, None)
    with pytest.raises(InvalidArchitectureError):
        NB201Adapter().to_graph("|junk~0|", None)


# ---- guidance through the generator's own calls ----------------------------------------------
def test_guidance_terms_and_scales_that_would_sample_unguided_are_refused(shipped):
    """``generate`` refused these; the generator's calls sampled unguided, silently: terms with
    every scale 0 (sample_distinct, sample_edits' default scale), a scale with no term."""
    space = shipped.space
    archs = space.sample(12, np.random.default_rng(0))
    pred = shipped.fit_predictor(archs, np.arange(12.0), PredictorConfig(steps=2))
    term = GuidanceTerm("acc", pred, Objective("max"))
    starts = archs[:2]
    with pytest.raises(ConfigError) as e:
        shipped.sample_distinct(4, 0, [term], [0])
    assert _message(e) == ("every guidance scale is 0 ([0.0]), so the 1 guidance term(s) would guide nothing: give a "
                           "scale > 0, or no terms for unguided samples")
    with pytest.raises(ConfigError, match=re.escape("every guidance scale is 0 ([0.0])")):
        shipped.sample_edits(starts, 2, 0, 0.5, terms=[term])
    with pytest.raises(ConfigError, match=re.escape("guidance scales [10.0] weigh guidance terms, and none were given")):
        shipped.sample_guided(2, 0, [], [10])
    with pytest.raises(ConfigError, match=re.escape("guidance scales must be a list of numbers, e.g. [50] or [50, 25, "
                                                    "10], got 10")):
        shipped.sample_guided(2, 0, [term], 10)  # type: ignore[arg-type]
    assert len(shipped.sample_distinct(2, 0, [], [0.0], round_size=4).archs) == 4  # unguided: still allowed


@pytest.mark.parametrize("make, message", [
    (lambda pred: GuidanceTerm("acc", pred, "max"), "the objective of guidance term 'acc' must be an Objective, e.g. "
                                                    "Objective('max'), got 'max'"),
    (lambda pred: GuidanceTerm("acc", None, Objective("max")), "the predictor of guidance term 'acc' must be a "
                                                               "noise-aware predictor"),
    (lambda pred: GuidanceTerm("acc", lambda x, s: x.sum(), Objective("max")), "got function"),
    (lambda pred: GuidanceTerm(None, pred, Objective("max")), "a guidance term needs a name (a non-empty string), "
                                                              "got None"),
], ids=["objective-string", "predictor-none", "predictor-function", "name-none"])
def test_a_guidance_term_is_checked_when_made(shipped, make, message):
    """Each was accepted and failed at sampling as a raw TypeError / AttributeError."""
    archs = shipped.space.sample(12, np.random.default_rng(0))
    pred = shipped.fit_predictor(archs, np.arange(12.0), PredictorConfig(steps=2))
    with pytest.raises(ConfigError) as e:
        make(pred)
    assert message in _message(e)


def test_fit_guidance_takes_requests_from_a_generator(shipped, toy_bench):
    """A generator was used up by the type check and fit_guidance returned no terms at all."""
    acc = space_property("nb201", "accuracy:cifar10", bench=toy_bench)
    fitted = fit_guidance(shipped, (r for r in [GuideRequest(acc, Objective("max"))]), n_labels=10, seed=0)
    assert [t.name for t in fitted.terms] == [acc.name]
    with pytest.raises(ConfigError, match="fit_guidance takes a list of GuideRequest objects, got None"):
        fit_guidance(shipped, None, n_labels=10, seed=0)  # type: ignore[arg-type]


def test_a_checkpoint_path_or_predictor_config_of_the_wrong_type_is_named(shipped):
    """A number as the path was pathlib's TypeError; a dict as the config an AttributeError."""
    with pytest.raises(ConfigError, match="the checkpoint path must be a path \\(str or Path\\), got int 5"):
        ArchitectureGenerator.load("nb201", 5)  # type: ignore[arg-type]
    archs = shipped.space.sample(4, np.random.default_rng(0))
    with pytest.raises(ConfigError, match=r"config must be a PredictorConfig \(e.g. PredictorConfig\(steps=300\)\), "
                                          "got dict"):
        shipped.fit_predictor(archs, [1.0, 2.0, 3.0, 4.0], {"steps": 1})  # type: ignore[arg-type]
