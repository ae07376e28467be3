"""Task descriptors: what the meta-predictor knows about a dataset, as a set of per-class
feature sets (``C x S x d``: classes x samples x features), the input of the set encoder.

Three kinds, one interface (``TaskDescriptor``: ``task -> C x S x d``):

- ``ClassNameEmbeddings``: one 384-d sentence embedding per class name (``S = 1``), from the
  provided all-MiniLM-L6-v2 file; names outside it are embedded with sentence-transformers (an
  optional extra) when installed.
- ``FewShot``: measured accuracies of a few fixed probe cells on the task, one "class" per probe
  (its flattened one-hot cell and its accuracy z-scored within the task).
- a user's per-class feature tensor (``load_task_features``): the paper's image-feature sets, for
  a target only (the sources' images are not reachable).
"""
from __future__ import annotations

import csv
import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import torch

from ..diffusion.checkpoint import unreadable_reason
from ..errors import DataFormatError, DiffusionNAGError
from ..guidance.labels import ZScore
from ..oracles import TableBenchmark, resolve_data_file
from ..oracles.paths import verify_known
from ..spaces import SearchSpace
from .metadata import Task

CLASS_EMBEDDINGS = "transfer/class_name_embeddings_minilm_l6_v2.csv"
SENTENCE_MODEL = "all-MiniLM-L6-v2"


class DescriptorError(DiffusionNAGError, ValueError):
    """A task descriptor cannot be built (unknown class, wrong shape, missing extra)."""


class TaskDescriptor(Protocol):
    """Maps a task to its per-class feature sets (``C x S x dim``, float32)."""

    kind: str
    dim: int

    def __call__(self, task: Task) -> torch.Tensor:
        ...

    def provenance(self) -> dict[str, object]:
        """What a checkpoint or result records about this descriptor (kind, file, checksum)."""
        ...


def name_task(dataset: str, names: Sequence[str]) -> Task:
    """A target task given by its class names (keys ``name:<text>``)."""
    names = [n.strip() for n in names if n.strip()]
    if not names:
        raise DescriptorError(f"no class names given for {dataset!r}; write one class name per line")
    return Task(dataset, dataset, tuple(f"name:{n}" for n in names))


def read_class_names(path: str | os.PathLike[str]) -> list[str]:
    """One class name per line (blank lines ignored)."""
    file = Path(path)
    if not file.is_file():
        raise DescriptorError(f"class-name file {str(file)!r} {'is a folder' if file.is_dir() else 'does not exist'}; "
                              "give a text file with one class name per line")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DescriptorError(f"class-name file {str(file)!r} is not UTF-8 text (a binary file?); write one class "
                              "name per line, or pass per-class features with --task-features") from None
    names = [line.strip() for line in text.splitlines() if line.strip()]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:  # one class listed twice would weigh twice in the set encoder
        raise DescriptorError(f"class-name file {str(file)!r} lists {', '.join(map(repr, repeated))} more than once; "
                              "list each class once")
    return names


def _needs_sentence_transformers(names: Sequence[str]) -> DescriptorError:
    return DescriptorError(
        f"class name(s) {', '.join(map(repr, names))} are not in the provided embedding file "
        f"({CLASS_EMBEDDINGS}); embedding new names needs sentence-transformers: "
        "`pip install sentence-transformers` (it downloads all-MiniLM-L6-v2 once), or use known "
        "names / --task-features")


def _embed_with_sentence_transformers(names: Sequence[str]) -> np.ndarray:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise _needs_sentence_transformers(names) from None
    model = SentenceTransformer(SENTENCE_MODEL)
    return np.asarray(model.encode(list(names), normalize_embeddings=True), dtype=np.float32)


