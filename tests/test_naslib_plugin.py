"""The NASLib plugin. Tests of our side (dataset_api, config, adapters' conversions, the
missing-NASLib error) always run; those that drive NASLib itself run when NASLib is importable
and are skipped with the reason otherwise."""
from __future__ import annotations

import json
import math
import pickle
import re
import subprocess
import sys
from dataclasses import asdict
from itertools import product
from pathlib import Path

import numpy as np
import pytest
import yaml

from naslib_diffusionnag.bo import resolve_params
from naslib_diffusionnag.errors import (
    ConfigError,
    DataFormatError,
    InvalidArchitectureError,
    UnknownNameError,
)
from naslib_diffusionnag.naslib import (
    DATASET_API_INFO_KEY,
    NB201Adapter,
    build_nb201_dataset_api,
    get_adapter,
    load_dataset_api,
    naslib_available,
)
from naslib_diffusionnag.naslib.dataset_api import NASLIB_SPLIT
from naslib_diffusionnag.naslib.settings import (
    SEARCH_KEYS,
    diffusion_bo_params,
    plugin_method,
    transfer_bo_params,
)
from naslib_diffusionnag.oracles import resolve_data_file
from naslib_diffusionnag.oracles.nb201_properties import nb201_property

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "naslib_nb201.yaml"
needs_naslib = pytest.mark.skipif(not naslib_available(),
                                  reason="NASLib is not importable (see README, 'NASLib plugin')")


@pytest.fixture(scope="module")
def api_c10():
    return build_nb201_dataset_api("cifar10")


# ---- no NASLib needed ----------------------------------------------------------------------
@pytest.mark.slow
def test_dataset_api_holds_test_accuracy_under_naslib_keys(bench, api_c10):
    data = api_c10["nb201_data"]
    assert len(data) == 15625 and set(data) == set(bench.archs)
    acc = bench.column("cifar10")
    flops = nb201_property("flops:cifar10", bench).values
    for i in range(0, 15625, 97):
        entry = data[bench.archs[i]]["cifar10-valid"]  # the key NASLib's query reads for cifar10
        assert len(entry["eval_acc1es"]) == 200 and entry["eval_acc1es"][-1] == acc[i]
        assert all(math.isnan(v) for v in entry["eval_acc1es"][:-1])  # no per-epoch curve in our data
        assert all(math.isnan(v) for v in entry["train_acc1es"])
        assert entry["cost_info"]["flops"] == flops[i] and math.isnan(entry["cost_info"]["train_time"])
    best = max(v["cifar10-valid"]["eval_acc1es"][-1] for v in data.values())
    assert best == pytest.approx(94.3733, abs=1e-3)  # the CIFAR-10 test optimum, not cifar10-valid's 91.61
    info = api_c10[DATASET_API_INFO_KEY]
    assert info["split_key"] == "cifar10-valid" and "TEST" in info["val_and_test"]
    assert "test accuracy" in info["metric"] and info["sha256"] == bench.checksum


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["cifar100", "ImageNet16-120"])
def test_dataset_api_other_datasets(bench, dataset):
    api = build_nb201_dataset_api(dataset)
    arch, value = bench.best(dataset)
    assert api["nb201_data"][arch][NASLIB_SPLIT[dataset]]["eval_acc1es"][-1] == value


@pytest.mark.slow
def test_naslib_pickles_are_accepted_and_bad_sources_refused(tmp_path, api_c10, bench):
    subset = dict(list(api_c10["nb201_data"].items())[:40])
    good = tmp_path / "nb201_cifar10_full_training.pickle"
    good.write_bytes(pickle.dumps(subset))
    loaded = load_dataset_api("cifar10", str(good))
    assert set(loaded["nb201_data"]) == set(subset) and "cifar10-valid" in loaded[DATASET_API_INFO_KEY]["metric"]
    assert all(loaded["nb201_data"][a]["cifar10-valid"]["eval_acc1es"][-1] == bench.query(a, "cifar10") for a in subset)
    bad = tmp_path / "other.pickle"
    bad.write_bytes(pickle.dumps({"x": {"cifar100": {}}}))
    with pytest.raises(DataFormatError, match="not NASLib's nb201 layout"):
        load_dataset_api("cifar10", str(bad))
    with pytest.raises(UnknownNameError, match="dataset_api source"):
        load_dataset_api("cifar10", "nowhere")
    with pytest.raises(UnknownNameError, match="dataset"):
        load_dataset_api("mnist", "ours")


