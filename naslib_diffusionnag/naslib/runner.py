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
from ..errors import ConfigError, UnknownNameError
from ..registry import Registry
from ._require import naslib_info, require_naslib
from .adapter import get_adapter
from .dataset_api import DATASET_API_INFO_KEY, load_dataset_api

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


def run(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Parse NASLib-style arguments, search, evaluate; return what ``run_info.json`` holds."""
    require_naslib()
    import naslib.search_spaces as spaces
    from naslib import utils
    from naslib.defaults.trainer import Trainer

    args = utils.default_argument_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.config_file is None:
        raise ConfigError("pass --config-file (e.g. configs/naslib_nb201.yaml)")
    config = utils.get_config_from_args(args, config_type="nas")
    make_optimizer = OPTIMIZERS.get(config.optimizer)
    if config.search_space not in SEARCH_SPACES:
        raise UnknownNameError(f"search space {config.search_space!r} is not supported by this runner; "
                               f"supported: {', '.join(SEARCH_SPACES)}")
    out = Path(config.save)
    if (out / RUN_INFO).exists():
        raise FileExistsError(f"{out / RUN_INFO} exists: this run has finished; "
                              "choose another out_dir or seed, or delete that folder to redo it")
    logger = utils.setup_logger(str(out / "log.log"))
    logger.setLevel(logging.INFO)
    utils.log_args(config)

    dataset_api = load_dataset_api(config.dataset, str(config.get("dataset_api", "ours")),
                                   config.get("dataset_api_csv") or None)
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
    info = run(argv)
    print(f"{info['optimizer']} {info['dataset']} seed {info['seed']}: final test accuracy "
          f"{info['final_test_accuracy']:.2f} ({info['final_arch']}) in {info['search_seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