@dataclass
class ClassNameEmbeddings:
    """Class-name sentence embeddings from the provided file; keys ``<dataset>:<class_index>``
    (ImageNet-32: 1-based labels) or ``name:<text>``."""

    path: Path
    checksum: str
    by_key: dict[str, np.ndarray]
    by_name: dict[str, np.ndarray]
    kind: str = "class-names"
    dim: int = 384
    _cache: dict[Task, torch.Tensor] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, allow_unverified: bool = False) -> ClassNameEmbeddings:
        """The provided file (or ``path``), which must be the documented one unless
        ``allow_unverified``: every class-name descriptor, so every transfer result, rests on it."""
        file = resolve_data_file(CLASS_EMBEDDINGS, path)
        checksum = verify_known(file, CLASS_EMBEDDINGS, allow_unverified)
        by_key: dict[str, np.ndarray] = {}
        by_name: dict[str, np.ndarray] = {}
        with open(file, newline="") as f:
            rows = csv.reader(f)
            header = next(rows)
            if header[:4] != ["dataset", "class_index", "wnid", "class_name"]:
                raise DataFormatError(f"{file} is not a class-name embedding file (columns dataset, "
                                      "class_index, wnid, class_name, e000...)")
            for r in rows:
                vec = np.asarray(r[4:], dtype=np.float32)
                by_key[f"{r[0]}:{r[1]}"] = vec
                by_name.setdefault(r[3].lower(), vec)
        dim = len(next(iter(by_key.values())))
        return cls(file, checksum, by_key, by_name, dim=dim)

    def _missing(self, task: Task) -> list[str]:
        """The task's class names the file lacks; refuses a task it cannot embed at all."""
        if not task.classes:
            raise DescriptorError(f"task {task.name!r} has no class names to embed (a TransNAS-Bench-101 task is "
                                  "not a classification over named classes); use few-shot descriptors")
        unknown = [c for c in task.classes if not c.startswith("name:") and c not in self.by_key]
        if unknown:
            raise DescriptorError(f"class key(s) {', '.join(unknown)} of task {task.name!r} are not in "
                                  f"{self.path}; pass class names instead")
        return [c[5:] for c in task.classes if c.startswith("name:") and c[5:].lower() not in self.by_name]

    def check(self, task: Task) -> None:
        """Raise what embedding ``task`` would raise, without embedding (before meta-training)."""
        missing = self._missing(task)
        if missing and importlib.util.find_spec("sentence_transformers") is None:
            raise _needs_sentence_transformers(missing)

    def __call__(self, task: Task) -> torch.Tensor:
        if task not in self._cache:
            missing = self._missing(task)
            extra = dict(zip(missing, _embed_with_sentence_transformers(missing), strict=True)) if missing else {}
            rows = [self.by_key[c] if not c.startswith("name:") else
                    self.by_name.get(c[5:].lower(), extra.get(c[5:])) for c in task.classes]
            self._cache[task] = torch.tensor(np.stack(rows))[:, None, :]
        return self._cache[task]

    def provenance(self) -> dict[str, str]:
        return {"kind": self.kind, "file": str(self.path), "sha256": self.checksum}


