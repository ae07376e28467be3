"""Typed, validated configuration of the diffusion model, with the paper's values as presets.

The resolved config is saved in every checkpoint; YAML files are read into these
dataclasses and never written back.
"""
from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, get_args

from ..configio import MAX_SEED, read_yaml_mapping, require_int, require_number
from ..errors import ConfigError, UnknownNameError

MaskMode = Literal["successors", "neighbours", "closure", "full"]

#: the largest train.lr: Adam's first step is lr / (1 - beta1) = 10 lr, and a larger one does not
#: fit in float32 (torch fails with an overflow); smaller ones that diverge stop training instead
MAX_LR = 1e37


@dataclass(frozen=True)
class SDEConfig:
    """VE SDE: sigma(t) = sigma_min (sigma_max / sigma_min)^t, t in [0, 1]."""

    sigma_min: float = 0.1
    sigma_max: float = 5.0

    def __post_init__(self) -> None:
        require_number("sde.sigma_min", self.sigma_min, lambda v: v > 0, "> 0")
        require_number("sde.sigma_max", self.sigma_max, lambda v: v > self.sigma_min,
                       f"> sigma_min ({self.sigma_min})")


# sigma presets from the official code (see ../shared/design/diffusionnag-method.md, section 3)
SDE_PRESETS: dict[str, SDEConfig] = {
    "nb201": SDEConfig(0.1, 5.0),  # configs/tr_scorenet.py
    "nb201-transfer": SDEConfig(0.1, 20.0),  # configs/transfer_nag_config.pt
    "mbv3": SDEConfig(0.1, 1.0),  # configs/tr_scorenet_ofa.py
}


@dataclass(frozen=True)
class ModelConfig:
    """Transformer score network. The official CATE is d=64, 12 layers, 8 heads, d_ff=128,
    head 1536 (about 4M parameters); the defaults here are sized for 2-core CPU training."""

    d_model: int = 64
    n_layers: int = 3
    n_heads: int = 4
    d_ff: int = 128
    head_hidden: int = 128
    dropout: float = 0.0
    positional: bool = True  # sinusoidal embedding of node position (off: the ablation)
    mask: MaskMode = "successors"  # attend to direct successors (official training mask)
    scale_by_sigma: bool = True  # output / sigma (score_sde); official: raw output

    def __post_init__(self) -> None:
        for name in ("d_model", "n_layers", "n_heads", "d_ff", "head_hidden"):
            require_int(f"model.{name}", getattr(self, name), 1)
        require_number("model.dropout", self.dropout, lambda v: 0 <= v < 1, ">= 0 and < 1")
        if self.d_model % self.n_heads or self.d_model % 2:
            raise ConfigError(f"d_model {self.d_model} must be even and divisible by n_heads {self.n_heads}")
        if self.mask not in get_args(MaskMode):
            raise ConfigError(f"mask must be one of {', '.join(get_args(MaskMode))}, got {self.mask!r}")


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 6000
    batch_size: int = 256
    lr: float = 1e-3
    warmup: int = 100
    grad_clip: float = 1.0
    ema_decay: float = 0.999
    eps: float = 1e-5  # smallest t drawn in the loss
    seed: int = 0

    def __post_init__(self) -> None:
        require_int("train.steps", self.steps, 1)
        require_int("train.batch_size", self.batch_size, 1)
        require_int("train.warmup", self.warmup, 0)
        require_int("train.seed", self.seed, 0, MAX_SEED)
        require_number("train.lr", self.lr, lambda v: 0 < v <= MAX_LR, f"> 0 and <= {MAX_LR:g}")
        require_number("train.grad_clip", self.grad_clip, lambda v: v > 0, "> 0")
        require_number("train.ema_decay", self.ema_decay, lambda v: 0 <= v < 1, ">= 0 and < 1")
        require_number("train.eps", self.eps, lambda v: 0 < v < 1, "in (0, 1)")


def check_t_start(t_start: Any) -> float:
    """A chain's start time in (0, 1] (1: from pure noise): 0 or above 1 became 1 or more steps
    than a full run, NaN an integer-conversion error, ``True`` the start 1."""
    require_number("t_start (the noise level a chain starts from)", t_start, lambda v: 0 < v <= 1, "in (0, 1]",
                   " (1: pure noise, a full run; smaller keeps more of the starting architectures)")
    return float(t_start)


@dataclass(frozen=True)
class SamplerConfig:
    """Predictor-corrector sampler: Euler-Maruyama predictor + Langevin corrector.

    The official code uses 1,000 steps; 40 suffice for the small CPU model (validity and
    throughput per step count: benchmarks_results/generation_nb201.md)."""

    steps: int = 40
    corrector_steps: int = 1
    snr: float = 0.16
    eps: float = 1e-5
    noise_removal: bool = True

    def __post_init__(self) -> None:
        require_int("sampler.steps", self.steps, 1)  # 2.5 failed deep in torch.linspace
        require_int("sampler.corrector_steps", self.corrector_steps, 0)
        # a NaN step size turns every sample invalid
        require_number("sampler snr (the Langevin corrector's signal-to-noise ratio)", self.snr, lambda v: v >= 0,
                       ">= 0", "; the default is 0.16")
        require_number("sampler eps (the last sampling time)", self.eps, lambda v: 0 < v < 1, "in (0, 1)",
                       "; the default is 1e-5")
        if not isinstance(self.noise_removal, bool):
            raise ConfigError(f"sampler noise_removal must be true or false, got {self.noise_removal!r}")

    @property
    def nfe(self) -> int:
        """Score-network evaluations per sample."""
        return self.nfe_from(1.0)

    def steps_from(self, t_start: float) -> int:
        """Predictor steps of a chain started at time ``t_start`` (1: a full run; an SDEdit start
        part-way keeps the full run's step size)."""
        check_t_start(t_start)
        return self.steps if t_start == 1.0 else max(1, round(self.steps * t_start))

    def nfe_from(self, t_start: float) -> int:
        """Score-network evaluations per sample of a chain started at ``t_start``."""
        return self.steps_from(t_start) * (1 + self.corrector_steps)


