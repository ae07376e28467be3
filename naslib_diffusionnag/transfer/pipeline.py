"""The Transferable NAS pipeline: generate -> rank -> "train" the top K.

1. Bind the meta-predictor to the target's descriptor (its sources never include the target:
   the leakage guard runs first).
2. Generate ``n`` distinct valid cells with the meta-predictor's gradient as guidance.
3. Rank them by the meta-predictor's clean prediction.
4. "Train" the top ``K`` in order: on NB201 targets a benchmark look-up, counted; the result is
   the best true accuracy after 1..K trained cells. Other targets (Aircraft, Pets) cannot be
   measured offline: the ranked cells are returned for the user to train.
"""
from __future__ import annotations

import os
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from scipy.stats import spearmanr

from ..configio import require_int
from ..diffusion import to_model_scale
from ..diffusion.sde import VESDE
from ..errors import ConfigError, DiffusionNAGError
from ..generation import ArchitectureGenerator, Generation, check_distinct_count, check_seed
from ..guidance import GuidanceTerm, Objective
from ..guidance.schedule import check_scales
from ..oracles import NB201Benchmark, TableBenchmark, canonical_dataset
from ..spaces import SearchSpace
from .descriptors import ClassNameEmbeddings, FewShot, load_task_features, name_task, read_class_names
from .meta_predictor import BoundMetaPredictor, MetaPredictorConfig
from .meta_train import TrainedMetaPredictor, meta_train
from .metadata import Task, check_no_leakage, dataset_task, parse_sources, space_table

DEFAULT_SCALES: tuple[float, ...] = (100.0, 50.0, 25.0)  # z-score units, as the package's zscore default


def is_nb201_dataset(name: str) -> bool:
    return _not_nb201_reason(name) is None


def _not_nb201_reason(name: str) -> str | None:
    """None for an NB201 dataset, else why not (``canonical_dataset``'s message: it knows the
    near misses, e.g. ``imagenet`` for ImageNet16-120)."""
    try:
        canonical_dataset(name)
    except KeyError as e:
        return str(e.args[0])
    return None


def target_task(target: str, embeddings: ClassNameEmbeddings | None = None) -> Task:
    """The target as a task: an NB201 dataset, or a dataset with class names in the embedding
    file (``aircraft``, ``pets``)."""
    reason = _not_nb201_reason(target)
    if reason is None:
        return dataset_task(target)
    keys = sorted((k for k in (embeddings.by_key if embeddings else {}) if k.startswith(f"{target}:")),
                  key=lambda k: int(k.split(":")[1]))
    if not keys:
        raise ConfigError(f"unknown target {target!r}: {reason}; and no class names of it in the embedding "
                          "file: pass --class-names FILE or --task-features FILE for another dataset")
    return Task(target, target, tuple(keys))


@torch.no_grad()
def predict_cells(predictor: BoundMetaPredictor, space: SearchSpace, sde: VESDE, archs: Sequence[str],
                  batch: int = 4096) -> np.ndarray:
    """The bound predictor's clean predictions (``M``, z-score units) for cells of ``space``
    (read at the SDE's smallest noise level)."""
    out = []
    for i in range(0, len(archs), batch):
        x = to_model_scale(space.encode(list(archs[i:i + batch])).float())
        out.append(predictor(x, torch.full((x.shape[0],), sde.sigma_min)))
    return torch.cat(out).numpy() if out else np.zeros(0)


def best_after(values: Sequence[float]) -> dict[str, float]:
    """``{"1": v1, "2": max(v1, v2), ...}``: best true accuracy after k trained cells."""
    return {str(k + 1): float(v) for k, v in enumerate(np.maximum.accumulate(np.asarray(values, dtype=float)))}


