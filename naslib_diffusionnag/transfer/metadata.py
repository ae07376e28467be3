"""The meta-dataset: typed (task, architecture, value) records from source tasks, and the
leakage guard that keeps the target's own values out of it.

A *task* is one dataset an architecture was trained on (a 20-class ImageNet-32 subset of
DiffusionNAG's meta-training database, a whole NB201 dataset, or a TransNAS-Bench-101 task); its
classes are keys into the class-name embedding file (``imagenet32:<1-based label>``,
``cifar100:<index>``; none for TransNAS-Bench-101 tasks, which few-shot probes describe), so every
descriptor can be computed from the task alone. Records keep the official ``split`` and the
meta-training database's ``protocol_batch`` (``A``/``B``; empty for benchmark tables).
"""
from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import (
    ConfigError,
    DataFormatError,
    DiffusionNAGError,
    InvalidArchitectureError,
    UnknownNameError,
)
from ..oracles import NB201Benchmark, TableBenchmark, TNB101Benchmark, canonical_dataset, resolve_data_file
from ..oracles.paths import verify_known
from ..oracles.tnb101 import TASKS as TNB101_TASKS
from ..oracles.tnb101 import canonical_task
from ..spaces import get_space

META_TRAIN_DB = "transfer/meta_train_db.csv"
META_TRAIN_DB_NAME = "meta-train-db"
IMAGENET16_120_LABELS = 120  # NB201's ImageNet16-120 keeps ImageNet-32 labels 1..120
N_CLASSES = {"cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}


class LeakageError(DiffusionNAGError, ValueError):
    """The sources hold values measured on the target dataset (or on its classes)."""


@dataclass(frozen=True)
class Task:
    """One source or target task: its name, the dataset its values are measured on, and its
    classes as keys into the class-name embedding file."""

    name: str
    dataset: str
    classes: tuple[str, ...]


def dataset_task(dataset: str) -> Task:
    """The task of a whole NB201 dataset (its classes: CIFAR in torchvision order;
    ImageNet16-120 = ImageNet-32 labels 1..120)."""
    ds = canonical_dataset(dataset)
    if ds == "ImageNet16-120":
        classes = tuple(f"imagenet32:{i}" for i in range(1, IMAGENET16_120_LABELS + 1))
    else:
        classes = tuple(f"{ds}:{i}" for i in range(N_CLASSES[ds]))
    return Task(f"nb201:{ds}", ds, classes)


@dataclass
class MetaDataset:
    """Records ``(tasks[task[i]], archs[i], values[i])`` with their split and protocol batch,
    for one search space, and the provenance of every source (file, sha256, spec)."""

    space: str
    tasks: list[Task]
    task: np.ndarray  # int, per record
    archs: list[str]
    values: np.ndarray  # float64, per record
    split: np.ndarray  # "train" / "eval", per record
    batch: np.ndarray  # protocol batch ("A"/"B"; "" for benchmark tables), per record
    sources: list[dict[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.archs)

    @property
    def datasets(self) -> list[str]:
        return sorted({t.dataset for t in self.tasks})

    def select(self, mask: np.ndarray) -> MetaDataset:
        """The records where ``mask`` is true (tasks and sources kept as they are)."""
        idx = np.flatnonzero(mask)
        return MetaDataset(self.space, self.tasks, self.task[idx], [self.archs[i] for i in idx],
                           self.values[idx], self.split[idx], self.batch[idx], self.sources)

    def digest(self) -> str:
        """sha256 of the records' content (task, arch, value, split, batch), recorded in every
        checkpoint trained on this meta-dataset."""
        h = hashlib.sha256(self.space.encode())
        for t, a, v, s, b in zip(self.task, self.archs, self.values, self.split, self.batch, strict=True):
            task = self.tasks[int(t)]
            h.update(f"{task.name}|{task.dataset}|{a}|{v:.6f}|{s}|{b}\n".encode())
        return h.hexdigest()

    @staticmethod
    def concat(parts: Sequence[MetaDataset]) -> MetaDataset:
        if not parts:
            raise ValueError("need at least one source to build a meta-dataset")
        spaces = {p.space for p in parts}
        if len(spaces) > 1:
            raise DataFormatError(f"cannot mix meta-datasets of search spaces {sorted(spaces)}")
        tasks: list[Task] = []
        task_ids = []
        for p in parts:
            task_ids.append(p.task + len(tasks))
            tasks += p.tasks
        return MetaDataset(parts[0].space, tasks, np.concatenate(task_ids), [a for p in parts for a in p.archs],
                           np.concatenate([p.values for p in parts]), np.concatenate([p.split for p in parts]),
                           np.concatenate([p.batch for p in parts]), [s for p in parts for s in p.sources])


def check_space(space: str, source: str, holds: str = "nb201") -> None:
    """Refuse a source whose architectures belong to another search space than ``space``."""
    if space != holds:
        raise DataFormatError(
            f"{source} holds {holds} architectures, not architectures of search space {space!r}; "
            f"use --space {holds} or a meta-dataset of that space")


def load_meta_train_db(path: str | os.PathLike[str] | None = None, space: str = "nb201",
                       allow_unverified: bool = False) -> MetaDataset:
    """DiffusionNAG's NB201 meta-training database (``transfer/meta_train_db.csv``): 4,630
    records of 3,031 ImageNet-32 20-class tasks. Its sha256 must be the documented one
    (``oracles.paths.KNOWN_SHA256``) unless ``allow_unverified`` (a file of your own)."""
    check_space(space, "the meta-training database")
    file = resolve_data_file(META_TRAIN_DB, path)
    digest = verify_known(file, META_TRAIN_DB, allow_unverified)
    nb201 = get_space("nb201")
    tasks: dict[str, int] = {}
    task_list: list[Task] = []
    task, archs, values, split, batch = [], [], [], [], []
    with open(file, newline="") as f:
        rows = csv.DictReader(f)
        need = {"task_id", "arch_str", "acc", "split", "protocol_batch", *(f"c{i:02d}" for i in range(20))}
        if rows.fieldnames is None or not need <= set(rows.fieldnames):
            raise DataFormatError(f"{file} lacks columns {sorted(need - set(rows.fieldnames or []))}; "
                                  "expected DiffusionNAG's meta-training database CSV")
        for r in rows:
            name = f"imagenet32-task{int(r['task_id'])}"
            if name not in tasks:
                tasks[name] = len(task_list)
                task_list.append(Task(name, "imagenet32-subset",
                                      tuple(f"imagenet32:{int(r[f'c{i:02d}'])}" for i in range(20))))
            try:
                archs.append(nb201.parse(r["arch_str"]))
            except InvalidArchitectureError as e:
                raise DataFormatError(f"{file}: row {r.get('row')}: {e}") from e
            task.append(tasks[name])
            values.append(float(r["acc"]))
            split.append(r["split"])
            batch.append(r["protocol_batch"])
    return MetaDataset(space, task_list, np.asarray(task), archs, np.asarray(values), np.asarray(split),
                       np.asarray(batch), [{"source": META_TRAIN_DB_NAME, "file": str(file), "sha256": digest}])


# source-spec prefix of each table's search space (``<prefix>:<dataset>[@K]``), and its loader
TABLE_PREFIX = {"nb201": "nb201", "tnb101_micro": "tnb101"}
_TABLES: dict[str, Callable[..., TableBenchmark]] = {"nb201": NB201Benchmark.load, "tnb101": TNB101Benchmark.load}


def table_task(bench: TableBenchmark, dataset: str) -> Task:
    """The task of a whole table column: an NB201 dataset with its classes, or a
    TransNAS-Bench-101 task (no class list: describe it by few-shot probes)."""
    if bench.space.name == "nb201":
        return dataset_task(dataset)
    ds = bench.dataset_key(dataset)
    return Task(f"{TABLE_PREFIX[bench.space.name]}:{ds}", ds, ())


def from_benchmark_table(bench: TableBenchmark, dataset: str, k: int | None = None, seed: int = 0,
                         space: str | None = None) -> MetaDataset:
    """One dataset's benchmark table as a source task: every listed cell, or ``k`` cells drawn
    without replacement with ``seed``. All records are ``train``."""
    check_space(space or bench.space.name, f"a {bench.space.label} benchmark table", bench.space.name)
    task = table_task(bench, dataset)
    col = bench.column(task.dataset)
    idx = np.arange(len(col))
    if k is not None:
        if not 1 <= k <= len(col):
            raise ConfigError(f"cells drawn from a table must be in 1..{len(col)}, got {k} (source "
                              f"{TABLE_PREFIX[bench.space.name]}:{dataset}@{k})")
        idx = np.sort(np.random.default_rng(seed).choice(len(col), size=k, replace=False))
    spec = task.name + (f"@{k}:seed{seed}" if k is not None else "")
    return MetaDataset(bench.space.name, [task], np.zeros(len(idx), dtype=int), [bench.archs[i] for i in idx],
                       col[idx].astype(np.float64), np.full(len(idx), "train"), np.full(len(idx), ""),
                       [{"source": spec, "file": str(bench.source), "sha256": bench.checksum,
                         "metric": bench.metric[task.dataset]}])


def parse_sources(specs: str | Sequence[str], bench: TableBenchmark | None = None, space: str = "nb201",
                  seed: int = 0, allow_unverified: bool = False) -> MetaDataset:
    """The meta-dataset of source specs: ``meta-train-db`` (the official set as CSV),
    ``official:DIR`` (the official ``.pt`` files in DIR, ``transfer.official``), ``nb201:<dataset>``
    (a whole table) or ``nb201:<dataset>@K`` (K cells drawn with ``seed``), and likewise
    ``tnb101:<task>[@K]`` (TransNAS-Bench-101 micro, space ``tnb101_micro``). Comma lists allowed,
    one string being one comma list. A source or task listed twice is refused (its records would
    count twice). ``bench`` is the table to read (default: the documented file of the spec's
    space). Data files must be the documented ones unless ``allow_unverified``."""
    items = [specs] if isinstance(specs, str) else specs
    if isinstance(specs, bytes) or not isinstance(items, Sequence) or not all(isinstance(i, str) for i in items):
        raise ConfigError(f"sources are source strings (one comma list or a list of them), e.g. "
                          f"'{META_TRAIN_DB_NAME},nb201:cifar100'; got {specs!r:.80}")
    listed = [s.strip() for item in items for s in item.split(",")]
    if not any(listed):
        raise ConfigError(f"no source given; list at least one, e.g. {META_TRAIN_DB_NAME} or nb201:cifar100")
    if not all(listed):  # "a,,b" or "a,": a typo that may have lost a source
        raise ConfigError(f"empty item in the source list {', '.join(map(repr, items))}; separate sources by "
                          "single commas, e.g. meta-train-db,nb201:cifar100")
    repeated = next((spec for i, spec in enumerate(listed) if spec in listed[:i]), None)
    if repeated is not None:
        raise ConfigError(f"source {repeated!r} is listed twice; list each source once (a repeat would count its "
                          "records twice)")
    parts: list[MetaDataset] = []
    seen: dict[str, str] = {}  # task name -> the source that holds it
    for spec in listed:
        if spec == META_TRAIN_DB_NAME:
            parts.append(load_meta_train_db(space=space, allow_unverified=allow_unverified))
        elif spec.startswith("official:"):
            from .official import load_official_meta_train  # torch and maybe igraph: only when asked

            parts.append(load_official_meta_train(spec[len("official:"):], space, allow_unverified))
        elif spec.partition(":")[0] in _TABLES:
            prefix, _, rest = spec.partition(":")
            name, at, k = rest.partition("@")
            try:
                cells = int(k) if at else None  # "@" with no count loaded the whole table
            except ValueError:
                raise UnknownNameError(f"bad cell count in source {spec!r}; write {prefix}:<dataset>@K (K cells) "
                                       f"or {prefix}:<dataset> (the whole table)") from None
            table = bench if bench is not None and TABLE_PREFIX[bench.space.name] == prefix else None
            parts.append(from_benchmark_table(table or _TABLES[prefix](allow_unverified=allow_unverified), name,
                                              cells, seed, space))
        else:
            raise UnknownNameError(f"unknown source {spec!r}; use {META_TRAIN_DB_NAME}, official:DIR, "
                                   "nb201:<dataset>[@K] (cifar10, cifar100, ImageNet16-120) or tnb101:<task>[@K] "
                                   f"({', '.join(TNB101_TASKS)})")
        for task in parts[-1].tasks:
            if task.name in seen:
                raise ConfigError(f"sources {seen[task.name]!r} and {spec!r} both hold task {task.name!r}; list it "
                                  "once (its records would count twice)")
            seen[task.name] = spec
    return MetaDataset.concat(parts)


def space_table(space: str, allow_unverified: bool = False) -> TableBenchmark:
    """The documented benchmark table of a search space (few-shot probes are measured on it)."""
    if space not in TABLE_PREFIX:
        raise DataFormatError(f"search space {space!r} has no benchmark table here to measure probe cells on; "
                              f"few-shot descriptors need one of: {', '.join(TABLE_PREFIX)}")
    return _TABLES[TABLE_PREFIX[space]](allow_unverified=allow_unverified)


def check_no_leakage(tasks: Sequence[Task], target: str) -> None:
    """Refuse sources that hold the target's values: a table of the target dataset, or (for
    ImageNet16-120) any task drawn from its 120 ImageNet-32 classes."""
    ds = target  # a dataset outside the tables (e.g. aircraft): compared by name
    for canonical in (canonical_dataset, canonical_task):
        try:
            ds = canonical(target)
            break
        except UnknownNameError:
            continue
    for t in tasks:
        if t.dataset == ds:
            raise LeakageError(f"source task {t.name!r} holds {ds} values, the target's own; remove it "
                               "from --sources (sources must exclude the target dataset)")
        if ds == "ImageNet16-120" and any(c.startswith("imagenet32:") and
                                          int(c.split(":")[1]) <= IMAGENET16_120_LABELS for c in t.classes):
            raise LeakageError(f"source task {t.name!r} uses ImageNet-32 classes 1..120, which are "
                               "ImageNet16-120's own; use sources outside its classes")