@dataclass(frozen=True)
class DiffusionConfig:
    sde: SDEConfig = field(default_factory=SDEConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    sampler: SamplerConfig = field(default_factory=SamplerConfig)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DiffusionConfig:
        """Build from nested dicts; ``sde`` may also be a preset name. Unknown keys raise."""
        parts: dict[str, Any] = {}
        types = {"sde": SDEConfig, "model": ModelConfig, "train": TrainConfig, "sampler": SamplerConfig}
        unknown = set(data) - set(types)
        if unknown:
            raise ConfigError(f"unknown config sections {sorted(unknown)}; valid: {sorted(types)}")
        for name, typ in types.items():
            value = data.get(name, {})
            if name == "sde" and isinstance(value, str):
                parts[name] = sde_preset(value)
                continue
            if not isinstance(value, dict):
                raise ConfigError(f"config section {name!r} must be a mapping of keys to values, got {value!r}")
            allowed = {f.name for f in fields(typ)}
            bad = set(value) - allowed
            if bad:
                raise ConfigError(f"unknown keys {sorted(bad)} in config section {name!r}; valid: {sorted(allowed)}")
            for f in fields(typ):
                if f.name in value and not _has_type(value[f.name], str(f.type)):
                    raise ConfigError(f"{name}.{f.name} is {value[f.name]!r}; it must be of type {f.type}")
            parts[name] = typ(**value)
        return cls(**parts)

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str], space: str | None = None,
                  known_spaces: Collection[str] = ()) -> DiffusionConfig:
        """Read a YAML file of sections (see configs/nb201.yaml); errors name the file. A
        top-level ``space:`` names the search space the file was made for: with ``space`` given
        and different, the file is refused (another space's noise scale and mask would train
        silently), and so is ``sde:`` naming another space's preset. ``known_spaces`` (the
        caller's registry) lets a misspelt ``space:`` be named as such."""
        data = read_yaml_mapping(path, "configs/nb201.yaml")
        made_for = data.pop("space", None)
        if made_for is not None and not isinstance(made_for, str):
            raise ConfigError(f"config file {str(path)!r}: space is {made_for!r}; it must be a search space name")
        if made_for is not None and known_spaces and made_for not in known_spaces:
            raise ConfigError(f"config file {str(path)!r}: `space: {made_for}` is no search space; write one of "
                              f"{', '.join(sorted(known_spaces))}")
        if made_for is not None and space is not None and made_for != space:
            raise ConfigError(f"config file {str(path)!r} is made for search space {made_for!r} (its `space:` key), "
                              f"not {space!r}: train --space {made_for} with it, or use a config for {space}")
        preset = data.get("sde")
        if (space in SDE_PRESETS and isinstance(preset, str) and preset in SDE_PRESETS
                and preset.partition("-")[0] != space):
            raise ConfigError(f"config file {str(path)!r}: `sde: {preset}` is search space {preset.partition('-')[0]}'s "
                              f"noise scale (sigma_max {SDE_PRESETS[preset].sigma_max:g}), not {space}'s; write "
                              f"`sde: {space}`, or sigma_min / sigma_max to choose another on purpose")
        try:
            return cls.from_dict(data)
        except (TypeError, ValueError) as e:
            raise ConfigError(f"config file {str(path)!r}: {e}") from e

    def with_overrides(self, **sections: dict[str, Any]) -> DiffusionConfig:
        """A copy with some fields of some sections replaced (None values are ignored), checked
        like a config file (``from_dict``): a misspelt section or key, or a value of the wrong
        type, is named in a ``ConfigError``, not a TypeError from a dataclass."""
        data: dict[str, Any] = self.to_dict()
        for name, values in sections.items():
            data[name] = ({**data.get(name, {}), **{k: v for k, v in values.items() if v is not None}}
                          if isinstance(values, dict) else values)
        try:
            return type(self).from_dict(data)
        except (TypeError, ValueError) as e:
            raise ConfigError(f"config override: {e}") from e


def _has_type(value: Any, annotation: str) -> bool:
    """YAML values against the dataclass annotations (strings under postponed evaluation): a
    quoted number or a list where a number belongs would otherwise fail deep inside training."""
    if annotation == "bool":
        return isinstance(value, bool)
    if annotation == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, str)  # str and the Literal aliases, whose values __post_init__ checks


def sde_preset(name: str) -> SDEConfig:
    try:
        return SDE_PRESETS[name]
    except KeyError:
        raise UnknownNameError(f"unknown SDE preset {name!r}; choose one of: {', '.join(SDE_PRESETS)}") from None