@dataclass
class TransferResult:
    """One transfer run; ``to_dict`` is the CLI's JSON."""

    target: str
    sources: list[dict[str, Any]]
    datasets_seen: list[str]
    ranked: list[str]  # the top K, in training order
    values: list[float] | None  # their true accuracies (None: not measurable offline)
    best_after: dict[str, float] | None
    optimum: float | None
    seconds: float
    n_generated: int
    samples_drawn: int
    spearman_on_target: float | None
    protocol: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TransferNAS:
    """A score network, a meta-predictor bound to the target, and the target's benchmark."""

    generator: ArchitectureGenerator
    trained: TrainedMetaPredictor
    target: str
    predictor: BoundMetaPredictor
    bench: NB201Benchmark | None
    descriptor_info: dict[str, Any]

    def run(self, n: int = 100, train_top: int = 10, seed: int = 0,
            scales: Sequence[float] = DEFAULT_SCALES, progress: bool = False) -> TransferResult:
        """Generate ``n`` distinct cells under guidance, rank them, "train" the top ``train_top``."""
        check_run_size(n, train_top, self.generator.space)
        check_seed(seed)  # None failed as a TypeError inside the rounds' seed derivation
        start = time.perf_counter()
        candidates, made = self.propose(n, seed, scales, progress)
        if len(candidates) < train_top:  # nothing (or too little) to train: never a silent empty result
            raise DiffusionNAGError(
                f"the score network generated {len(candidates)} distinct valid cells in {len(made.archs)} samples, "
                f"fewer than --train-top {train_top}: a score-network checkpoint that samples few valid cells is "
                "undertrained or mismatched; use the shipped one (no --checkpoint) or a longer-trained one, or lower "
                "the guidance --scale")
        if len(candidates) < n:
            warnings.warn(f"only {len(candidates)} of the {n} distinct cells asked for were generated in "
                          f"{len(made.archs)} samples; ranking those", stacklevel=2)
        ranked = candidates[:train_top]
        seconds = time.perf_counter() - start
        values = optimum = rho = None
        if self.bench is not None:
            ds = canonical_dataset(self.target)
            values = self.bench.query_many(ranked, ds).tolist()
            optimum = self.bench.best(ds)[1]
            rho = self.spearman()
        return TransferResult(
            target=self.target, sources=self.trained.metadata["sources"], datasets_seen=self.trained.metadata["datasets"],
            ranked=ranked, values=values, best_after=best_after(values) if values is not None else None,
            optimum=optimum, seconds=seconds, n_generated=len(candidates), samples_drawn=len(made.archs),
            spearman_on_target=rho, protocol=self.protocol(n, train_top, seed, scales))

    def propose(self, n: int, seed: int, scales: Sequence[float] = DEFAULT_SCALES,
                progress: bool = False) -> tuple[list[str], Generation]:
        """``n`` distinct valid cells generated under the meta-predictor's guidance, best
        predicted first, and the generation run that made them."""
        check_guiding(scales)
        term = GuidanceTerm("meta-predictor", self.predictor, Objective("max"))
        made = self.generator.sample_distinct(n, seed, [term], list(scales), round_size=n, progress=progress)
        candidates = made.distinct[:n]
        scores = predict_cells(self.predictor, self.generator.space, self.generator.sde, candidates)
        return [candidates[i] for i in np.argsort(-scores, kind="stable")], made

    def spearman(self) -> float:
        """Spearman of the clean predictions with the target's true accuracy over every cell of
        the table (evaluation only: the target's values never reach the predictor)."""
        assert self.bench is not None
        ds = canonical_dataset(self.target)
        return float(spearmanr(predict_cells(self.predictor, self.generator.space, self.generator.sde, self.bench.archs),
                               self.bench.column(ds)).statistic)

    def exhaustive_top(self, k: int) -> list[str]:
        """The predictor's own top ``k`` over the whole table (the ceiling for generation)."""
        assert self.bench is not None
        scores = predict_cells(self.predictor, self.generator.space, self.generator.sde, self.bench.archs)
        return [self.bench.archs[i] for i in np.argsort(-scores, kind="stable")[:k]]

    def protocol(self, n: int, train_top: int, seed: int, scales: Sequence[float]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "space": self.generator.space.name, "n": n, "train_top": train_top, "seed": seed, "scales": list(scales),
            "descriptor": self.descriptor_info, "meta_dataset_sha256": self.trained.metadata["meta_dataset_sha256"],
            "meta_predictor": {k: self.trained.metadata[k] for k in ("seed", "task_input", "train_seconds")},
            "training": "benchmark look-up of each ranked cell, in rank order, counted",
        }
        if self.bench is not None:
            ds = canonical_dataset(self.target)
            out.update(metric=self.bench.metric[ds], data_file=str(self.bench.source), data_sha256=self.bench.checksum)
        else:
            out["metric"] = f"{self.target} accuracy cannot be measured offline: train the ranked cells yourself"
        return out


