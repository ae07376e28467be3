"""NASLib's NAS runner with DiffusionNAG's optimizers next to NASLib's own.

    python -m naslib_diffusionnag.naslib.runner --config-file configs/naslib_nb201.yaml \
        optimizer diffusionnag dataset cifar10 seed 0 out_dir runs

Does what ``naslib/runners/nas/runner.py`` does (NASLib's config parsing and ``key value``
overrides, logger, ``Trainer.search`` then ``Trainer.evaluate``, ``errors.json`` in
``<out_dir>/<search_space>/<dataset>/<optimizer>/<seed>``), but builds only the optimizer
asked for, takes the ``dataset_api`` from ``dataset_api:`` in the config (``ours``: built from
``../shared/data/nb201``, or ``dataset_api_csv``; ``naslib``: NASLib's pickle; or a pickle
path), and writes
``run_info.json`` (final architecture and accuracy, data provenance, versions, seconds). It
refuses to overwrite a finished run.
"""
from __future__ import annotations

import json
import logging
import platform
import sys
import time
from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path
from typing import Any

from .. import __version__
from ..bo.loop import check_budget
from ..bo.methods import check_budget_for, resolve_params
from ..configio import MAX_SEED, read_yaml_mapping, require_int
from ..errors import ConfigError, DataFormatError, DiffusionNAGError, UnknownNameError
from ..oracles import canonical_dataset
from ..registry import Registry
from ..resultsio import check_writable
from ..spaces import get_space
from ._require import naslib_info, require_naslib
from .adapter import get_adapter
from .dataset_api import DATASET_API_INFO_KEY, load_dataset_api
from .settings import diffusion_bo_params, plugin_params

SEARCH_SPACES = {"nasbench201": "NasBench201SearchSpace"}  # spaces with an adapter and a dataset_api
RUN_INFO = "run_info.json"


OPTIMIZERS: Registry[Callable[[Any], Any]] = Registry("runner optimizer")
"""Optimizer name -> ``make(config)``: NASLib's discrete optimizers and ours. Each imports
NASLib when called, so the registry (and this module) imports without it."""


def _lazy(module: str, class_name: str, **kwargs: Any) -> Callable[[Any], Any]:
    """``make(config)`` importing ``module`` (NASLib's, or ours, which imports NASLib) only when called."""

    def make(config: Any) -> Any:
        return getattr(import_module(module, __package__), class_name)(config, **kwargs)

    return make


for _name, _class in (("rs", "RandomSearch"), ("re", "RegularizedEvolution"), ("ls", "LocalSearch"),
                      ("bananas", "Bananas"), ("npenas", "Npenas")):
    OPTIMIZERS.register(_name, _lazy("naslib.optimizers", _class))
OPTIMIZERS.register("diffusionnag", _lazy(".optimizers", "DiffusionNAG"))
OPTIMIZERS.register("bananas_diffusion", _lazy(".optimizers", "BananasDiffusion", acq_fn_optimization="diffusion"))


def check_config(config: Any) -> None:
    """What NASLib would take and then fail on (or run silently wrong) refused before any work:
    another search space, a dataset spelt otherwise than NASLib spells it, a query budget
    outside the space or one our optimizers spend entirely on their random start."""
    if config.search_space not in SEARCH_SPACES:
        raise UnknownNameError(f"search space {config.search_space!r} is not supported by this runner; "
                               f"supported: {', '.join(SEARCH_SPACES)}")
    dataset = canonical_dataset(config.dataset)
    if dataset != config.dataset:
        raise ConfigError(f"dataset {config.dataset!r}: NASLib spells it {dataset!r}; pass dataset {dataset}")
    epochs = check_budget(config.search.epochs, get_space("nb201"))
    if config.optimizer in ("diffusionnag", "bananas_diffusion"):  # the harness's rule (transfer-BO starts ranked)
        name, params = (plugin_params(config.search, dataset) if config.optimizer == "diffusionnag"
                        else ("diffusion-bo", diffusion_bo_params(config.search)))
        try:
            check_budget_for(name, resolve_params(name, params), epochs, "nb201")
        except ConfigError as e:
            raise ConfigError(f"search.epochs / search.num_init: {e}") from None
    ours_only = [k for k in ("dataset_api_csv", "dataset_api_allow_unverified") if config.get(k)]
    if str(config.get("dataset_api", "ours")) != "ours" and ours_only:
        raise ConfigError(f"{' and '.join(ours_only)} set(s) the CSV of dataset_api ours, and dataset_api is "
                          f"{config.dataset_api!r}: unset one of them")


def check_overrides_apply(optimizer: str, opts: Sequence[str]) -> None:
    """Our optimizers' keys set on the command line for one of NASLib's optimizers, which reads
    none of them: the run would look configured by them."""
    ours = [k for k in opts[::2] if k.startswith(("search.diffusion_", "search.transfer_"))]
    if ours and optimizer not in ("diffusionnag", "bananas_diffusion"):
        raise ConfigError(f"{', '.join(ours)} set(s) our optimizers (diffusionnag, bananas_diffusion), and optimizer "
                          f"is {optimizer!r}, which reads none of them: drop them or choose one of ours")