def test_runner_config_has_what_each_optimizer_reads():
    cfg = yaml.safe_load(CONFIG.read_text())
    assert cfg["search_space"] == "nasbench201" and cfg["dataset_api"] == "ours" and "evaluation" in cfg
    s = cfg["search"]
    assert s["fidelity"] == -1 and s["epochs"] == 100  # NASLib's default budget, RS fix
    for key in ("sample_size", "population_size", "num_init", "k", "num_ensemble", "acq_fn_type",
                "acq_fn_optimization", "num_arches_to_mutate", "max_mutations", "num_candidates",
                "predictor_type", "diffusion_scales", "diffusion_predictor_steps", "diffusion_checkpoint",
                "diffusion_guide", "diffusion_beta"):
        assert key in s, key


def test_plugin_settings_are_our_methods_parameters():
    """NASLib's search keys become diffusion-bo's typed parameters (no NASLib needed): the
    runner config resolves, and a bad value is refused with the parameter's name."""
    search = yaml.safe_load(CONFIG.read_text())["search"]
    params = diffusion_bo_params(search)
    assert params["n_init"] == search["num_init"] and params["acquisition"] == search["acq_fn_type"]
    assert set(params) == {ours for ours, _ in SEARCH_KEYS.values()}
    assert asdict(resolve_params("diffusion-bo", params))["guide"] == "mean"
    assert diffusion_bo_params({**search, "diffusion_rank_weight": 1.0})["surrogate_rank_weight"] == 1.0
    assert diffusion_bo_params({**search, "diffusion_local_queries": 3})["local_queries"] == 3
    assert diffusion_bo_params(search)["stall_switch"] == 0
    assert diffusion_bo_params({**search, "diffusion_stall_switch": 20})["stall_switch"] == 20
    assert (diffusion_bo_params(search)["surrogate_noise_power"], diffusion_bo_params(search)["fill_rounds"]) == (1, 0)
    assert diffusion_bo_params({**search, "diffusion_surrogate_noise_power": 3})["surrogate_noise_power"] == 3
    assert diffusion_bo_params({**search, "diffusion_fill_rounds": 3})["fill_rounds"] == 3
    assert diffusion_bo_params({**search, "diffusion_surrogate_labels": "normal_scores"})["surrogate_labels"] == \
        "normal_scores"
    assert (diffusion_bo_params(search)["mix_mutations"],
            diffusion_bo_params({**search, "diffusion_mix_mutations": 100})["mix_mutations"]) == (0, 100)
    for key, value, message in (("diffusion_guide", "ucb", "parameter 'guide' must be one of mean, acquisition"),
                                ("acq_fn_type", "exploit", "parameter 'acquisition' must be one of"),
                                ("diffusion_beta", -1, "parameter 'beta' must be a finite number >= 0"),
                                ("diffusion_rank_weight", -1, "parameter 'surrogate_rank_weight' must be a finite number >= 0"),
                                ("diffusion_local_queries", 11, "parameter 'local_queries' .* cannot exceed 'k'"),
                                ("diffusion_stall_switch", -1, "parameter 'stall_switch' must be an integer >= 0"),
                                ("diffusion_surrogate_noise_power", 0, "parameter 'surrogate_noise_power' must be"),
                                ("diffusion_fill_rounds", -1, "parameter 'fill_rounds' must be an integer >= 0"),
                                ("diffusion_surrogate_labels", "ranks", "parameter 'surrogate_labels' must be one of"),
                                ("diffusion_mix_mutations", -1, "parameter 'mix_mutations' must be an integer >= 0")):
        with pytest.raises(ConfigError, match=message):
            resolve_params("diffusion-bo", diffusion_bo_params({**search, key: value}))
    del search["num_init"]
    with pytest.raises(KeyError, match="num_init"):
        diffusion_bo_params(search)


