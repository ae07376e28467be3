"""NAS-Bench-201 tabular benchmark: real 200-epoch accuracies, queried by any architecture form.

Two sources are read:
- ``nats_bench.csv`` (default, ``../shared/data/nb201/``): 200-epoch *test* accuracy on
  CIFAR-10, CIFAR-100 and ImageNet16-120 for all 15,625 cells; row ``i`` is benchmark index ``i``.
- NASLib's ``nb201_<dataset>_full_training.pickle``: ``data[arch_str][split]['eval_acc1es'][-1]``.
  For cifar10 NASLib stores the ``cifar10-valid`` split (optimum 91.61, not 94.37); the metric
  string says which split was read.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataFormatError, InvalidArchitectureError, UnknownNameError
from ..spaces.nb201 import NB201Space
from .paths import resolve_data_file, sha256, verify_known
from .table import TableBenchmark, check_path, check_unique

DEFAULT_CSV = "nb201/nats_bench.csv"
DATASETS: tuple[str, ...] = ("cifar10", "cifar100", "ImageNet16-120")
_ALIASES = {
    "cifar10": "cifar10", "cifar-10": "cifar10", "cifar100": "cifar100", "cifar-100": "cifar100",
    "imagenet16-120": "ImageNet16-120", "imagenet16": "ImageNet16-120",
}
# Names a user may mean but NB201 does not have, with what it has instead.
_NOT_IN_NB201 = {
    "imagenet": "NB201's ImageNet is ImageNet16-120 (120 classes at 16x16 pixels), not ImageNet-1k; "
                "pass ImageNet16-120 if that is the dataset meant",
}
_CSV_COLUMNS = {
    "cifar10": "CIFAR10TestAccuracy200Epochs",
    "cifar100": "CIFAR100TestAccuracy200Epochs",
    "ImageNet16-120": "ImageNetTestAccuracy200Epochs",
}
# NASLib's pickle keys per dataset, first match wins.
_PICKLE_KEYS = {
    "cifar10": ("cifar10-valid", "cifar10"),
    "cifar100": ("cifar100",),
    "ImageNet16-120": ("ImageNet16-120",),
}

# sha256 of the cell strings of nats_bench.csv joined by newlines in row order: row i is
# benchmark index i, so a table whose rows were reordered would silently re-index every cell.
_INDEX_ORDER_SHA256 = "83abc799e45cf34e9d2163654668ab998b9a54d01c39e72ca1f71f2cdf356d84"

# What NASLib's pickles are made of; any other global (a function, a class with side effects)
# is refused, so a crafted pickle cannot run code while it is read.
_PICKLE_GLOBALS = frozenset({
    ("collections", "OrderedDict"), ("collections", "defaultdict"),
    ("builtins", "dict"), ("builtins", "list"), ("builtins", "tuple"), ("builtins", "set"),
    ("builtins", "frozenset"), ("builtins", "float"), ("builtins", "int"), ("builtins", "str"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "scalar"),
})


class _RestrictedUnpickler(pickle.Unpickler):
    """Loads only containers, numbers, strings and numpy arrays/scalars."""

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in _PICKLE_GLOBALS:
            raise pickle.UnpicklingError(
                f"it refers to {module}.{name}, which a NASLib benchmark pickle never holds "
                "(refused: loading it could run code)")
        return super().find_class(module, name)


def _check_values(path: Path, acc: dict[str, np.ndarray], archs: list[str]) -> None:
    """Every value a finite percentage and every cell listed once: a NaN or a duplicate would
    otherwise reach results (and JSON) unnoticed."""
    for dataset, values in acc.items():
        bad = np.flatnonzero(~np.isfinite(values) | (values < 0) | (values > 100))
        if bad.size:
            raise DataFormatError(
                f"{path}: {dataset} accuracy of row {int(bad[0])} is {values[bad[0]]!r}, not a "
                f"percentage in [0, 100] ({bad.size} such rows); fix or replace the file")
    check_unique(path, archs, "NB201")



def canonical_dataset(name: str) -> str:
    """``cifar10`` / ``cifar100`` / ``ImageNet16-120`` from any common spelling."""
    spelling = str(name).lower()
    if spelling in _NOT_IN_NB201:
        raise UnknownNameError(f"NB201 has no dataset {name!r}: {_NOT_IN_NB201[spelling]}")
    if spelling not in _ALIASES:
        raise UnknownNameError(f"unknown NB201 dataset {name!r}; choose one of: {', '.join(DATASETS)}")
    return _ALIASES[spelling]


@dataclass
class NB201Benchmark(TableBenchmark):
    """Accuracy table of the NB201 cells, with the file it came from and its checksum."""

    space: NB201Space = field(default_factory=NB201Space)
    unique_strings: list[str] | None = None

    # ---- loading -------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, allow_unverified: bool = False) -> NB201Benchmark:
        """Load ``path`` (CSV or NASLib pickle, by suffix) or the default CSV.

        A NATS-Bench CSV must be the documented file (checksum) unless ``allow_unverified``."""
        resolved = resolve_data_file(DEFAULT_CSV, check_path(path))
        if resolved.suffix in (".pickle", ".pkl"):
            return cls.from_naslib_pickle(resolved)
        return cls.from_csv(resolved, allow_unverified)

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str] | None = None, allow_unverified: bool = False) -> NB201Benchmark:
        """``nats_bench.csv``; any other table in its layout only with ``allow_unverified``,
        and then only with every cell once and every value a finite percentage (rows in
        another order than NB201's are accepted and said so in ``metric``)."""
        resolved = resolve_data_file(DEFAULT_CSV, check_path(path))
        space = NB201Space()
        try:
            with open(resolved, newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                needed = set(_CSV_COLUMNS.values()) | {"ArchitectureString"}
                missing = needed - set(reader.fieldnames or [])
                if missing:
                    raise DataFormatError(
                        f"{resolved} is not a NATS-Bench NB201 table: columns {sorted(missing)} are "
                        f"missing; expected the nats_bench.csv layout (see ../shared/data/nb201/README.md)"
                    )
                rows = list(reader)
        except UnicodeDecodeError:
            raise DataFormatError(f"{resolved} is not a text CSV file; expected the nats_bench.csv layout "
                                  "(see ../shared/data/nb201/README.md)") from None
        if len(rows) != space.size:
            raise DataFormatError(
                f"{resolved} has {len(rows)} rows, expected {space.size} NB201 cells"
            )
        try:
            archs = [space.parse(r["ArchitectureString"]) for r in rows]
            acc = {d: np.array([float(r[c]) for r in rows]) for d, c in _CSV_COLUMNS.items()}
        except (InvalidArchitectureError, ValueError) as e:
            raise DataFormatError(f"{resolved} has a malformed row: {e}") from e
        _check_values(resolved, acc, archs)
        checksum = verify_known(resolved, DEFAULT_CSV, allow_unverified)
        # the documented file has NB201's order; an allowed other one may not, and then its
        # integer indices are its own rows: every result built on it says so
        order = ("" if hashlib.sha256("\n".join(archs).encode()).hexdigest() == _INDEX_ORDER_SHA256 else
                 "; rows NOT in NB201 index order: indices are this file's rows")
        metric = {d: f"200-epoch test accuracy (%), column {c} of {resolved.name}{order}"
                  for d, c in _CSV_COLUMNS.items()}
        unique = [r["UniqueString"] for r in rows] if "UniqueString" in rows[0] else None
        return cls(resolved, checksum, metric, acc, archs, space, unique)

    @classmethod
    def from_naslib_pickle(cls, path: str | os.PathLike[str]) -> NB201Benchmark:
        """NASLib's ``nb201_*_full_training.pickle`` (``{arch_str: {split: {...}}}``), read by a
        restricted unpickler that admits only the containers and numpy types of that layout."""
        resolved = resolve_data_file(DEFAULT_CSV, check_path(path))
        try:
            data = _RestrictedUnpickler(io.BytesIO(resolved.read_bytes())).load()
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError,
                IndexError, KeyError, MemoryError) as e:
            raise DataFormatError(f"{resolved} is not a readable pickle of a NASLib benchmark: {e}") from e
        if not isinstance(data, dict) or not data:
            raise DataFormatError(
                f"{resolved} is not in NASLib's nb201 layout (a dict arch_str -> split -> metrics)"
            )
        space = NB201Space()
        try:
            archs = [space.parse(a) for a in data]
        except (InvalidArchitectureError, TypeError) as e:
            raise DataFormatError(f"{resolved} has a key that is not an NB201 cell string: {e}") from e
        first = next(iter(data.values()))
        acc: dict[str, np.ndarray] = {}
        metric: dict[str, str] = {}
        for dataset, keys in _PICKLE_KEYS.items():
            key = next((k for k in keys if isinstance(first, dict) and k in first), None)
            if key is None:
                continue
            try:
                acc[dataset] = np.array([float(e[key]["eval_acc1es"][-1]) for e in data.values()])
            except (KeyError, TypeError, IndexError) as e:
                raise DataFormatError(f"{resolved}: entry lacks [{key!r}]['eval_acc1es']: {e}") from e
            metric[dataset] = (f"final-epoch eval_acc1es (%) of split {key!r} in NASLib pickle "
                               f"{resolved.name}")
        if not acc:
            raise DataFormatError(
                f"{resolved} holds none of the splits {sorted(sum(_PICKLE_KEYS.values(), ()))}"
            )
        _check_values(resolved, acc, archs)
        return cls(resolved, sha256(resolved), metric, acc, archs, space)

    def dataset_key(self, name: str) -> str:
        return canonical_dataset(name)
