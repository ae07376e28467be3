"""Meta-training of the dataset-aware predictor, and its checkpoint.

Objective: the package's noisy regression (perturb ``X_0`` by the SDE at ``t ~ U(eps, 1)``,
regress the label), with the task embedding of each record's task. Labels are z-scored per
source dataset on its training records (the paper z-scores its one source globally): whole
NB201 tables and 20-class ImageNet-32 subsets differ by 30+ points in mean accuracy, and the
predictor is asked how cells rank within a task, not how hard a task is.

The checkpoint (``torch.save``; loads with ``weights_only=True``) records the meta-dataset's
sha256, every source file and checksum, and exactly which tasks (name, dataset, classes) it saw,
so the leakage guard can be re-checked against any later target.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy.stats import spearmanr
from tqdm.auto import tqdm

from .. import __version__
from ..diffusion import to_model_scale
from ..diffusion.checkpoint import check_metadata, load_weights, read_checkpoint_file, save_atomic
from ..diffusion.sde import VESDE, expand
from ..errors import CheckpointError, ConfigError
from ..guidance.labels import LabelKind, fit_labels
from ..guidance.predictors import pairwise_rank_loss
from ..spaces import SearchSpace
from .descriptors import TaskDescriptor
from .meta_predictor import MetaPredictor, MetaPredictorConfig
from .metadata import LeakageError, MetaDataset, Task, check_no_leakage
from .set_encoder import ClassTable

FORMAT = "diffusionnag-meta-predictor/1"
WRITER = "diffusionnag meta-train"
# what ``load`` and the transfer pipeline read of a meta-predictor's metadata (dotted: a nested key)
METADATA_TYPES: dict[str, tuple[type, ...]] = {
    "space": (str,), "dim_task": (int,), "tasks": (list,), "task_input": (str,), "descriptor": (dict,),
    "descriptor.kind": (str,), "seed": (int,), "sources": (list,), "datasets": (list,),
    "meta_dataset_sha256": (str,), "train_seconds": (int, float),
}


@dataclass
class TrainedMetaPredictor:
    """A meta-predictor and what it was trained on (``metadata``, saved with it)."""

    model: MetaPredictor
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def tasks(self) -> list[Task]:
        return [Task(n, d, tuple(c)) for n, d, c in self.metadata["tasks"]]

    def check_target(self, target: str) -> None:
        """The leakage guard against every task this predictor saw."""
        try:
            check_no_leakage(self.tasks, target)
        except LeakageError as e:
            raise LeakageError(f"this meta-predictor was meta-trained on the target's values ({e}); meta-train "
                               f"one whose --sources exclude {target}") from None

    def save(self, path: str | os.PathLike[str], overwrite: bool = False) -> Path:
        out = Path(path)
        if out.exists() and not overwrite:
            raise CheckpointError(f"{out} exists; pass overwrite=True (--overwrite) or choose another path")
        out.parent.mkdir(parents=True, exist_ok=True)
        return save_atomic({"format": FORMAT, "config": self.model.cfg.to_dict(), "state_dict": self.model.state_dict(),
                            "metadata": self.metadata}, out)

    @classmethod
    def load(cls, path: str | os.PathLike[str], space: SearchSpace) -> TrainedMetaPredictor:
        file = Path(path)
        if not file.exists():
            raise CheckpointError(f"meta-predictor checkpoint {str(file)!r} does not exist; make one with "
                                  "`diffusionnag meta-train --space nb201 --sources meta-train-db --out meta.pt`")
        ckpt = read_checkpoint_file(file, "meta-predictor", WRITER)
        if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
            raise CheckpointError(f"{file} is not a meta-predictor checkpoint ({FORMAT}); make one with `{WRITER}`")
        for key in ("config", "metadata", "state_dict"):
            if not isinstance(ckpt.get(key), dict):
                raise CheckpointError(f"{file} has no {key!r} mapping, which every meta-predictor checkpoint holds; it "
                                      f"was edited or damaged: pass a file written by `{WRITER}`")
        meta = ckpt["metadata"]
        check_metadata(file, meta, METADATA_TYPES, WRITER)
        if meta["space"] != space.name:
            raise CheckpointError(f"meta-predictor {file} was trained on search space {meta['space']!r}, "
                                  f"not {space.name!r}")
        try:  # checkpoints from before these settings existed hold the GCN on z-scores
            config = MetaPredictorConfig(**{**LEGACY_CONFIG, **ckpt["config"]})
        except (TypeError, ValueError) as e:
            raise CheckpointError(f"{file} records a config this version cannot build ({e}); meta-train it again "
                                  f"with `{WRITER}`") from e
        model = MetaPredictor(space.n_tokens, space.adjacency(), meta["dim_task"], config)
        load_weights(model, ckpt["state_dict"], file, WRITER)
        model.eval()
        return cls(model, meta)


LEGACY_CONFIG: dict[str, Any] = {"encoder": "gcn", "label_transform": "zscore", "noise_power": 1.0, "top_weight": 0.0}


def _label_groups(meta: MetaDataset, train: np.ndarray, kind: LabelKind = "zscore") -> np.ndarray:
    """Records' labels transformed per source dataset (z-scores or normal scores), fitted on
    that dataset's training records."""
    datasets = np.asarray([meta.tasks[int(t)].dataset for t in meta.task])
    z = np.empty(len(meta), dtype=np.float64)
    for ds in np.unique(datasets):
        rows = datasets == ds
        ref = meta.values[rows & train]
        z[rows] = fit_labels(kind, ref).forward(meta.values[rows])
    return z