def test_plugin_transfer_settings_are_transfer_bos_parameters():
    """``transfer_meta_checkpoint`` turns the plugin's diffusionnag into transfer-BO on the dataset
    searched: the shared BO keys carry over, diffusion-BO's own ones (scales, guide, ranking term,
    local queries; the shipped config sets the ranking term) do not."""
    search = {**yaml.safe_load(CONFIG.read_text())["search"], "transfer_meta_checkpoint": "meta.pt"}
    params = transfer_bo_params(search, "cifar100")
    assert params["target"] == "cifar100" and params["meta_checkpoint"] == "meta.pt"
    assert params["n_init"] == search["num_init"] and params["n_generate"] == search["transfer_n_generate"]
    assert search["diffusion_rank_weight"] > 0
    assert not {"scales", "guide", "surrogate_rank_weight", "local_queries"} & set(params)
    assert resolve_params("transfer-bo", params).target == "cifar100"
    with pytest.raises(ConfigError, match="parameter 'n_generate' must be an integer >= 1"):
        resolve_params("transfer-bo", transfer_bo_params({**search, "transfer_n_generate": 0}, "cifar100"))
    assert "stall_switch" not in transfer_bo_params({**search, "diffusion_stall_switch": 0}, "cifar100")
    for key, value, default in (("diffusion_stall_switch", 20, "0"), ("diffusion_surrogate_noise_power", 3, "1.0"),
                                ("diffusion_fill_rounds", 2, "0"), ("diffusion_local_queries", 2, "0"),
                                ("diffusion_guide", "acquisition", "mean"),
                                ("diffusion_surrogate_labels", "normal_scores", "zscore"),
                                ("diffusion_mix_mutations", 100, "0"),
                                ("diffusion_scales", [1.0], r"\[100.0, 50.0, 25.0\]")):
        with pytest.raises(ConfigError, match=f"search.{key} is diffusion-BO's.*set it to {default} "):
            transfer_bo_params({**search, key: value}, "cifar100")
    assert not {"surrogate_noise_power", "fill_rounds"} & set(
        transfer_bo_params({**search, "diffusion_surrogate_noise_power": 1, "diffusion_fill_rounds": 0}, "cifar100"))


@pytest.mark.slow
def test_adapter_conversions_and_proxies_without_naslib(nb201, bench):
    adapter = get_adapter("nasbench201")
    assert isinstance(adapter, NB201Adapter)
    seen = set()
    for op in product(range(5), repeat=6):
        arch = adapter.space.from_op_indices(op)
        proxy = adapter.proxy(arch)
        assert proxy.get_hash() == op and adapter.to_arch(proxy) == arch
        seen.add(arch)
    assert seen == set(bench.archs)
    with pytest.raises(UnknownNameError, match="adapter 'nasbench101'; choose one of: nasbench201. Add one"):
        get_adapter("nasbench101")


