"""Architecture generation: a trained score network bound to its search space.

This is the only place where a search space meets the diffusion core: the space turns
architectures into ``(X, A)`` tensors and back; the core learns and samples ``X``.
"""
from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import __version__
from .configio import require_int, require_number
from .diffusion import (
    VESDE,
    Checkpoint,
    DiffusionConfig,
    SamplerConfig,
    ScoreFn,
    ScoreTransformer,
    check_t_start,
    from_model_scale,
    get_score_fn,
    load_checkpoint,
    pc_sample,
    save_checkpoint,
    scoped_seed,
    to_model_scale,
    train_score_model,
)
from .diffusion.checkpoint import check_metadata, load_weights
from .errors import CheckpointError, ConfigError
from .guidance.exact import ExpectedCostPredictor, SoftCost
from .guidance.guide import GuidanceTerm, guided_score_fn
from .guidance.labels import ZScore
from .guidance.predictors import DirectedGCNPredictor, PredictorConfig, fit_predictor
from .guidance.schedule import check_scales, scale_schedule
from .metrics import generation_metrics
from .projection import tensor_cost
from .spaces import SearchSpace, get_space
from .spaces.base import arch_list

PRETRAINED_DIR = Path(__file__).resolve().parent / "pretrained"
CONFIGS_DIR = Path(__file__).resolve().parents[1] / "configs"  # in a checkout, not in a wheel


def train_command(space_name: str) -> str:
    """The command that trains a score network for a space: its config in ``configs/`` when
    the checkout has one, and a sampled training set when the space is too large to list."""
    parts = ["diffusionnag train", f"--space {space_name}"]
    if (CONFIGS_DIR / f"{space_name}.yaml").is_file():
        parts.append(f"--config configs/{space_name}.yaml")
    if get_space(space_name).size > ENUMERABLE:
        parts.append(f"--train-size {DEFAULT_SAMPLE_SIZE}")
    return " ".join(parts + [f"--out {space_name}.pt"])


def pretrained_path(space_name: str) -> Path:
    """The checkpoint shipped for a space (``pretrained/<space>.pt``)."""
    path = PRETRAINED_DIR / f"{space_name}.pt"
    if not path.is_file():
        raise CheckpointError(
            f"no pretrained checkpoint ships for search space {space_name!r}; train one with "
            f"`{train_command(space_name)}` and pass --checkpoint {space_name}.pt"
        )
    return path


# ---- training split --------------------------------------------------------------------
def _digest(archs: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(archs)).encode()).hexdigest()


ENUMERABLE = 10**6  # spaces larger than this are trained on a seeded uniform sample
DEFAULT_SAMPLE_SIZE = 100_000