def build_meta_predictor(sources: Sequence[str], generator: ArchitectureGenerator,
                         descriptor: str = "class-names", config: MetaPredictorConfig | None = None,
                         seed: int = 0, bench: TableBenchmark | None = None, n_probes: int = 10,
                         target: str | None = None, progress: bool = False,
                         allow_unverified: bool = False) -> TrainedMetaPredictor:
    """Meta-train on ``sources`` (see ``metadata.parse_sources``) with ``class-names`` or
    ``few-shot`` (``n_probes`` cells drawn with ``seed``) descriptors; with a ``target``, the
    leakage guard refuses sources holding its values before any training. Data files must be
    the documented ones unless ``allow_unverified``."""
    meta = parse_sources(sources, bench, generator.space.name, seed, allow_unverified)
    if target is not None:
        check_no_leakage(meta.tasks, target)
    if descriptor == "class-names":
        desc: Any = ClassNameEmbeddings.load(allow_unverified=allow_unverified)
    elif descriptor == "few-shot":
        table = bench if bench is not None and bench.space.name == generator.space.name else None
        desc = FewShot.draw(generator.space, table or space_table(generator.space.name, allow_unverified), n_probes, seed)
    else:
        raise ConfigError(f"unknown descriptor {descriptor!r}; choose class-names or few-shot")
    return meta_train(meta, desc, generator.space, generator.sde, config or MetaPredictorConfig(), seed, progress)


def check_run_size(n: int, train_top: int, space: SearchSpace) -> None:
    """``n`` distinct cells the space has, and ``train_top`` of them to train."""
    check_distinct_count(n, space, "--n")
    require_int("--train-top", train_top, 1)  # 1.0 failed as a slice TypeError, True read as 1
    if not 1 <= train_top <= n:
        raise ConfigError(f"need 1 <= --train-top <= --n, got --n {n}, --train-top {train_top}")


def _require_table(target: str) -> None:
    if not is_nb201_dataset(target):
        raise ConfigError(f"few-shot descriptors measure probe cells on the target; {target!r} has no "
                          "benchmark table here: use a class-name meta-predictor")


def _class_name_task(target: str, class_names: str | os.PathLike[str] | None,
                     embeddings: ClassNameEmbeddings) -> Task:
    return name_task(target, read_class_names(class_names)) if class_names is not None else target_task(target, embeddings)


def _check_class_names_used(descriptor: str, class_names: str | os.PathLike[str] | None) -> None:
    """A class-name file describes the target only to a meta-predictor trained on class names;
    otherwise it would be read by nothing while the run looked described by it."""
    if class_names is not None and descriptor != "class-names":
        raise ConfigError(f"--class-names / class_names ({class_names}) describes the target by its class names, and "
                          f"the meta-predictor describes tasks by {descriptor} descriptors (the target's are built "
                          "that way, the file would be ignored): drop it, or meta-train with class-name descriptors")


def check_target_describable(target: str, descriptor: str, class_names: str | os.PathLike[str] | None = None,
                             task_features: str | os.PathLike[str] | None = None,
                             allow_unverified: bool = False) -> None:
    """Refuse a target the meta-predictor could not be told about (unknown name, bad class-name
    or feature file, few-shot without a table, class names it would not read) before minutes of
    meta-training, not after."""
    _check_class_names_used(descriptor, class_names)
    if task_features is not None:
        if descriptor == "class-names":
            load_task_features(task_features, ClassNameEmbeddings.load(allow_unverified=allow_unverified).dim)
    elif descriptor == "few-shot":
        _require_table(target)
    else:
        embeddings = ClassNameEmbeddings.load(allow_unverified=allow_unverified)
        embeddings.check(_class_name_task(target, class_names, embeddings))