def test_package_imports_without_naslib_and_says_how_to_install():
    code = ("import sys; sys.modules['naslib'] = None\n"
            "import naslib_diffusionnag.naslib as p\n"
            "assert not p.naslib_available()\n"
            "try:\n    p.DiffusionNAG\nexcept p.NASLibNotFoundError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "not importable" in out.stdout and "pip install --no-deps" in out.stdout


# ---- with NASLib ---------------------------------------------------------------------------
@pytest.mark.slow
@needs_naslib
def test_adapter_matches_naslib_on_all_cells(bench, api_c10):
    from naslib.search_spaces import NasBench201SearchSpace
    from naslib.search_spaces.core.query_metrics import Metric
    from naslib.search_spaces.nasbench201.conversions import convert_naslib_to_str, convert_op_indices_to_str
    from naslib.utils.encodings import EncodingType

    adapter = get_adapter(NasBench201SearchSpace())
    for op in product(range(5), repeat=6):  # all 15,625 op-index tuples, NASLib's own conversion
        assert adapter.space.from_op_indices(op) == convert_op_indices_to_str(op)
    template = NasBench201SearchSpace()
    rng = np.random.default_rng(0)
    for i in rng.choice(15625, size=12, replace=False):  # real graphs are 0.1-0.3 s each
        arch = bench.archs[int(i)]
        graph = adapter.to_graph(arch, template)
        assert convert_naslib_to_str(graph) == arch and adapter.to_arch(graph) == arch
        assert graph.query(Metric.VAL_ACCURACY, "cifar10", dataset_api=api_c10) == bench.query(arch, "cifar10")
        proxy = adapter.proxy(arch)
        for enc in (EncodingType.ADJACENCY_ONE_HOT, EncodingType.PATH, EncodingType.GCN):
            a, b = graph.encode(enc), proxy.encode(enc)
            if isinstance(a, dict):
                assert all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) for k in a)
            else:
                assert np.array_equal(np.asarray(a), np.asarray(b))


def _run(tmp_path: Path, optimizer: str, *overrides: str) -> tuple[dict, list]:
    from naslib_diffusionnag.naslib.runner import run

    info = run(["--config-file", str(CONFIG), "optimizer", optimizer, "out_dir", str(tmp_path), "seed", "3",
                *overrides])
    errors = json.loads((tmp_path / "nasbench201" / "cifar10" / optimizer / "3" / "errors.json").read_text())
    return info, errors


SMALL = ("search.epochs", "14", "search.num_init", "4", "search.k", "5", "search.num_candidates", "40",
         "search.diffusion_predictor_steps", "60")


@pytest.mark.slow
@needs_naslib
@pytest.mark.parametrize("optimizer", ["diffusionnag", "bananas_diffusion"])
def test_plugin_optimizers_search_through_naslibs_trainer(tmp_path, bench, optimizer):
    info, errors = _run(tmp_path, optimizer, *SMALL)
    test_curve = errors[1]["test_acc"]
    assert len(test_curve) == 14 and all(b >= a for a, b in zip(test_curve, test_curve[1:], strict=False))
    assert info["final_test_accuracy"] == bench.query(info["final_arch"], "cifar10") == test_curve[-1]
    assert info["final_test_accuracy"] > np.median(bench.column("cifar10"))
    assert info["dataset_api"]["split_key"] == "cifar10-valid" and info["naslib"]["path"]
    with pytest.raises(FileExistsError, match="has finished"):
        _run(tmp_path, optimizer, *SMALL)


@pytest.mark.slow
@needs_naslib
@pytest.mark.parametrize("extra", [(), ("search.diffusion_mix_mutations", "20")])
def test_diffusionnag_runs_our_searchers_rounds(tmp_path, extra):
    """After NASLib's random initial graphs, DiffusionNAG queries exactly what our diffusion-bo
    searcher proposes for that history (replayed here without NASLib's Trainer), each
    architecture once, as NASLib graphs (also with mutations joining the generated pool)."""
    from naslib.search_spaces import NasBench201SearchSpace

    from naslib_diffusionnag.naslib import DiffusionNAG

    cfg = _config(tmp_path, *SMALL, *extra)
    assert diffusion_bo_params(cfg.search)["mix_mutations"] == (20 if extra else 0)
    api = build_nb201_dataset_api("cifar100")
    opt = DiffusionNAG(cfg)
    opt.adapt_search_space(NasBench201SearchSpace(), dataset_api=api)
    for e in range(14):
        opt.new_epoch(e)
    history = [(m.arch_str, float(m.accuracy)) for m in opt.train_data]
    archs = [a for a, _ in history]
    assert len(set(archs[4:])) == 10 and not set(archs[4:]) & set(archs[:4])
    replay = plugin_method(cfg.search, "nb201").searcher(opt.seed)
    assert replay.propose(history[:4], 10) == archs[4:9]  # k = 5 per round
    assert replay.propose(history[:9], 5) == archs[9:14]
    assert all(isinstance(m.arch, NasBench201SearchSpace) for m in opt.train_data)
    assert len(opt.train_statistics()) == 4