def training_split(space: SearchSpace, fraction: float, seed: int,
                   size: int | None = None) -> tuple[list[str], dict[str, Any]]:
    """The training architectures and the spec that regenerates them: a seeded ``fraction``
    of the enumerated space, or, for spaces too large to enumerate, ``size`` architectures
    drawn uniformly with ``seed`` (default 100,000)."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"--train-split must be a fraction in (0, 1], got {fraction}")
    if space.size > ENUMERABLE:
        if fraction != 1.0:
            raise ValueError(f"search space {space.name!r} is too large to enumerate "
                             f"({space.size:.3g} architectures): give --train-size, not --train-split")
        n = size or DEFAULT_SAMPLE_SIZE
        archs = space.sample(n, np.random.default_rng(seed))
        return archs, {"kind": "sample", "fraction": 1.0, "seed": seed, "size": n, "sha256": _digest(archs)}
    if size is not None:
        raise ValueError(f"--train-size is for spaces too large to enumerate; use --train-split for {space.name!r}")
    archs = list(space.enumerate())
    if fraction < 1.0:
        perm = np.random.default_rng(seed).permutation(len(archs))
        archs = [archs[i] for i in perm[: round(fraction * len(archs))]]
        if not archs:
            raise ValueError(f"--train-split {fraction} of the {space.size:,} architectures is 0 of them; use "
                             f">= {1 / space.size:.2g}")
    spec = {"kind": "enumerate", "fraction": fraction, "seed": seed, "size": len(archs),
            "sha256": _digest(archs)}
    return archs, spec


def split_from_spec(space: SearchSpace, spec: dict[str, Any]) -> list[str]:
    """Regenerate a recorded split, checking it is the very same set."""
    size = int(spec["size"]) if spec.get("kind") == "sample" else None
    archs, again = training_split(space, float(spec["fraction"]), int(spec["seed"]), size)
    if again["sha256"] != spec["sha256"]:
        raise CheckpointError(
            "the training split recorded in the checkpoint cannot be regenerated by this "
            "version of the search space (checksum differs); retrain the checkpoint"
        )
    return archs


# ---- checks of what callers pass -------------------------------------------------------------
def round_seed(seed: int, r: int) -> int:
    """The sampler seed of sampling round ``r`` of a run seeded ``seed`` (round 0: ``seed``
    itself), so that rounds never share their initial noise."""
    return seed + 1_000_003 * r


def check_count(n: Any, what: str = "n") -> int:
    """``n`` (a number of samples or rounds) as an int >= 1: a float or a negative number would
    otherwise fail deep in torch (negative dimension, invalid randn arguments)."""
    return require_int(what, n, 1)


def check_seed(seed: Any) -> int:
    """``seed`` as an int >= 0: torch wraps a negative seed silently onto another seed's noise,
    and the CLI and sweeps refuse it, so the Python API does too. No upper bound below torch's
    2**64: derived seeds (``round_seed``) pass ``configio.MAX_SEED``, the bound of user seeds."""
    return require_int("seed", seed, 0)


def check_distinct_count(n: Any, space: SearchSpace, what: str = "n") -> int:
    """``n`` distinct architectures must exist: asking a space for more ran every sampling
    round before saying so (minutes)."""
    n = check_count(n, what)
    if n > space.size:
        raise ConfigError(f"{what} = {n:,} distinct architectures asked for; search space {space.name!r} has "
                          f"{space.size:,} architectures; ask for at most {space.size:,}")
    return n


def check_device(device: torch.device | str) -> torch.device:
    """``device`` as a torch device this machine has (cpu, cuda[:N], mps), refused in one line
    rather than by torch's list of every device type or a CUDA assertion."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ConfigError(f"device {device!r} is not a torch device; use cpu, cuda, cuda:N or mps") from None
    if dev.type == "cuda" and (dev.index or 0) >= torch.cuda.device_count():
        raise ConfigError(f"device {device!r}: this machine has {torch.cuda.device_count()} CUDA device(s); "
                          "use the cpu device")
    if dev.type == "cpu" and dev.index not in (None, 0):  # torch runs it on the one CPU device and records cpu:N
        raise ConfigError(f"device {device!r}: torch has one CPU device; use cpu (threads: torch.set_num_threads)")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise ConfigError(f"device {device!r}: this machine's torch has no MPS (Apple GPU) device; use the cpu device")
    if dev.type not in ("cpu", "cuda", "mps"):  # meta, xla, ...: no kernels this package runs on
        raise ConfigError(f"device {device!r}: use cpu, cuda, cuda:N or mps")
    return dev


# what ``load`` and ``training_archs`` read of a checkpoint's metadata (dotted: a nested key)
METADATA_TYPES: dict[str, tuple[type, ...]] = {
    "space": (dict,), "space.name": (str,), "space.options": (dict,),
    "split": (dict,), "split.kind": (str,), "split.fraction": (int, float), "split.seed": (int,),
    "split.size": (int,), "split.sha256": (str,),
}


# ---- results -------------------------------------------------------------------------------
@dataclass
class Generation:
    archs: list[str | None]  # one per sample, None where the sample is invalid
    seconds: float
    nfe: int  # score-network evaluations per sample

    @property
    def valid(self) -> list[str]:
        return [a for a in self.archs if a is not None]

    @property
    def distinct(self) -> list[str]:
        """Valid architectures without repeats, in the order they were generated."""
        return list(dict.fromkeys(self.valid))


# ---- the generator -----------------------------------------------------------------------
def _labels(values: Sequence[float]) -> np.ndarray:
    """``values`` as one number per architecture: a mapping (its keys are not aligned with the
    architectures), None, text or a table of several columns is named here, not in torch."""
    if isinstance(values, (Mapping, str)) or values is None:
        raise ConfigError(f"values must be one number per architecture, in the architectures' order, got "
                          f"{type(values).__name__}" + ("; pass [values[a] for a in archs]" if isinstance(values, Mapping)
                                                      else ""))
    try:
        y = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"values must be one number per architecture, got {values!r:.80} ({e})") from None
    if y.ndim != 1:
        raise ConfigError(f"values must be one number per architecture (a 1-d sequence), got shape {y.shape}")
    return y


