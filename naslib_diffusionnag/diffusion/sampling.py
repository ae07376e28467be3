"""Predictor-corrector sampling of the reverse SDE over any score function.

One sampler serves unconditional, guided and BO generation: guidance composes a new
``score_fn``; the sampler never knows. Randomness comes only from the ``generator`` passed
in, so a seed fixes the output on CPU.
"""
from __future__ import annotations

import math

import torch
from tqdm.auto import tqdm

from ..errors import ConfigError
from .config import SamplerConfig, check_t_start
from .rng import normal_like
from .score_fn import ScoreFn
from .sde import VESDE, expand


class EulerMaruyamaPredictor:
    """One Euler-Maruyama step of the reverse SDE, ``dt = -1/steps``."""

    def __init__(self, sde: VESDE, steps: int) -> None:
        self.sde, self.dt = sde, -1.0 / steps

    def update(self, x: torch.Tensor, t: torch.Tensor, score_fn: ScoreFn,
               generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        reverse_drift, g = self.sde.reverse(x, t, score_fn(x, t))
        x_mean = x + reverse_drift * self.dt
        z = normal_like(x, generator)
        return x_mean + g * math.sqrt(-self.dt) * z, x_mean


class LangevinCorrector:
    """Annealed Langevin dynamics with a signal-to-noise step size (Song et al., 2021).

    The norms are per-sample L2 norms averaged over the batch (one scalar step per batch),
    as in score_sde and the official DiffusionNAG code.
    """

    def __init__(self, sde: VESDE, snr: float, n_steps: int) -> None:
        self.sde, self.snr, self.n_steps = sde, snr, n_steps

    def update(self, x: torch.Tensor, t: torch.Tensor, score_fn: ScoreFn,
               generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        alpha = expand(self.sde.langevin_step_scale(t), x)
        x_mean = x
        for _ in range(self.n_steps):
            grad = score_fn(x, t)
            z = normal_like(x, generator)
            grad_norm = grad.flatten(1).norm(dim=-1).mean()
            noise_norm = z.flatten(1).norm(dim=-1).mean()
            step = 2 * alpha * (self.snr * noise_norm / grad_norm.clamp_min(1e-12)) ** 2
            x_mean = x + step * grad
            x = x_mean + torch.sqrt(2 * step) * z
        return x, x_mean


def pc_sample(score_fn: ScoreFn, sde: VESDE, shape: tuple[int, ...], config: SamplerConfig,
              generator: torch.Generator, progress: bool = False, device: torch.device | str | None = None,
              dtype: torch.dtype | None = None, start: torch.Tensor | None = None,
              t_start: float = 1.0) -> torch.Tensor:
    """Draw ``shape`` (``B x N x F``) samples in the model's scale, as ``dtype`` on ``device``
    (default: torch's default dtype, on the CPU), where ``score_fn`` is evaluated.

    At each of ``config.steps`` times ``t_i = linspace(1, eps)``: corrector, then predictor.
    With ``noise_removal`` the last predictor's noise-free mean is returned. With ``start``
    (``shape``, model scale) the chain begins at ``t_start`` in (0, 1] from ``start`` perturbed by
    the forward marginal there (SDEdit, Meng et al., 2022): samples that keep what of ``start``
    that much noise leaves, in ``config.steps_from(t_start)`` steps of the full run's size.
    """
    predictor = EulerMaruyamaPredictor(sde, config.steps)
    corrector = LangevinCorrector(sde, config.snr, config.corrector_steps)
    like = torch.empty(0, device=device, dtype=dtype)
    t_start = check_t_start(t_start)
    if start is None:
        if t_start != 1.0:  # a part-way chain from pure noise: the setting was ignored
            raise ConfigError(f"t_start {t_start} starts a chain part-way, which needs the architectures to start "
                              "from (start=...); give start or leave t_start at 1")
        x, n_steps = sde.prior_sampling(shape, generator, like), config.steps
    else:
        if not isinstance(start, torch.Tensor) or tuple(start.shape) != tuple(shape):
            raise ConfigError(f"start must be a tensor of shape {tuple(shape)} (architectures in the model's scale), "
                              f"got {type(start).__name__} of shape {tuple(getattr(start, 'shape', ()))}")
        if not torch.isfinite(start).all():  # every sample came back invalid, unsaid
            raise ConfigError("start holds NaN or infinite entries; give encoded architectures in the model's scale")
        t = torch.full((shape[0],), t_start, device=like.device, dtype=like.dtype)
        x, _ = sde.perturb(start.to(like), t, normal_like(like, generator, shape))
        n_steps = config.steps_from(t_start)
    timesteps = torch.linspace(t_start if start is not None else 1.0, config.eps, n_steps, device=like.device,
                               dtype=like.dtype)
    x_mean = x
    for t_scalar in tqdm(timesteps, desc="sampling", disable=not progress, leave=False):
        t = t_scalar.expand(shape[0])
        if config.corrector_steps:
            x, x_mean = corrector.update(x, t, score_fn, generator)
        x, x_mean = predictor.update(x, t, score_fn, generator)
    return x_mean if config.noise_removal else x
