"""A tabular benchmark: one value per (cell, dataset or task), queried by any architecture form.

NB201 (``nb201.NB201Benchmark``) and TransNAS-Bench-101 micro (``tnb101.TNB101Benchmark``) are
tables of this kind; what differs is how they are read and how their datasets are named
(``dataset_key``). Everything built on a table (few-shot descriptors, meta-datasets, results)
sees only this interface.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import numpy as np

from ..errors import ConfigError, DataFormatError, InvalidArchitectureError, UnknownNameError
from ..spaces.base import arch_list
from ..spaces.cell import CellSpace

ArchLike = Union[str, int, Sequence[int]]  # noqa: UP007 (a runtime alias)


@dataclass
class TableBenchmark:
    """Values of the listed cells, with the file they came from and its checksum."""

    source: Path
    checksum: str
    metric: dict[str, str]  # dataset -> what the number is (split, epochs, source column)
    accuracy: dict[str, np.ndarray]  # dataset -> float64 array aligned with ``archs``
    archs: list[str]
    space: CellSpace
    _index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {a: i for i, a in enumerate(self.archs)}

    def dataset_key(self, name: str) -> str:
        """The table's name of a dataset from an accepted spelling (here: exactly its name)."""
        return name

    def datasets(self) -> list[str]:
        return list(self.accuracy)

    def column(self, dataset: str) -> np.ndarray:
        """Values of all cells on ``dataset``, aligned with ``archs``."""
        d = self.dataset_key(dataset)
        if d not in self.accuracy:
            raise UnknownNameError(
                f"dataset {d!r} is not in {self.source.name}; it has: {', '.join(self.accuracy)}"
            )
        return self.accuracy[d]

    def index(self, arch: ArchLike) -> int:
        """Row of a cell string, a row index, or a space op-index tuple. Anything else (a bool,
        which Python would take as row 0 or 1, a float, None, bytes) is refused."""
        if isinstance(arch, np.ndarray) and arch.ndim == 0:  # np.array(5): a row index, not a tuple to iterate
            arch = arch.item()
        if isinstance(arch, (int, np.integer)) and not isinstance(arch, (bool, np.bool_)):
            i = int(arch)
            if not 0 <= i < len(self.archs):
                raise InvalidArchitectureError(
                    f"{self.space.label} index {i} out of range 0..{len(self.archs) - 1}"
                )
            return i
        if isinstance(arch, str):
            cell = self.space.parse(arch)
        elif isinstance(arch, (tuple, list, np.ndarray)) and all(
                isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)) for i in arch):
            cell = self.space.from_op_indices(arch)
        else:
            raise InvalidArchitectureError(
                f"{self.space.label} architecture {arch!r} is a {type(arch).__name__}; pass a cell string, a row "
                "index (int) or an op-index tuple of ints")
        try:
            return self._index[cell]
        except KeyError:
            raise InvalidArchitectureError(
                f"{cell!r} is not in {self.source.name}" + self._coverage()) from None

    def _coverage(self) -> str:
        return "" if len(self.archs) == self.space.size else (
            f" (it lists {len(self.archs):,} of the {self.space.size:,} {self.space.label} cells; only those "
            "have values)")

    def arch(self, index: int) -> str:
        """Cell string at a row index."""
        return self.archs[self.index(index)]

    def query(self, arch: ArchLike, dataset: str) -> float:
        """The benchmark value of one architecture (see ``metric[dataset]``)."""
        return float(self.column(dataset)[self.index(arch)])

    def query_many(self, archs: Sequence[ArchLike], dataset: str) -> np.ndarray:
        col = self.column(dataset)
        return col[[self.index(a) for a in arch_list(archs)]]

    def best(self, dataset: str) -> tuple[str, float]:
        """The best cell and its value."""
        col = self.column(dataset)
        i = int(np.argmax(col))
        return self.archs[i], float(col[i])

    def provenance(self) -> dict[str, object]:
        """What every result built on this table records about it."""
        return {"source": str(self.source), "sha256": self.checksum, "metric": dict(self.metric)}


def check_path(path: object) -> str | os.PathLike[str] | None:
    """A benchmark file argument as given, when it is a path or None (the documented file):
    ``load(True)``, meant as ``allow_unverified``, would otherwise fail inside ``pathlib``."""
    if path is None or isinstance(path, (str, os.PathLike)):
        return path
    hint = ""
    if isinstance(path, bool):
        hint = "; to read a file other than the documented one pass allow_unverified=True by keyword"
    raise ConfigError(f"benchmark file {path!r} is not a path; pass a str or os.PathLike, or None for the "
                      f"documented file{hint}")


def check_unique(path: Path, archs: list[str], label: str) -> None:
    """Every cell listed once: a duplicate would otherwise give one cell two values unnoticed."""
    if len(set(archs)) != len(archs):
        seen: set[str] = set()
        dup = next(a for a in archs if a in seen or seen.add(a))  # type: ignore[func-returns-value]
        raise DataFormatError(f"{path} lists cell {dup} more than once; each {label} cell must appear once")