@pytest.mark.slow
@needs_naslib
def test_bananas_diffusion_takes_our_rounds_candidates(tmp_path):
    from naslib.search_spaces import NasBench201SearchSpace

    from naslib_diffusionnag.naslib import BananasDiffusion

    cfg = _config(tmp_path, *SMALL)
    opt = BananasDiffusion(cfg, acq_fn_optimization="diffusion")
    opt.adapt_search_space(NasBench201SearchSpace(), dataset_api=build_nb201_dataset_api("cifar100"))
    for e in range(4):
        opt.new_epoch(e)
    history = [(opt.adapter.to_arch(m.arch), float(m.accuracy)) for m in opt.train_data]
    candidates = [m.arch_str for m in opt._get_new_candidates(None)]
    assert candidates == plugin_method(cfg.search, "nb201").searcher(opt.seed).round(history)[1]
    assert len(candidates) > 5 and not set(candidates) & {a for a, _ in history}


@needs_naslib
def test_bananas_diffusion_refuses_diffusionnags_own_keys(tmp_path):
    """Local queries and a transfer meta-predictor are diffusionnag's: NASLib's BANANAS chooses
    bananas_diffusion's queries, so it refuses them at construction, naming the key and the fix."""
    from naslib_diffusionnag.naslib import BananasDiffusion

    with pytest.raises(ConfigError, match="diffusion_local_queries is read by optimizer diffusionnag.*set it to 0"):
        BananasDiffusion(_config(tmp_path / "local", *SMALL, "search.diffusion_local_queries", "3"),
                         acq_fn_optimization="diffusion")
    with pytest.raises(ConfigError, match="transfer_meta_checkpoint is read by optimizer diffusionnag"):
        BananasDiffusion(_config(tmp_path / "meta", *SMALL, "search.transfer_meta_checkpoint", "meta.pt"),
                         acq_fn_optimization="diffusion")
    BananasDiffusion(_config(tmp_path / "plain", *SMALL), acq_fn_optimization="diffusion")  # the config's 0 passes


@pytest.mark.slow
@needs_naslib
def test_diffusionnag_runs_transfer_bo_with_a_meta_checkpoint(tmp_path, bench):
    """With ``transfer_meta_checkpoint``, NASLib's diffusionnag queries what our transfer-BO
    searcher proposes, starting from the meta-predictor's ranking (no random graphs); a
    meta-predictor that saw the dataset is refused (the leakage guard)."""
    from naslib.search_spaces import NasBench201SearchSpace

    from naslib_diffusionnag.generation import ArchitectureGenerator
    from naslib_diffusionnag.naslib import DiffusionNAG
    from naslib_diffusionnag.transfer import LeakageError, MetaPredictorConfig, build_meta_predictor

    meta = build_meta_predictor(["nb201:ImageNet16-120@300"], ArchitectureGenerator.load("nb201"),
                                config=MetaPredictorConfig(steps=100), seed=0, bench=bench).save(tmp_path / "meta.pt")
    transfer = ("search.transfer_meta_checkpoint", str(meta), "search.transfer_n_generate", "20")
    cfg = _config(tmp_path, *SMALL, *transfer)
    opt = DiffusionNAG(cfg)
    opt.adapt_search_space(NasBench201SearchSpace(), dataset_api=build_nb201_dataset_api("cifar100"))
    for e in range(9):
        opt.new_epoch(e)
    history = [(m.arch_str, float(m.accuracy)) for m in opt.train_data]
    replay = plugin_method(cfg.search, "nb201", "cifar100").searcher(opt.seed)
    assert replay.propose([], 4) == [a for a, _ in history[:4]]  # the warm start, not NASLib's sampler
    assert replay.propose(history[:4], 5) == [a for a, _ in history[4:9]]
    refused = DiffusionNAG(_config(tmp_path / "leak", *SMALL, *transfer, "dataset", "ImageNet16-120"))
    with pytest.raises(LeakageError, match="ImageNet16-120"):
        refused.adapt_search_space(NasBench201SearchSpace(), dataset_api=build_nb201_dataset_api("ImageNet16-120"))