def check_seed_and_out_dir(config_file: str, opts: Sequence[str]) -> None:
    """The seed and out_dir NASLib will use (the config file's, or the overrides'), checked before
    NASLib's config reader creates ``out_dir/.../<seed>``: a seed numpy cannot take failed only
    after that folder existed, and an out_dir that cannot be made failed inside NASLib."""
    raw = read_yaml_mapping(config_file, "configs/naslib_nb201.yaml")
    given = dict(zip(opts[::2], opts[1::2], strict=False))  # an odd last key: NASLib's reader names it
    seed = given.get("seed", raw.get("seed", 0))
    try:
        seed = int(seed)
    except (TypeError, ValueError):
        return  # NASLib's own reader names a value of the wrong type
    require_int("seed", seed, 0, MAX_SEED, " (NASLib seeds numpy with it)")
    out_dir = given.get("out_dir", raw.get("out_dir"))
    if out_dir is not None:
        check_writable(str(out_dir))


def run(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Parse NASLib-style arguments, search, evaluate; return what ``run_info.json`` holds."""
    require_naslib()
    import naslib.search_spaces as spaces
    from naslib import utils
    from naslib.defaults.trainer import Trainer

    args = utils.default_argument_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.config_file is None:
        raise ConfigError("pass --config-file (e.g. configs/naslib_nb201.yaml)")
    if not Path(args.config_file).is_file():
        raise ConfigError(f"config file {args.config_file!r} does not exist; see configs/naslib_nb201.yaml")
    check_seed_and_out_dir(args.config_file, args.opts)
    try:  # NASLib's yacs config: an unknown key, a value of the wrong type, a key without a value
        config = utils.get_config_from_args(args, config_type="nas")
    except (KeyError, ValueError, TypeError, AssertionError) as e:
        what = f"unknown key {e.args[0]!r}" if isinstance(e, KeyError) else str(e)
        raise ConfigError(f"config overrides {' '.join(args.opts)!r} on {args.config_file}: {what} (NASLib's config "
                          "takes only the keys of the config file, with values of their type, as 'key value' "
                          "pairs)") from None
    check_config(config)
    check_overrides_apply(config.optimizer, args.opts)
    make_optimizer = OPTIMIZERS.get(config.optimizer)
    out = Path(config.save)
    if (out / RUN_INFO).exists():
        raise FileExistsError(f"{out / RUN_INFO} exists: this run has finished; "
                              "choose another out_dir or seed, or delete that folder to redo it")
    logger = utils.setup_logger(str(out / "log.log"))
    logger.setLevel(logging.INFO)
    utils.log_args(config)

    try:
        dataset_api = load_dataset_api(config.dataset, str(config.get("dataset_api", "ours")),
                                       config.get("dataset_api_csv") or None,
                                       bool(config.get("dataset_api_allow_unverified", False)))
    except DataFormatError as e:  # its advice names the CLI's flag; say the runner's setting too
        raise DataFormatError(f"{e} (in this runner: dataset_api_allow_unverified true)") from None
    api_info = dataset_api[DATASET_API_INFO_KEY]
    logger.info(f"dataset_api: {api_info}")
    utils.set_seed(config.seed)
    search_space = getattr(spaces, SEARCH_SPACES[config.search_space])()
    optimizer = make_optimizer(config)
    optimizer.adapt_search_space(search_space, dataset_api=dataset_api)

    start = time.perf_counter()
    trainer = Trainer(optimizer, config, lightweight_output=True)
    trainer.search(resume_from="")
    search_s = time.perf_counter() - start
    final = trainer.evaluate(resume_from="", dataset_api=dataset_api)
    info = {
        "optimizer": config.optimizer, "search_space": config.search_space, "dataset": config.dataset,
        "seed": int(config.seed), "epochs": int(config.search.epochs),
        "final_test_accuracy": float(final),
        "final_arch": get_adapter(search_space).to_arch(optimizer.get_final_architecture()),
        "search_seconds": search_s, "dataset_api": api_info, "naslib": naslib_info(),
        "package_version": __version__, "python": platform.python_version(),
        "torch": __import__("torch").__version__, "config": json.loads(json.dumps(config, default=str)),
    }
    (out / RUN_INFO).write_text(json.dumps(info, indent=1))
    return info


def main(argv: Sequence[str] | None = None) -> int:
    try:
        info = run(argv)
    except (DiffusionNAGError, FileExistsError) as e:  # bad input: one line, as the CLI's
        print(f"naslib_diffusionnag.naslib.runner: error: {e}", file=sys.stderr)
        return 2
    print(f"{info['optimizer']} {info['dataset']} seed {info['seed']}: final test accuracy "
          f"{info['final_test_accuracy']:.2f} ({info['final_arch']}) in {info['search_seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
