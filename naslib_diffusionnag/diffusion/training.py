"""Training loop for the score network: Adam with linear warm-up, gradient clipping, EMA."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm

from ..errors import ConfigError
from .checkpoint import first_non_finite
from .config import TrainConfig
from .ema import EMA
from .losses import dsm_loss
from .rng import scoped_seed
from .score_fn import get_score_fn
from .sde import VESDE


def to_model_scale(x01: torch.Tensor) -> torch.Tensor:
    """{0, 1} one-hot data -> {-1, +1} (the official ``centered`` scaling)."""
    return 2.0 * x01 - 1.0


def from_model_scale(x: torch.Tensor) -> torch.Tensor:
    """Inverse of ``to_model_scale``."""
    return (x + 1.0) / 2.0


@dataclass
class TrainResult:
    ema_model: nn.Module
    losses: list[float] = field(default_factory=list)  # mean loss per logging window
    seconds: float = 0.0


def train_score_model(model: nn.Module, sde: VESDE, data01: torch.Tensor, config: TrainConfig,
                      progress: bool = True, log_every: int = 100) -> TrainResult:
    """Fit ``model`` by denoising score matching on ``data01`` (``M x N x F``, 0/1).

    Trains where ``model`` is (its device and dtype; the data is moved there). Batches and
    noise come from a CPU generator seeded by ``config.seed``; dropout draws from torch's
    global RNG, seeded with ``config.seed`` for this call only. So a run is reproducible on a
    device and leaves its caller's random state alone. Returns the EMA copy, which is what
    sampling uses.
    """
    param = next(model.parameters())
    with scoped_seed(config.seed, param.device):
        return _train(model, sde, to_model_scale(data01.to(param)), config, progress, log_every)


def _train(model: nn.Module, sde: VESDE, data: torch.Tensor, config: TrainConfig, progress: bool,
           log_every: int) -> TrainResult:
    generator = torch.Generator().manual_seed(config.seed)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    ema = EMA(model, config.ema_decay)
    score_fn = get_score_fn(model, sde)
    result = TrainResult(ema.model)
    window: list[float] = []
    start = time.perf_counter()
    model.train()
    bar = tqdm(range(config.steps), desc="training", disable=not progress)
    for step in bar:
        for group in opt.param_groups:
            group["lr"] = config.lr * min((step + 1) / max(config.warmup, 1), 1.0)
        idx = torch.randint(0, data.shape[0], (config.batch_size,), generator=generator)
        loss = dsm_loss(score_fn, sde, data[idx], generator, config.eps)
        value = loss.item()
        if not math.isfinite(value):
            raise _diverged(f"training loss is not finite ({value}) at step {step + 1} of {config.steps}", config, sde)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        opt.step()
        ema.update(model)
        window.append(value)
        if (step + 1) % log_every == 0 or step + 1 == config.steps:
            result.losses.append(sum(window) / len(window))
            bar.set_postfix(loss=f"{result.losses[-1]:.4f}")
            window = []
    model.eval()
    bad = first_non_finite(ema.model.state_dict())  # the last step's update, which no loss has seen
    if bad is not None:
        raise _diverged(f"training weights are not finite after step {config.steps} (parameter {bad})", config, sde)
    result.seconds = time.perf_counter() - start
    return result


def _diverged(what: str, config: TrainConfig, sde: VESDE) -> ConfigError:
    """Training diverged: stop at once rather than finish and save NaN weights (which sample
    nothing valid, and turn a search that uses them into random search). A too large learning
    rate is the usual cause; a noise scale too wide for float32 is the other."""
    return ConfigError(f"{what}; the training diverged: lower train.lr (now {config.lr:g}), or narrow the noise "
                       f"scale sde.sigma_min..sigma_max (now {sde.sigma_min:g}..{sde.sigma_max:g})")
