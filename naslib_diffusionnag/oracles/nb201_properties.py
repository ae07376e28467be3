"""Properties of NB201 cells from real data, by name: ``accuracy:<dataset>``,
``latency:<device>``, ``flops:<dataset>``, ``params:<dataset>``.

- accuracy: 200-epoch test accuracy (%), ``nats_bench.csv`` (or the table given);
- latency: measured ms on 27 device settings, HELP's ``latency_help_27devices.csv``;
- flops / params: M FLOPs / M parameters per dataset's input size, ``cost_flops_params.csv``.
User-supplied properties come as a CSV of ``arch,value`` (``file:<path>``).

Each is a ``PropertyTable``: a lookup over the cells it lists, which satisfies the
``ArchProperty`` interface (``oracles/properties.py``) that MBv3's oracle functions satisfy too.
"""
from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ..errors import DataFormatError, DataNotFoundError, UnknownNameError
from ..spaces.base import arch_list
from .nb201 import NB201Benchmark, canonical_dataset
from .paths import resolve_data_file, sha256, verify_known
from .soft_cost import MultilinearTable, multilinear_table

LATENCY_FILE = "nb201/latency_help_27devices.csv"
COST_FILE = "nb201/cost_flops_params.csv"
KINDS = ("accuracy", "latency", "flops", "params")


@dataclass(frozen=True)
class PropertyTable:
    """Values of one property for a list of architectures, with where they came from."""

    name: str
    archs: list[str]
    values: np.ndarray
    metric: str
    source: str
    checksum: str
    is_cost: bool = False  # a hardware cost over every cell: has an exact soft form (``soft``)

    @cached_property
    def soft(self) -> MultilinearTable | None:
        """The exact expected cost of a soft cell (``soft_cost.py``), for a cost table over all
        cells; None for accuracies (guiding by the benchmark's own accuracy would be the
        oracle) and for a user's file."""
        if not self.is_cost:
            return None
        from ..spaces.nb201 import NB201Space

        return multilinear_table(NB201Space(), self.archs, self.values)

    @property
    def space(self) -> str:
        return "nb201"

    def lookup(self) -> dict[str, float]:
        return dict(zip(self.archs, self.values.tolist(), strict=True))

    @property
    def domain(self) -> list[str]:
        """The cells with a value: labels for guidance are drawn from these rows."""
        return self.archs

    def evaluate(self, archs: Sequence[str]) -> np.ndarray:
        """``B`` values, NaN for a valid cell the table does not list (a user's file covers few).
        A string that is not an NB201 cell raises ``InvalidArchitectureError``: a typo or another
        space's architecture must not read as a cell without a value."""
        from ..spaces.nb201 import NB201Space

        lookup, space = self.lookup(), NB201Space()
        return np.array([lookup[a] if isinstance(a, str) and a in lookup else lookup.get(space.parse(a), np.nan)
                         for a in arch_list(archs)], dtype=float)


def _read_indexed(path: Path, bench: NB201Benchmark) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if len(rows) != len(bench.archs) or any(int(r["index"]) != i for i, r in enumerate(rows)):
        raise DataFormatError(f"{path} must list the {len(bench.archs)} NB201 cells by 'index' in order")
    return rows


def _column(rows: list[dict[str, str]], column: str, path: Path, choices: list[str]) -> np.ndarray:
    if column not in rows[0]:
        raise UnknownNameError(f"{path.name} has no column {column!r}; choose one of: {', '.join(choices)}")
    return np.array([float(r[column]) for r in rows])


def latency_devices(path: str | os.PathLike[str] | None = None) -> list[str]:
    """Device settings of the HELP latency table (e.g. ``pixel3``, ``1080ti_32``)."""
    with open(resolve_data_file(LATENCY_FILE, path), newline="") as f:
        header = next(csv.reader(f))
    return [c[len("lat_"):] for c in header if c.startswith("lat_")]


def accuracy_for(dataset: str | None) -> tuple[str, str] | None:
    """(property name, dataset) of the accuracy a ``--dataset`` names; None without one
    (NB201 has three)."""
    if dataset is None:
        return None
    d = canonical_dataset(dataset)
    return f"accuracy:{d}", d


