"""Noise-aware property predictors ``f(X_t, sigma) -> y``: the plug-ins guidance differentiates.

A predictor is any module mapping a noisy operator matrix (``B x N x F``, model scale) and
its noise level (``B``) to a normalised property value (``B``). Two encoders are shipped
(``PredictorConfig.encoder``): ``gcn``, the official NB201 design, a directed GCN with a sigma
embedding (a graph encoder is the natural inductive bias for "which operation sits where" and
needs few labels), and ``mlp``, a multilayer perceptron on the whole flattened matrix, which
fits a large labelled set far more closely (on NB201's 15,625 cells the GCN's mean-pooled
messages stay near additive in the operations and rank poor cells first;
benchmarks_results/transfer_tuning_nb201.md). Predictors are
fitted with the noisy-regression objective (perturb X_0 by the SDE at a random t, regress the
transformed label, see ``labels.py``), so their gradients are meaningful along the whole
sampling path. Like the diffusion core, this module knows graphs only as tensors.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal, Protocol

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from ..configio import require_int, require_number
from ..diffusion.rng import normal_like, scoped_seed, uniform_like
from ..diffusion.score_net import sinusoidal_embedding
from ..diffusion.sde import VESDE
from ..diffusion.training import to_model_scale
from ..errors import ConfigError
from .labels import LABEL_KINDS, LabelKind, LabelTransform, fit_labels


class NoiseAwarePredictor(Protocol):
    """What guidance needs of a predictor: the network and the map from property units to its
    output units (objectives read budgets and targets through it)."""

    transform: LabelTransform

    def __call__(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """Normalised prediction (``B``) for ``x`` (``B x N x F``) at noise ``sigma`` (``B``)."""
        ...


Encoder = Literal["gcn", "mlp"]
ENCODERS: tuple[str, ...] = ("gcn", "mlp")


@dataclass(frozen=True)
class PredictorConfig:
    encoder: Encoder = "gcn"
    hidden: int = 64
    n_layers: int = 3
    dropout: float = 0.0
    steps: int = 600
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 1e-4
    eps: float = 1e-5  # smallest t drawn in the loss
    label_transform: LabelKind = "normal_scores"  # regression target; see labels.py for why not z-scores
    rank_weight: float = 0.0  # weight of the pairwise ranking term added to the squared error (0: none)
    # t = eps + (1 - eps) * u ** noise_power: > 1 draws more low-noise inputs, where the clean
    # ranking that picks the cells to query or train is read (1: uniform t)
    noise_power: float = 1.0

    def __post_init__(self) -> None:
        """Refuse settings that would fail only when fitting (``steps=0`` divides by zero in the
        schedule) or fit nothing useful (a negative learning rate, an empty layer)."""
        for key in ("hidden", "n_layers", "steps", "batch_size"):
            require_int(f"predictor {key}", getattr(self, key), 1)
        require_number("predictor lr", self.lr, lambda v: v > 0, "> 0")
        require_number("predictor weight_decay", self.weight_decay, lambda v: v >= 0, ">= 0")
        require_number("predictor dropout", self.dropout, lambda v: 0 <= v < 1, "in [0, 1)")
        require_number("predictor eps", self.eps, lambda v: 0 < v < 1, "in (0, 1)")
        require_number("predictor rank_weight", self.rank_weight, lambda v: v >= 0, ">= 0")
        require_number("predictor noise_power", self.noise_power, lambda v: v > 0, "> 0")
        if self.encoder not in ENCODERS:
            raise ConfigError(f"unknown predictor encoder {self.encoder!r}; choose one of {', '.join(ENCODERS)}")
        if self.label_transform not in LABEL_KINDS:
            raise ConfigError(f"unknown label transform {self.label_transform!r}; "
                              f"choose one of {', '.join(LABEL_KINDS)}")

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _row_normalise(a: torch.Tensor) -> torch.Tensor:
    return a / a.sum(-1, keepdim=True).clamp_min(1.0)


class ArchitecturePredictor(nn.Module):
    """What both encoders share: a sigma embedding (``sigma_embed``), an encoder ``embed(x,
    sigma) -> B x hidden`` and an MLP ``head``. Output: ``transform.forward`` units (``B``).
    ``y_mean``/``y_std`` record the raw labels' statistics. Subclasses create their modules in
    their own order (the order draws the initial weights, which committed results rest on)."""

    def __init__(self, cfg: PredictorConfig, transform: LabelTransform, y_mean: float = 0.0,
                 y_std: float = 1.0) -> None:
        super().__init__()
        self.transform = transform
        self.y_mean, self.y_std = float(y_mean), float(y_std)
        self.cfg = cfg

    def _sigma_embedding(self) -> nn.Module:
        h = self.cfg.hidden
        return nn.Sequential(nn.Linear(h, 2 * h), nn.SiLU(), nn.Linear(2 * h, h))

    def _head(self) -> nn.Module:
        h = self.cfg.hidden
        return nn.Sequential(nn.Linear(h, h), nn.Tanh(), nn.Linear(h, 1))

    def sigma_features(self, sigma: torch.Tensor) -> torch.Tensor:
        return self.sigma_embed(sinusoidal_embedding(10.0 * torch.log(sigma), self.cfg.hidden))

    def embed(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """The architecture embedding (``B x hidden``) the head reads; dataset-aware
        predictors (``transfer.meta_predictor``) add their task embedding to it."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x, sigma)).squeeze(-1)

    def predict(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """Prediction in the property's own units (not differentiable), float32 on the CPU (the
        label transform is numpy)."""
        return torch.as_tensor(self.transform.inverse(self(x, sigma).detach().cpu().numpy()), dtype=torch.float32)


class DirectedGCNPredictor(ArchitecturePredictor):
    """Directed GCN (messages along and against the edges, averaged), mean-pooled, with the
    sigma embedding added to every node (the official NB201 predictor's design)."""

    def __init__(self, n_tokens: int, adjacency: torch.Tensor, cfg: PredictorConfig,
                 transform: LabelTransform, y_mean: float = 0.0, y_std: float = 1.0) -> None:
        super().__init__(cfg, transform, y_mean, y_std)
        a = adjacency.float() + torch.eye(adjacency.shape[0])
        self.register_buffer("a_fwd", _row_normalise(a.T))  # node j gathers its predecessors
        self.register_buffer("a_bwd", _row_normalise(a))  # node i gathers its successors
        h = cfg.hidden
        self.inp = nn.Linear(n_tokens, h)
        self.sigma_embed = self._sigma_embedding()
        self.fwd = nn.ModuleList(nn.Linear(h, h) for _ in range(cfg.n_layers))
        self.bwd = nn.ModuleList(nn.Linear(h, h) for _ in range(cfg.n_layers))
        self.drop = nn.Dropout(cfg.dropout)
        self.head = self._head()

    def embed(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        h = self.inp(x) + self.sigma_features(sigma)[:, None, :]
        for fwd, bwd in zip(self.fwd, self.bwd, strict=True):
            h = h + self.drop(0.5 * (torch.relu(self.a_fwd @ fwd(h)) + torch.relu(self.a_bwd @ bwd(h))))
        return h.mean(1)


class MLPPredictor(ArchitecturePredictor):
    """A residual MLP on the flattened operator matrix plus the sigma embedding: every entry
    can interact with every other, so it fits a large labelled set closely; it ignores the
    adjacency, which in cell spaces is the same for every architecture."""

    def __init__(self, n_nodes: int, n_tokens: int, cfg: PredictorConfig, transform: LabelTransform,
                 y_mean: float = 0.0, y_std: float = 1.0) -> None:
        super().__init__(cfg, transform, y_mean, y_std)
        h = cfg.hidden
        self.inp = nn.Linear(n_nodes * n_tokens, h)
        self.sigma_embed = self._sigma_embedding()
        self.layers = nn.ModuleList(nn.Linear(h, h) for _ in range(cfg.n_layers))
        self.drop = nn.Dropout(cfg.dropout)
        self.head = self._head()

    def embed(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        h = self.inp(x.flatten(1)) + self.sigma_features(sigma)
        for layer in self.layers:
            h = h + self.drop(layer(F.silu(h)))
        return h


def build_predictor(n_nodes: int, n_tokens: int, adjacency: torch.Tensor, cfg: PredictorConfig,
                    transform: LabelTransform, y_mean: float = 0.0, y_std: float = 1.0) -> ArchitecturePredictor:
    """The predictor ``cfg.encoder`` names, for ``n_nodes x n_tokens`` operator matrices."""
    if cfg.encoder == "mlp":
        return MLPPredictor(n_nodes, n_tokens, cfg, transform, y_mean, y_std)
    return DirectedGCNPredictor(n_tokens, adjacency, cfg, transform, y_mean, y_std)


def fit_predictor(x01: torch.Tensor, y: np.ndarray, adjacency: torch.Tensor, sde: VESDE,
                  cfg: PredictorConfig = PredictorConfig(), seed: int = 0,
                  progress: bool = False, device: torch.device | str = "cpu") -> ArchitecturePredictor:
    """Fit on labelled architectures (``x01``: ``M x N x F`` 0/1, ``y``: ``M``) with the
    noisy-regression objective on ``cfg.label_transform``-transformed labels; the transform and the
    labels' mean/std are recorded on the predictor, which is fitted and left on ``device``.
    Deterministic per seed on a device: weights are initialised on the CPU and batches and
    noise drawn from a CPU generator, all from ``seed``, without touching the global RNG."""
    y_arr = np.asarray(y, dtype=np.float64)
    if x01.shape[0] != y_arr.shape[0] or y_arr.shape[0] < 2:
        raise ConfigError(f"need at least 2 labelled architectures with one label each, got "
                          f"{x01.shape[0]} architectures and {y_arr.shape[0]} labels")
    if not np.all(np.isfinite(y_arr)):
        raise ConfigError("labels contain NaN or infinite values; drop those architectures first")
    transform = fit_labels(cfg.label_transform, y_arr)
    with scoped_seed(seed, device):
        model = build_predictor(x01.shape[1], x01.shape[2], adjacency, cfg, transform, float(y_arr.mean()),
                                float(y_arr.std())).to(device)
        _fit(model, to_model_scale(x01.float()).to(device), torch.tensor(transform.forward(y_arr), dtype=torch.float32,
                                                                       device=device), sde, cfg, seed, progress)
    model.eval()
    return model


def _fit(model: ArchitecturePredictor, x0: torch.Tensor, target: torch.Tensor, sde: VESDE,
         cfg: PredictorConfig, seed: int, progress: bool) -> None:
    """The noisy-regression loop; dropout draws from the (scoped) global RNG."""
    generator = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s / cfg.steps, 1.0))))
    model.train()
    batch = min(cfg.batch_size, x0.shape[0])
    for _ in tqdm(range(cfg.steps), desc="fitting predictor", disable=not progress, leave=False):
        idx = torch.randint(0, x0.shape[0], (batch,), generator=generator).to(x0.device)
        t = uniform_like(x0, generator, (batch,)).pow(cfg.noise_power) * (1 - cfg.eps) + cfg.eps
        xt, sigma = sde.perturb(x0[idx], t, normal_like(x0[idx], generator))
        pred = model(xt, sigma)
        loss = (pred - target[idx]).pow(2).mean()
        if cfg.rank_weight:
            loss = loss + cfg.rank_weight * pairwise_rank_loss(pred, target[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()


def pairwise_rank_loss(pred: torch.Tensor, target: torch.Tensor, groups: torch.Tensor | None = None) -> torch.Tensor:
    """Mean logistic loss ``softplus(-(p_i - p_j))`` over the batch's pairs with ``y_i > y_j``
    (within one group when ``groups`` is given). A search acts on the order of the good cells,
    which the squared error barely weighs once they all sit near the top of the label range."""
    better = target[:, None] > target[None, :]
    if groups is not None:
        better &= groups[:, None] == groups[None, :]
    if not better.any():
        return pred.new_zeros(())
    return F.softplus(-(pred[:, None] - pred[None, :])[better]).mean()


@torch.no_grad()
def predict_clean(predictor: ArchitecturePredictor, x01: torch.Tensor, sde: VESDE) -> np.ndarray:
    """Predictions (property units) for clean architectures, at the smallest noise level, on
    the predictor's device."""
    x = to_model_scale(x01.float()).to(next(predictor.parameters()).device)
    return predictor.predict(x, torch.full((x.shape[0],), sde.sigma_min, device=x.device)).numpy()
