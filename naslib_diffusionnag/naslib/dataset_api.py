"""NASLib ``dataset_api`` for NAS-Bench-201, built from ``../shared/data/nb201/``, or NASLib's own.

NASLib's nb201 ``query`` reads ``dataset_api["nb201_data"][arch_str][split]`` and answers both
``Metric.VAL_ACCURACY`` and ``Metric.TEST_ACCURACY`` from ``eval_acc1es`` (for cifar10 from the
``cifar10-valid`` split). Our data has the 200-epoch, seed-averaged *test* accuracy only, so the
api we build puts it at the last epoch of ``eval_acc1es`` (NaN elsewhere), under the split key
NASLib's code requires, and records that under ``DATASET_API_INFO_KEY``: searches on it
optimise test accuracy, comparable across optimizers, not with NASLib's published numbers.
Training curves, losses and times are NaN (not in our data); FLOPs and params are real.
"""
from __future__ import annotations

import math
import os
import pickle
from pathlib import Path
from typing import Any

from ..errors import DataFormatError, UnknownNameError
from ..oracles import NB201Benchmark, canonical_dataset
from ..oracles.nb201_properties import nb201_property
from ._require import require_naslib

DATASET_API_INFO_KEY = "diffusionnag_info"
EPOCHS = 200
NASLIB_SPLIT = {"cifar10": "cifar10-valid", "cifar100": "cifar100", "ImageNet16-120": "ImageNet16-120"}
NASLIB_PICKLE = {"cifar10": "nb201_cifar10_full_training.pickle",
                 "cifar100": "nb201_cifar100_full_training.pickle",
                 "ImageNet16-120": "nb201_ImageNet16_full_training.pickle"}
SOURCES = ("ours", "naslib", "<path to a NASLib nb201 pickle>")


def build_nb201_dataset_api(dataset: str, data: str | os.PathLike[str] | None = None,
                            data_dir: str | os.PathLike[str] | None = None,
                            allow_unverified: bool = False) -> dict[str, Any]:
    """NASLib's nb201 ``dataset_api`` layout from NATS-Bench test accuracies (``data``: the
    ``nats_bench.csv`` to read, default ``../shared/data/nb201/``; another file than the
    documented one only with ``allow_unverified``, its checksum recorded) and real FLOPs/params."""
    d = canonical_dataset(dataset)
    bench = NB201Benchmark.from_csv(data, allow_unverified)
    acc = bench.column(d)
    flops = nb201_property(f"flops:{d}", bench, data_dir, allow_unverified).values
    params = nb201_property(f"params:{d}", bench, data_dir, allow_unverified).values
    nan = math.nan
    missing = (nan,) * EPOCHS  # one shared, immutable curve for what the data lacks
    split = NASLIB_SPLIT[d]
    entries = {arch: {split: {"eval_acc1es": (nan,) * (EPOCHS - 1) + (float(a),),
                              "train_acc1es": missing, "train_losses": missing, "eval_losses": missing,
                              "cost_info": {"flops": float(f), "params": float(p), "latency": nan,
                                            "train_time": nan}}}
               for arch, a, f, p in zip(bench.archs, acc, flops, params, strict=True)}
    info = {
        "source": str(bench.source), "sha256": bench.checksum, "dataset": d, "split_key": split,
        "metric": bench.metric[d],
        "val_and_test": ("NASLib's VAL_ACCURACY and TEST_ACCURACY both return this 200-epoch TEST "
                         "accuracy (epoch -1 only); NASLib's own pickles hold cifar10-valid "
                         "validation accuracy for cifar10 instead. Compare optimizers run on the same "
                         "api with each other, not with published NASLib numbers."),
        "real": ["eval_acc1es[-1] (test accuracy)", "cost_info.flops (MFLOPs)", "cost_info.params (M)"],
        "nan": ["eval_acc1es[:-1]", "train_acc1es", "train_losses", "eval_losses",
                "cost_info.latency", "cost_info.train_time"],
    }
    return {"nb201_data": entries, DATASET_API_INFO_KEY: info}


def _from_pickle(path: Path, dataset: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            data = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError) as e:
        raise DataFormatError(f"cannot read NASLib pickle {path}: {e}") from e
    split = NASLIB_SPLIT[dataset]
    first = next(iter(data.values()), None) if isinstance(data, dict) else None
    if not isinstance(first, dict) or split not in first or "eval_acc1es" not in first[split]:
        raise DataFormatError(f"{path} is not NASLib's nb201 layout for {dataset} "
                              f"(arch_str -> {split!r} -> eval_acc1es ...)")
    info = {"source": str(path), "dataset": dataset, "split_key": split,
            "metric": f"NASLib pickle: eval_acc1es of split {split!r} (what NASLib's VAL and TEST "
                      "accuracy both read)"}
    return {"nb201_data": data, DATASET_API_INFO_KEY: info}


def load_dataset_api(dataset: str, source: str = "ours",
                     data: str | os.PathLike[str] | None = None, allow_unverified: bool = False) -> dict[str, Any]:
    """The nb201 ``dataset_api`` from ``source``: ``ours`` (built from our data files; ``data``
    overrides the CSV, which must be the documented one unless ``allow_unverified``), ``naslib``
    (NASLib's pickle in its ``naslib/data`` folder, as its runner loads it) or the path of a
    NASLib pickle. Never falls back silently."""
    d = canonical_dataset(dataset)
    if source == "ours":
        return build_nb201_dataset_api(d, data, allow_unverified=allow_unverified)
    if source == "naslib":
        naslib = require_naslib()
        path = Path(naslib.__file__).resolve().parent / "data" / NASLIB_PICKLE[d]
        if not path.is_file():
            raise DataFormatError(f"NASLib's pickle {path} is missing: download it as NASLib's README "
                                  "says, or use dataset_api: ours (built from ../shared/data/nb201)")
        return _from_pickle(path, d)
    path = Path(source).expanduser()
    if path.suffix in (".pickle", ".pkl") and path.is_file():
        return _from_pickle(path, d)
    raise UnknownNameError(f"unknown dataset_api source {source!r}; use one of: {', '.join(SOURCES)}")
