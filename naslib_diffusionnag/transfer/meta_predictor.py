"""The dataset-aware noise-aware meta-predictor ``f(X_t, sigma, D)``.

Architecture encoder: one of the package's noise-aware predictors with its sigma embedding
(``guidance.predictors``: the directed GCN or the MLP, ``encoder``), reused as is; dataset encoder: the Set
Transformer of ``set_encoder.py``. The task embedding ``D`` is projected into the graph
embedding's space and added before the GCN's own head (``Linear -> tanh -> Linear``), which is
the paper's head on the concatenation ``[D, A_emb]`` written as a sum of two linear maps.
Bound to one task (``bind``), it is an ordinary ``NoiseAwarePredictor``: guidance and BO use it
like any other predictor, and its gradient guides the sampler.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from ..configio import require_number
from ..errors import ConfigError
from ..guidance import PredictorConfig, ZScore
from ..guidance.labels import LabelTransform
from ..guidance.predictors import Encoder, build_predictor
from .set_encoder import SetEncoder

TaskInput = Literal["full", "zero", "shuffle"]
TASK_INPUTS: tuple[str, ...] = ("full", "zero", "shuffle")


@dataclass(frozen=True)
class MetaPredictorConfig(PredictorConfig):
    """A predictor's settings (``PredictorConfig``: encoder, widths, schedule, labels) plus the
    dataset encoder's and meta-training's own. ``task_input`` is the ablation switch: ``zero``
    feeds every task the same all-zero descriptor, ``shuffle`` each task another task's.
    Defaults (MLP encoder, width 128, 1,500 steps of 256, normal-score labels) were chosen on
    ImageNet16-120, which the transfer benchmark never reports as a target
    (benchmarks_results/transfer_tuning_nb201.md): the former 600-step GCN on z-scores put
    mediocre cells first (its top-1 on ImageNet16-120 41.4 vs 46.3-46.7 now). ``label_transform``
    is applied per source dataset: normal scores of the ranks spread the good cells that a
    table's many broken cells compress."""

    encoder: Encoder = "mlp"
    hidden: int = 128
    steps: int = 1500  # ~2 min on one NB201 table, 1 thread on 2 shared CPU cores
    batch_size: int = 256
    set_dim: int = 56
    heads: int = 4
    task_input: TaskInput = "full"
    # loss weight 1 + top_weight * max(z, 0): errors among the good cells, the ones a search
    # ranks and trains, cost more than errors among the many poor ones
    top_weight: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        require_number("meta-predictor top_weight", self.top_weight, lambda v: v >= 0, ">= 0")
        if self.task_input not in TASK_INPUTS:
            raise ConfigError(f"task_input must be one of {', '.join(TASK_INPUTS)}, got {self.task_input!r}")

    def graph_config(self) -> PredictorConfig:
        return PredictorConfig(encoder=self.encoder, hidden=self.hidden, n_layers=self.n_layers, dropout=self.dropout,
                               label_transform="zscore")


class MetaPredictor(nn.Module):
    """``forward(x: B x N x F, sigma: B, task: B x set_dim) -> B`` in per-source z-score units."""

    def __init__(self, n_tokens: int, adjacency: torch.Tensor, dim_task: int, cfg: MetaPredictorConfig) -> None:
        super().__init__()
        self.graph = build_predictor(adjacency.shape[0], n_tokens, adjacency, cfg.graph_config(), ZScore(0.0, 1.0))
        self.set_encoder = SetEncoder(dim_task, cfg.set_dim, cfg.heads)
        self.task_proj = nn.Linear(cfg.set_dim, cfg.hidden, bias=False)
        self.cfg = cfg

    def forward(self, x: torch.Tensor, sigma: torch.Tensor, task: torch.Tensor) -> torch.Tensor:
        return self.graph.head(self.graph.embed(x, sigma) + self.task_proj(task)).squeeze(-1)

    @torch.no_grad()
    def bind(self, task_set: torch.Tensor) -> BoundMetaPredictor:
        """This predictor for one task (its ``C x S x d`` descriptor, embedded once)."""
        self.eval()
        embedding = self.set_encoder(task_set[None].float())
        if not torch.isfinite(embedding).all():  # finite but huge features: guidance then failed, blaming its scale
            raise ConfigError(f"the task descriptor (largest |value| {task_set.abs().max().item():.3g}) overflows the "
                              "meta-predictor's dataset encoder; give features on the scale it was meta-trained on "
                              "(e.g. standardised per dimension, as image-encoder features are)")
        return BoundMetaPredictor(self, embedding)


class BoundMetaPredictor:
    """A meta-predictor with its task embedding fixed: a ``NoiseAwarePredictor``."""

    # outputs are already in normalised units (z-scores or normal scores within a source task)
    transform: LabelTransform = ZScore(0.0, 1.0)

    def __init__(self, model: MetaPredictor, task_embedding: torch.Tensor) -> None:
        self.model, self.task_embedding = model, task_embedding

    def __call__(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        return self.model(x, sigma, self.task_embedding.expand(x.shape[0], -1))

    @torch.no_grad()
    def predict(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        return self(x, sigma)