class ArchitectureGenerator:
    """A score network, its SDE and its search space: samples architecture strings. It samples
    and fits predictors on the device its model is on (``load``/``train`` take a ``device``);
    architectures and labels stay on the CPU."""

    def __init__(self, space: SearchSpace, config: DiffusionConfig, model: ScoreTransformer,
                 metadata: dict[str, Any]) -> None:
        self.space, self.config, self.model, self.metadata = space, config, model, metadata
        self.sde = VESDE(config.sde)
        self.model.eval()

    @staticmethod
    def build_model(space: SearchSpace, config: DiffusionConfig) -> ScoreTransformer:
        return ScoreTransformer(space.n_tokens, space.adjacency(), space.positions(), config.model)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @classmethod
    def train(cls, space: SearchSpace, config: DiffusionConfig, fraction: float = 1.0,
              progress: bool = True, size: int | None = None,
              device: torch.device | str = "cpu") -> ArchitectureGenerator:
        """Train on ``device`` on a seeded fraction of the enumerated space, or on ``size``
        uniformly sampled architectures of a large space (seed ``config.train.seed``). The
        weights are initialised on the CPU from that seed, so every device starts alike."""
        device = check_device(device)
        archs, split = training_split(space, fraction, config.train.seed, size)
        with scoped_seed(config.train.seed):
            model = cls.build_model(space, config)
        model.to(device)
        result = train_score_model(model, VESDE(config.sde), space.encode(archs), config.train,
                                   progress=progress)
        metadata = {
            "space": {"name": space.name, "options": space.options()},
            "split": split, "train_seconds": result.seconds, "losses": result.losses,
            "package_version": __version__, "torch_version": str(torch.__version__),
            "n_parameters": sum(p.numel() for p in model.parameters()),
        }
        return cls(space, config, result.ema_model, metadata)

    def save(self, path: str | os.PathLike[str], overwrite: bool = False) -> Path:
        return save_checkpoint(path, Checkpoint(self.config, self.model.state_dict(), self.metadata),
                               overwrite=overwrite)

    @classmethod
    def load(cls, space_name: str, path: str | os.PathLike[str] | None = None,
             device: torch.device | str = "cpu") -> ArchitectureGenerator:
        """Load ``path`` (default: the shipped checkpoint) onto ``device`` and check it was made
        for ``space_name``."""
        device = check_device(device)
        if path is not None and not isinstance(path, (str, os.PathLike)):  # pathlib's TypeError named no argument
            raise ConfigError(f"the checkpoint path must be a path (str or Path), got {type(path).__name__} {path!r}")
        path = Path(path) if path is not None else pretrained_path(space_name)
        ckpt = load_checkpoint(path)
        check_metadata(path, ckpt.metadata, METADATA_TYPES, "diffusionnag train")
        recorded = ckpt.metadata["space"]
        if recorded["name"] != space_name:
            raise CheckpointError(
                f"checkpoint {path} was trained for search space {recorded['name']!r}, not "
                f"{space_name!r}; pass a checkpoint made by `diffusionnag train --space {space_name}`"
            )
        space = get_space(space_name, **recorded["options"])
        model = cls.build_model(space, ckpt.config)
        load_weights(model, ckpt.state_dict, path, f"diffusionnag train --space {space_name}")
        return cls(space, ckpt.config, model.to(device), ckpt.metadata)

    def training_archs(self) -> set[str]:
        return set(split_from_spec(self.space, self.metadata["split"]))

    def score_fn(self) -> ScoreFn:
        return get_score_fn(self.model, self.sde)

    @torch.no_grad()
    def sample(self, n: int, seed: int, sampler: SamplerConfig | None = None,
               score_fn: ScoreFn | None = None, progress: bool = False, start: torch.Tensor | None = None,
               t_start: float = 1.0) -> Generation:
        """``n`` samples (one batch) from seed ``seed``; ``score_fn`` replaces the model's own
        (this is how guidance plugs in; it enables autograd for itself). Deterministic on a
        device for a given seed and ``n``: the noise comes from a CPU generator seeded by ``seed``.
        ``start``/``t_start``: begin from those inputs noised to ``t_start`` (``sample_edits``)."""
        n = check_count(n)
        if sampler is not None and not isinstance(sampler, SamplerConfig):  # a dict failed in an attribute lookup
            raise ConfigError(f"sampler is {sampler!r}; give a SamplerConfig, e.g. "
                              "dataclasses.replace(generator.config.sampler, steps=40), or None for the checkpoint's")
        sampler = sampler or self.config.sampler
        generator = torch.Generator().manual_seed(check_seed(seed))
        began = time.perf_counter()
        shape = (n, self.space.n_nodes, self.space.n_tokens)
        param = next(self.model.parameters())
        x = pc_sample(score_fn or self.score_fn(), self.sde, shape, sampler, generator, progress,
                      device=param.device, dtype=param.dtype, start=start, t_start=t_start)
        archs = self.space.decode(self.space.discretize(from_model_scale(x.cpu())))
        return Generation(archs, time.perf_counter() - began, sampler.nfe_from(t_start if start is not None else 1.0))

    def clean_inputs(self, archs: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Clean architectures as a noise-aware predictor's inputs: ``x`` (``C x N x F``, model
        scale) and ``sigma_min`` (``C``), on this model's device (how candidates are scored)."""
        x = to_model_scale(self.space.encode(list(archs)).float()).to(self.device)
        return x, torch.full((x.shape[0],), self.sde.sigma_min, device=x.device)

    def fit_predictor(self, archs: Sequence[str], values: Sequence[float],
                      config: PredictorConfig | None = None, seed: int = 0,
                      progress: bool = False) -> DirectedGCNPredictor:
        """A noise-aware predictor of ``values`` on this space, fitted with this model's SDE
        (guidance needs both to agree on sigma)."""
        if config is not None and not isinstance(config, PredictorConfig):  # a dict failed in an attribute lookup
            raise ConfigError(f"config must be a PredictorConfig (e.g. PredictorConfig(steps=300)), got "
                              f"{type(config).__name__}")
        return fit_predictor(self.space.encode(archs), _labels(values),
                             self.space.adjacency(), self.sde, config or PredictorConfig(), check_seed(seed), progress,
                             device=self.device)

    def exact_predictor(self, cost: SoftCost, temper: float = 1.0, n: int = 2000) -> ExpectedCostPredictor:
        """The exact guide of ``cost`` on this space (``guidance.exact``), in z-score units of
        ``n`` uniformly drawn architectures (seed 0: costs only, no oracle calls)."""
        values = tensor_cost(self.space, cost)(self.space.sample(n, np.random.default_rng(0)))
        return ExpectedCostPredictor(cost, ZScore.fit(values), temper)

    def check_guidance(self, terms: Sequence[GuidanceTerm], scales: Sequence[float]) -> list[float]:
        """``check_terms`` and ``check_scales``, and that they go together: terms with every
        scale 0, or a scale > 0 with no term, would sample unguided while the caller believes
        otherwise (``generate`` refused both; these lower-level calls ran them silently)."""
        values = check_scales(scales)
        self.check_terms(terms)
        if terms and not any(values):
            raise ConfigError(f"every guidance scale is 0 ({values}), so the {len(terms)} guidance term(s) would guide "
                              "nothing: give a scale > 0, or no terms for unguided samples")
        if not terms and any(values):
            raise ConfigError(f"guidance scales {values} weigh guidance terms, and none were given: pass terms=[...] "
                              "or scales [0] (unguided samples)")
        return values

    def check_terms(self, terms: Sequence[GuidanceTerm]) -> None:
        """Each term's predictor must read this space's architectures: one fitted on another
        space (another ``N x F``) failed mid-sampling with a bare matrix-shape error. Probed
        on one clean input, the global RNG state kept (the sampler's noise has its own)."""
        if isinstance(terms, (str, bytes)) or not isinstance(terms, Sequence) or not all(
                isinstance(t, GuidanceTerm) for t in terms):  # None / a bare predictor failed in an attribute lookup
            raise ConfigError(f"terms must be a list of GuidanceTerm (name, predictor, objective), got {terms!r:.80}")
        x = torch.zeros(1, self.space.n_nodes, self.space.n_tokens, device=self.device)
        sigma = torch.full((1,), self.sde.sigma_min, device=self.device)
        for term in terms:
            try:
                with torch.no_grad(), torch.random.fork_rng(devices=[]):
                    term.predictor(x, sigma)
            except (RuntimeError, IndexError, ValueError) as err:
                raise ConfigError(f"guidance term {term.name!r} cannot read {self.space.name!r} architectures "
                                  f"({self.space.n_nodes} x {self.space.n_tokens}): its predictor was fitted for "
                                  f"another search space; fit it with this space's generator ({err})") from None

    def sample_guided(self, n: int, seed: int, terms: Sequence[GuidanceTerm], scales: Sequence[float],
                      sampler: SamplerConfig | None = None, progress: bool = False) -> Generation:
        """``n`` samples steered by ``terms``, split evenly over one round per scale (one
        scale: fixed; decreasing scales: the paper's schedule). Round 0 uses ``seed`` itself,
        so a one-round guided run shares its initial noise with ``sample(n, seed)``."""
        n = check_count(n)
        self.check_guidance(terms, scales)
        archs: list[str | None] = []
        seconds, nfe = 0.0, 0
        for r, (scale, m) in enumerate(scale_schedule(scales, n)):
            fn = guided_score_fn(self.score_fn(), self.sde, terms, scale)
            part = self.sample(m, round_seed(seed, r), sampler, score_fn=fn, progress=progress)
            archs += part.archs
            seconds += part.seconds
            nfe = part.nfe
        return Generation(archs, seconds, nfe)

    def sample_edits(self, archs: Sequence[str], n: int, seed: int, t_start: float,
                     terms: Sequence[GuidanceTerm] = (), scale: float = 0.0,
                     sampler: SamplerConfig | None = None) -> Generation:
        """``n`` variations of ``archs`` (cycled): each noised to time ``t_start`` and denoised,
        guided by ``terms`` at ``scale`` (0: unguided). A small ``t_start`` keeps most of an
        architecture's operations, 1 forgets them (plain sampling): SDEdit for architectures, the
        generative counterpart of mutating good cells, steered like any guided sample."""
        n, archs = check_count(n), arch_list(archs)
        if not archs:
            raise ConfigError("sample_edits needs at least one architecture to start from")
        check_t_start(t_start)
        require_number("scale", scale, lambda v: v >= 0, ">= 0")
        self.check_guidance(terms, [scale])
        start = to_model_scale(self.space.encode([archs[i % len(archs)] for i in range(n)]).float())
        fn = guided_score_fn(self.score_fn(), self.sde, terms, scale) if terms and scale else None
        return self.sample(n, seed, sampler, score_fn=fn, start=start, t_start=t_start)

    def sample_distinct(self, n: int, seed: int, terms: Sequence[GuidanceTerm], scales: Sequence[float],
                        round_size: int = 100, max_rounds: int = 20, sampler: SamplerConfig | None = None,
                        progress: bool = False) -> Generation:
        """Rounds of ``round_size`` samples until ``n`` distinct valid architectures exist (the
        official generation loop: a strongly guided sampler repeats its favourites, and a user
        asking for n candidates wants n different ones). Round r uses ``scales[r]`` (the last
        scale once the list is spent) and seed ``round_seed(seed, r)``; no terms = unguided.
        Returns every sample drawn (``archs``, for validity and uniqueness); ``distinct[:n]`` are
        the candidates. Stops after ``max_rounds`` even if fewer than ``n`` exist; callers
        report the shortfall."""
        n, round_size = check_distinct_count(n, self.space), check_count(round_size, "round_size")
        max_rounds = check_count(max_rounds, "max_rounds")
        scales = self.check_guidance(terms, scales)
        out = Generation([], 0.0, 0)
        for r in range(max_rounds):
            fn = guided_score_fn(self.score_fn(), self.sde, terms, float(scales[min(r, len(scales) - 1)]))
            part = self.sample(round_size, round_seed(seed, r), sampler, score_fn=fn, progress=progress)
            out = Generation(out.archs + part.archs, out.seconds + part.seconds, part.nfe)
            if len(out.distinct) >= n:
                break
        return out


__all__ = [
    "ArchitectureGenerator",
    "Generation",
    "check_count",
    "check_seed",
    "check_distinct_count",
    "check_device",
    "generation_metrics",
    "pretrained_path",
    "round_seed",
    "split_from_spec",
    "to_model_scale",
    "training_split",
]