def nb201_property(name: str, bench: NB201Benchmark | None = None,
                   data_dir: str | os.PathLike[str] | None = None, allow_unverified: bool = False) -> PropertyTable:
    """The property ``kind:qualifier`` for all 15,625 cells, or ``file:<csv>`` for a user's. The
    benchmark's files must be the documented ones unless ``allow_unverified`` (a user's need not)."""
    kind, _, qual = name.partition(":")
    if kind == "file":
        return labels_from_csv(qual, bench)
    if kind not in KINDS or not qual:
        raise UnknownNameError(
            f"unknown NB201 property {name!r}; use accuracy:<dataset>, latency:<device>, "
            "flops:<dataset>, params:<dataset> or file:<csv of arch,value>")
    bench = bench or NB201Benchmark.load(allow_unverified=allow_unverified)
    if kind == "accuracy":
        d = canonical_dataset(qual)
        return PropertyTable(f"accuracy:{d}", bench.archs, bench.column(d), bench.metric[d],
                             str(bench.source), bench.checksum)
    root = Path(data_dir) if data_dir else None
    if kind == "latency":
        path = resolve_data_file(LATENCY_FILE, root / LATENCY_FILE if root else None)
        devices = latency_devices(path)
        if qual not in devices:
            raise UnknownNameError(f"unknown NB201 latency device {qual!r}; choose one of: {', '.join(devices)}")
        values = _column(_read_indexed(path, bench), f"lat_{qual}", path, devices)
        return PropertyTable(f"latency:{qual}", bench.archs, values,
                             f"measured latency (ms) on {qual}, column lat_{qual} of {path.name} (HELP)",
                             str(path), verify_known(path, LATENCY_FILE, allow_unverified), is_cost=True)
    path = resolve_data_file(COST_FILE, root / COST_FILE if root else None)
    rows = _read_indexed(path, bench)
    if [bench.space.parse(r["arch_str"]) for r in rows[:50]] != bench.archs[:50]:
        raise DataFormatError(f"{path} rows are not in NB201 index order")
    d = canonical_dataset(qual)
    values = _column(rows, f"{d}_{kind}_M", path, ["cifar10", "cifar100", "ImageNet16-120"])
    unit = "MFLOPs" if kind == "flops" else "M parameters"
    return PropertyTable(f"{kind}:{d}", bench.archs, values, f"{unit} for {d}, column {d}_{kind}_M of {path.name}",
                         str(path), verify_known(path, COST_FILE, allow_unverified), is_cost=True)


def labels_from_csv(path: str | os.PathLike[str], bench: NB201Benchmark | None = None) -> PropertyTable:
    """A user's labelled architectures: CSV with header ``arch,value`` (cell strings)."""
    p = Path(path).expanduser()
    if not str(path) or not p.is_file():
        problem = "names no file" if not str(path) else "is a folder" if p.is_dir() else "does not exist"
        raise DataNotFoundError(f"labels file {str(path)!r} {problem}; give the path of a CSV file with the header "
                                "'arch,value'")
    from ..spaces.nb201 import NB201Space

    space = bench.space if bench else NB201Space()
    try:
        with open(p, newline="", encoding="utf-8-sig") as f:  # -sig: Excel's "CSV UTF-8" starts with a BOM
            reader = csv.DictReader(f)
            if not {"arch", "value"} <= set(reader.fieldnames or []):
                raise DataFormatError(f"{p} must have the header 'arch,value' (one cell string and number per row)")
            rows = list(reader)
    except UnicodeDecodeError:
        raise DataFormatError(f"{p} is not a UTF-8 text file; give a CSV with the header 'arch,value'") from None
    ragged = next((i for i, r in enumerate(rows, 2) if None in r or None in r.values()), None)
    if ragged is not None:  # a shifted column would pair cells with the wrong values
        raise DataFormatError(f"{p} line {ragged} has {'more' if None in rows[ragged - 2] else 'fewer'} fields than "
                              f"the header {reader.fieldnames}; give one value per header column on every row")
    archs, values, line_of = [], [], {}
    for line, r in enumerate(rows, 2):
        try:
            archs.append(space.parse(r["arch"]))
            values.append(float(r["value"]))
        except ValueError as e:
            raise DataFormatError(f"{p} line {line}: {e}") from None
        if archs[-1] in line_of:
            raise DataFormatError(f"{p} lists {archs[-1]} twice (lines {line_of[archs[-1]]} and {line}); give one "
                                  "value per architecture")
        line_of[archs[-1]] = line
    values = np.array(values)
    if not values.size or not np.isfinite(values).all():
        raise DataFormatError(f"{p} has no values or a value that is not a finite number (NaN/inf); "
                              "give one number per architecture")
    if np.ptp(values) == 0:
        raise DataFormatError(f"{p}: all {values.size} values are {values[0]:g}; a predictor cannot learn "
                              "which architectures are better from equal labels")
    return PropertyTable(f"file:{p.name}", archs, values, f"user values from {p.name}", str(p), sha256(p))