@dataclass
class FewShot:
    """The accuracies of ``probes`` (fixed cells) measured on the task: ``P x 1 x (N*F + 1)``.
    Values are z-scored within the task, so the descriptor says how cells rank there, not how
    hard the task is. Only tasks whose values the table holds (its datasets) qualify."""

    space: SearchSpace
    bench: TableBenchmark
    probes: list[str]
    kind: str = "few-shot"
    dim: int = 0

    def __post_init__(self) -> None:
        self.dim = self.space.n_nodes * self.space.n_tokens + 1

    @classmethod
    def draw(cls, space: SearchSpace, bench: TableBenchmark, n_probes: int, seed: int) -> FewShot:
        """``n_probes`` probe cells drawn uniformly with ``seed``: from the space when the table
        lists all of it (NB201), else distinct cells of the table (only those can be measured)."""
        if not 1 <= n_probes <= len(bench.archs):  # a few measured cells, not more than the table has
            raise DescriptorError(f"need 1..{len(bench.archs)} probe cells from {bench.source.name}, got {n_probes}")
        rng = np.random.default_rng(seed)
        if len(bench.archs) == space.size:
            return cls(space, bench, space.sample(n_probes, rng))
        return cls(space, bench, [bench.archs[i] for i in rng.choice(len(bench.archs), n_probes, replace=False)])

    def __call__(self, task: Task) -> torch.Tensor:
        if task.dataset not in self.bench.datasets():
            raise DescriptorError(
                f"few-shot descriptors need the probe cells' accuracies on task {task.name!r}, and the "
                f"benchmark table has none for {task.dataset!r}; use class-name descriptors for it")
        acc = self.bench.query_many(self.probes, task.dataset)
        z = ZScore.fit(acc).forward(acc)
        cells = self.space.encode(self.probes).flatten(1)
        return torch.cat([cells, torch.tensor(z, dtype=torch.float32)[:, None]], 1)[:, None, :]

    def provenance(self) -> dict[str, object]:
        return {"kind": self.kind, "probes": self.probes, "file": str(self.bench.source), "sha256": self.bench.checksum}


def _unreadable_npy_reason(path: Path, error: Exception) -> str:
    """Why numpy (allow_pickle=False) could not read ``path``, in a few words; numpy reads a
    file without the .npy magic as a pickle and then blames pickled data."""
    with open(path, "rb") as f:
        if f.read(6) != b"\x93NUMPY":
            return "not a file written by numpy.save"
    if "allow_pickle" in str(error):
        return "it holds Python objects, not numbers; not loaded, as unpickling could run code"
    return "a damaged or truncated .npy file"


def load_task_features(path: str | os.PathLike[str], dim: int) -> torch.Tensor:
    """A user's per-class feature sets (``.pt`` tensor or ``.npy`` array, ``C x S x dim``)."""
    file = Path(path)
    if not file.is_file():
        raise DescriptorError(f"task-feature file {str(file)!r} {'is a folder' if file.is_dir() else 'does not exist'}; "
                              f"give a .pt or .npy file holding a classes x samples x {dim} array")
    try:
        data = (np.load(file) if file.suffix == ".npy" else torch.load(file, weights_only=True))
    except Exception as e:  # noqa: BLE001 -- any unreadable file gets the same advice
        # the libraries' own texts advise loading unsafely (allow_pickle, weights_only=False), which
        # would let a crafted file run code, and torch's carries terminal escape codes
        reason = _unreadable_npy_reason(file, e) if file.suffix == ".npy" else unreadable_reason(file, e)
        raise DescriptorError(f"cannot read task features from {file}: {reason}; save a classes x samples x {dim} "
                              "tensor with torch.save or numpy.save") from None
    if (not isinstance(data, (torch.Tensor, np.ndarray)) or not np.issubdtype(np.asarray(data).dtype, np.number)
            or np.iscomplexobj(np.asarray(data))):
        kind = " of complex numbers" if np.iscomplexobj(np.asarray(data)) else ""
        raise DescriptorError(f"{file} holds a {type(data).__name__}{kind}, not a numeric array of real values; "
                              f"save the classes x samples x {dim} real tensor itself (torch.save(tensor, path) or "
                              "numpy.save)")
    x = torch.as_tensor(np.asarray(data), dtype=torch.float32)
    if not torch.isfinite(x).all():
        raise DescriptorError(f"task features in {file} hold {int((~torch.isfinite(x)).sum())} NaN / infinite "
                              "values; fix or drop those samples")
    if x.ndim != 3 or x.shape[-1] != dim or x.shape[0] < 1 or x.shape[1] < 1:
        raise DescriptorError(f"task features in {file} have shape {tuple(x.shape)}; the meta-predictor "
                              f"needs classes x samples x {dim} (one feature set per class)")
    return x