def task_sets(meta: MetaDataset, descriptor: TaskDescriptor, task_input: str,
              rng: np.random.Generator) -> list[torch.Tensor]:
    """Each task's descriptor as the model is trained on it: the real one, all zeros, or
    another task's (a fixed random permutation of the tasks; among many tasks a few may keep
    their own, with one task every one would, so that is refused)."""
    sets = [descriptor(t) for t in meta.tasks]
    if task_input == "zero":
        return [torch.zeros_like(s) for s in sets]
    if task_input == "shuffle":
        if len(sets) < 2:
            raise ConfigError(f"task input 'shuffle' gives each task another task's descriptor, and the sources hold "
                              f"one task ({meta.tasks[0].name}): shuffling would change nothing; add source tasks "
                              "or use 'zero' for the no-descriptor ablation")
        perm = rng.permutation(len(sets))
        return [sets[int(i)] for i in perm]
    return sets


@torch.no_grad()
def predict_records(model: MetaPredictor, x0: torch.Tensor, task_emb: torch.Tensor, sde: VESDE,
                    batch: int = 4096) -> np.ndarray:
    """Clean predictions (``M``) for model-scale cells ``x0`` with per-record task embeddings."""
    model.eval()
    out = []
    for i in range(0, x0.shape[0], batch):
        xb = x0[i:i + batch]
        out.append(model(xb, torch.full((xb.shape[0],), sde.sigma_min), task_emb[i:i + batch]))
    return torch.cat(out).numpy() if out else np.zeros(0)


def meta_train(meta: MetaDataset, descriptor: TaskDescriptor, space: SearchSpace, sde: VESDE,
               cfg: MetaPredictorConfig | None = None, seed: int = 0,
               progress: bool = False) -> TrainedMetaPredictor:
    """Fit a meta-predictor on ``meta``'s ``train`` records; report the Spearman on its
    ``eval`` records (when it has any). Deterministic per seed on CPU."""
    cfg = cfg or MetaPredictorConfig()
    if meta.space != space.name:
        raise CheckpointError(f"meta-dataset of search space {meta.space!r} cannot train a predictor "
                              f"for {space.name!r}")
    train = meta.split == "train"
    if train.sum() < 2:
        raise ValueError("the meta-dataset has fewer than 2 training records")
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    generator = torch.Generator().manual_seed(seed)
    sets = task_sets(meta, descriptor, cfg.task_input, rng)
    table = ClassTable(sets)
    torch.manual_seed(seed)  # parameter initialisation
    model = MetaPredictor(space.n_tokens, space.adjacency(), int(sets[0].shape[-1]), cfg)
    x0 = to_model_scale(space.encode(meta.archs).float())
    y = torch.tensor(_label_groups(meta, train, cfg.label_transform), dtype=torch.float32)
    task = torch.as_tensor(meta.task)
    train_idx = torch.as_tensor(np.flatnonzero(train))
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s / cfg.steps, 1.0))))
    model.train()
    batch = min(cfg.batch_size, len(train_idx))
    for _ in tqdm(range(cfg.steps), desc="meta-training", disable=not progress, leave=False):
        idx = train_idx[torch.randint(0, len(train_idx), (batch,), generator=generator)]
        tasks, inverse = torch.unique(task[idx], return_inverse=True)
        emb = table.encode(model.set_encoder, tasks.tolist())[inverse]
        t = torch.rand(batch, generator=generator).pow(cfg.noise_power) * (1 - cfg.eps) + cfg.eps
        sigma = sde.sigma(t)
        xt = x0[idx] + expand(sigma, x0[idx]) * torch.randn(x0[idx].shape, generator=generator)
        weight = 1.0 + cfg.top_weight * y[idx].clamp_min(0.0)
        pred = model(xt, sigma, emb)
        loss = (weight * (pred - y[idx]).pow(2)).mean()
        if cfg.rank_weight:  # pairs within a task: accuracies of different tasks are not comparable
            loss = loss + cfg.rank_weight * pairwise_rank_loss(pred, y[idx], task[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    model.eval()
    seconds = time.perf_counter() - start
    evaluation: dict[str, float] = {}
    held = np.flatnonzero(meta.split == "eval")
    if held.size:
        with torch.no_grad():
            emb_tasks = table.encode(model.set_encoder, list(range(len(sets))))
        pred = predict_records(model, x0[held], emb_tasks[task[held]], sde)
        evaluation = {"eval_records": int(held.size), "eval_spearman": float(spearmanr(pred, y[held]).statistic)}
    metadata = {
        "space": space.name, "dim_task": int(sets[0].shape[-1]), "seed": seed,
        "descriptor": descriptor.provenance(), "task_input": cfg.task_input,
        "meta_dataset_sha256": meta.digest(), "sources": meta.sources, "datasets": meta.datasets,
        "tasks": [[t.name, t.dataset, list(t.classes)] for t in meta.tasks],
        "n_records": len(meta), "n_train_records": int(train.sum()), "train_seconds": seconds,
        "torch_threads": torch.get_num_threads(), "package_version": __version__, **evaluation,
    }
    return TrainedMetaPredictor(model, metadata)