def _config(out_dir: Path, *overrides: str):
    """NASLib's config, its save folder (which it creates at once) under ``out_dir``."""
    from naslib import utils

    args = utils.default_argument_parser().parse_args(["--config-file", str(CONFIG), "dataset", "cifar100",
                                                       "out_dir", str(out_dir), *overrides])
    return utils.get_config_from_args(args, config_type="nas")


@needs_naslib
@pytest.mark.parametrize("overrides, message", [
    (["optimizer", "foo"], "unknown runner optimizer 'foo'"),
    (["search.diffusion_scale", "[50.0]"], "unknown key 'diffusion_scale'"),
    (["search.diffusion_beta", "abc"], "could not convert string to float: 'abc'"),
    (["search.epochs"], "Override list has odd length"),
    (["dataset", "imagenet16-120"], "NASLib spells it 'ImageNet16-120'"),
    (["search.epochs", "0"], "budget 0 is not a number of queries between 1 and 15,625"),
    (["search.epochs", "20000"], "budget 20000 is not a number of queries"),
    (["search.epochs", "5"], "search.epochs / search.num_init: budget 5 <= diffusion-bo's n_init 10"),
    (["dataset_api", "naslib", "dataset_api_csv", "x.csv"], "dataset_api_csv set(s) the CSV of dataset_api ours"),
    (["dataset_api", "naslib", "dataset_api_allow_unverified", "True"], "dataset_api_allow_unverified set(s) the CSV"),
    (["seed", "-1"], "seed must be an integer in [0, 4294967295], got -1 (NASLib seeds numpy with it)"),
    (["optimizer", "rs", "search.diffusion_guide", "acquisition"],
     "search.diffusion_guide set(s) our optimizers (diffusionnag, bananas_diffusion), and optimizer is 'rs'"),
])
def test_runner_refuses_bad_settings_in_one_line(tmp_path, capsys, overrides, message):
    """They ended in a traceback (NASLib's yacs errors without context), or after setting up the
    search (a dataset spelt otherwise than NASLib spells it), or ran silently wrong (a budget
    our optimizer spends on random cells alone, more queries than cells)."""
    from naslib_diffusionnag.naslib.runner import main

    assert main(["--config-file", str(CONFIG), "out_dir", str(tmp_path / "o"), *overrides]) == 2
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0]
    assert not list(tmp_path.rglob("log.log"))  # refused before the run's logger (and search) started


def test_runner_refuses_our_keys_for_naslibs_optimizers():
    """search.diffusion_* / search.transfer_* given for rs changed nothing (checked without NASLib)."""
    from naslib_diffusionnag.naslib.runner import check_overrides_apply

    with pytest.raises(ConfigError, match=r"search.diffusion_guide, search.transfer_n_generate set\(s\) our "
                                          r"optimizers .* optimizer is 're'"):
        check_overrides_apply("re", ["search.diffusion_guide", "acquisition", "seed", "1",
                                     "search.transfer_n_generate", "5"])
    check_overrides_apply("diffusionnag", ["search.diffusion_guide", "acquisition"])
    check_overrides_apply("re", ["search.epochs", "30", "seed", "1"])


@pytest.mark.parametrize("opts, message", [
    (["seed", "-1"], "seed must be an integer in [0, 4294967295], got -1"),
    (["seed", str(2**32)], "seed must be an integer in [0, 4294967295], got 4294967296"),
    (["out_dir", "{tmp}/afile"], "cannot write results to"),
])
def test_runner_checks_seed_and_out_dir_before_naslib_makes_folders(tmp_path, opts, message):
    """NASLib's config reader makes out_dir/<space>/<dataset>/<optimizer>/<seed> first: a seed
    numpy refuses failed after that folder existed, an out_dir that cannot be made inside NASLib
    (both with tracebacks). Checked without NASLib."""
    from naslib_diffusionnag.naslib.runner import check_seed_and_out_dir

    (tmp_path / "afile").write_text("")
    opts = [o.format(tmp=tmp_path) for o in opts]
    with pytest.raises(ConfigError, match=re.escape(message)):
        check_seed_and_out_dir(str(CONFIG), ["out_dir", str(tmp_path / "o"), *opts])
    assert sorted(q.name for q in tmp_path.iterdir()) == ["afile"]  # nothing made
    check_seed_and_out_dir(str(CONFIG), ["out_dir", str(tmp_path / "o"), "seed", "3"])  # a good pair passes