def prepare(target: str, trained: TrainedMetaPredictor, generator: ArchitectureGenerator,
            bench: NB201Benchmark | None = None, class_names: str | os.PathLike[str] | None = None,
            task_features: str | os.PathLike[str] | None = None, allow_unverified: bool = False) -> TransferNAS:
    """Check the sources against the target, build the target's descriptor the way the
    meta-predictor was trained (class names / a feature file / few-shot probes) and bind it."""
    trained.check_target(target)
    kind = trained.metadata["descriptor"]["kind"]
    _check_class_names_used(kind, class_names)
    info: dict[str, Any] = {"kind": kind}
    on_nb201 = is_nb201_dataset(target)
    if bench is None and on_nb201:
        bench = NB201Benchmark.load(allow_unverified=allow_unverified)
    if task_features is not None:
        task_set = load_task_features(task_features, int(trained.metadata["dim_task"]))
        # the user's features stand in for the descriptors the predictor was meta-trained on: say which
        info.update(kind="task-features", file=str(task_features), meta_trained_on=kind)
    elif kind == "few-shot":
        _require_table(target)
        assert bench is not None
        probes = list(trained.metadata["descriptor"]["probes"])
        task_set = FewShot(generator.space, bench, probes)(dataset_task(target))
        info.update(probes=probes, probe_evaluations=len(probes))
    else:
        embeddings = ClassNameEmbeddings.load(allow_unverified=allow_unverified)
        task = _class_name_task(target, class_names, embeddings)
        task_set = embeddings(task)
        info.update(classes=len(task.classes), file=str(embeddings.path), sha256=embeddings.checksum,
                    class_names=str(class_names) if class_names else "provided file")
    if trained.metadata["task_input"] == "zero":
        task_set = torch.zeros_like(task_set)
    return TransferNAS(generator, trained, target, trained.model.bind(task_set),
                       bench if on_nb201 else None, info)


def check_guiding(scales: Sequence[float]) -> None:
    """Refuse scales that are all 0: the cells would be generated unguided while the result
    reads as the meta-predictor's."""
    if not any(check_scales(scales)):
        raise ConfigError(f"every guidance scale is 0 ({list(scales)}): the cells would be generated unguided while "
                          "the result reads as the meta-predictor's; give a scale > 0 (default 100,50,25)")


def transfer_nas(target: str, sources: Sequence[str] | None = None, space: str = "nb201",
                 meta_checkpoint: str | os.PathLike[str] | None = None, descriptor: str = "class-names",
                 class_names: str | os.PathLike[str] | None = None,
                 task_features: str | os.PathLike[str] | None = None, n: int = 100, train_top: int = 10,
                 seed: int = 0, scales: Sequence[float] = DEFAULT_SCALES,
                 checkpoint: str | os.PathLike[str] | None = None,
                 config: MetaPredictorConfig | None = None, progress: bool = False,
                 allow_unverified: bool = False) -> TransferResult:
    """The whole pipeline in one call (the ``diffusionnag transfer`` command): meta-train on
    ``sources`` (or load ``meta_checkpoint``), describe the target, generate, rank, "train" the
    top ``train_top``. ``checkpoint`` is the score network (default: the shipped one); data
    files must be the documented ones unless ``allow_unverified``."""
    if space != "nb201":
        raise ConfigError(f"the transfer pipeline measures generated cells on NB201 only; on {space!r} the table lists "
                          "too few cells to 'train' generated ones offline (TransNAS-Bench-101 micro: 711 of 4,096): "
                          "meta-train with `diffusionnag meta-train --space tnb101_micro` and rank the table's cells "
                          "(benchmarks/transfer_tnb101.py shows how)")
    if (sources is None) == (meta_checkpoint is None):
        raise ConfigError("give either --sources (meta-train now) or --meta-checkpoint (a meta-predictor made "
                          "by `diffusionnag meta-train`), not both and not neither")
    check_guiding(scales)  # before minutes of meta-training
    generator = ArchitectureGenerator.load(space, checkpoint)
    bench = NB201Benchmark.load(allow_unverified=allow_unverified) if space == "nb201" else None
    if meta_checkpoint is not None:
        trained = TrainedMetaPredictor.load(meta_checkpoint, generator.space)
    else:
        assert sources is not None
        check_run_size(n, train_top, generator.space)
        check_target_describable(target, descriptor, class_names, task_features, allow_unverified)
        trained = build_meta_predictor(sources, generator, descriptor, config, seed, bench, target=target,
                                       progress=progress, allow_unverified=allow_unverified)
    result = prepare(target, trained, generator, bench, class_names, task_features, allow_unverified).run(
        n, train_top, seed, scales, progress)
    result.protocol["meta_train_seconds"] = trained.metadata["train_seconds"] if meta_checkpoint is None else 0.0
    return result