@pytest.mark.slow  # the real table, altered
@needs_naslib
def test_runner_says_how_it_accepts_an_altered_table(tmp_path, capsys):
    """Its refusal named the CLI's --allow-unverified-data, which the runner does not take."""
    from naslib_diffusionnag.naslib.runner import main

    src = resolve_data_file("nb201/nats_bench.csv")
    lines = Path(src).read_text().splitlines(keepends=True)
    first = lines[1].split(",")
    lines[1] = ",".join([str(float(first[0]) + 0.01), *first[1:]])
    altered = tmp_path / "nats_bench.csv"
    altered.write_text("".join(lines))
    argv = ["--config-file", str(CONFIG), "out_dir", str(tmp_path / "o"), "dataset_api_csv", str(altered)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "is not the documented nats_bench.csv" in err and "in this runner: dataset_api_allow_unverified true" in err
    api = load_dataset_api("cifar10", "ours", altered, allow_unverified=True)
    assert api[DATASET_API_INFO_KEY]["sha256"] != load_dataset_api("cifar10")[DATASET_API_INFO_KEY]["sha256"]


@pytest.mark.slow  # builds dataset_apis from the real table
@needs_naslib
def test_plugin_optimizers_refuse_a_missing_or_other_datasets_api(tmp_path):
    """A missing dataset_api, or one of another dataset, failed only at the first query."""
    from naslib.search_spaces import NasBench201SearchSpace

    from naslib_diffusionnag.naslib import BananasDiffusion, DiffusionNAG

    cfg = _config(tmp_path, *SMALL)  # dataset cifar100
    for make in (DiffusionNAG, lambda c: BananasDiffusion(c, acq_fn_optimization="diffusion")):
        with pytest.raises(ConfigError, match="needs NASLib's nb201 dataset_api"):
            make(cfg).adapt_search_space(NasBench201SearchSpace(), dataset_api=None)
        with pytest.raises(ConfigError, match="the dataset_api holds cifar10 values, and the search is on cifar100"):
            make(cfg).adapt_search_space(NasBench201SearchSpace(), dataset_api=build_nb201_dataset_api("cifar10"))


@needs_naslib
def test_adapter_refuses_graphs_it_cannot_read():
    """An unset graph, another space's graph and a non-space raised AttributeError."""
    from naslib.search_spaces import NasBench201SearchSpace, TransBench101SearchSpaceMicro

    adapter = NB201Adapter()
    with pytest.raises(InvalidArchitectureError, match="has no architecture set"):
        adapter.to_arch(NasBench201SearchSpace())
    with pytest.raises(ConfigError, match="a NASLib transbench101_micro graph given to the nasbench201 adapter"):
        adapter.to_arch(TransBench101SearchSpaceMicro("jigsaw"))
    with pytest.raises(ConfigError, match="get_adapter takes a NASLib search space"):
        get_adapter(None)


@needs_naslib
def test_runner_lets_transfer_bo_spend_its_budget_on_its_ranked_start(tmp_path):
    """Transfer-BO's first num_init queries are the pipeline's ranked cells, not random ones: a
    budget within them is a transfer run, not random search, and is not refused."""
    from naslib_diffusionnag.naslib.runner import check_config

    check_config(_config(tmp_path, "search.epochs", "5", "search.transfer_meta_checkpoint", "meta.pt"))
    with pytest.raises(ConfigError, match="budget 5 <= diffusion-bo's n_init 10"):
        check_config(_config(tmp_path, "search.epochs", "5"))
