"""Search methods by name, all run through one harness against one black box.

``bananas``, ``bo-random`` and ``diffusion-bo`` share the surrogate (an ensemble of
noise-aware predictors refitted each round) and the acquisition function; they differ only in
the acquisition optimizer (mutation / random / guided diffusion), so a difference in results is
the acquisition optimizer's.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..errors import UnknownNameError
from ..generation import ArchitectureGenerator
from ..guidance import PredictorConfig
from ..spaces import get_space
from .acquisition import ACQUISITIONS
from .candidates import DiffusionAO, MutationAO, RandomAO
from .loop import BayesianOptimization, LocalSearch, Optimizer, RandomSearch, RegularizedEvolution
from .surrogate import EnsembleSurrogate

BO_DEFAULTS: dict[str, Any] = {"n_init": 10, "k": 10, "acquisition": "its", "ensemble": 3,
                               "predictor_steps": 300, "candidates": 100}


def _bo(space_name: str, params: dict[str, Any], make_ao: Callable[[ArchitectureGenerator, dict], Any],
        checkpoint: str | None, device: torch.device | str) -> Optimizer:
    p = {**BO_DEFAULTS, **params}
    gen = ArchitectureGenerator.load(space_name, checkpoint, device=device)
    predictor = PredictorConfig(steps=int(p["predictor_steps"]), labels="zscore")
    surrogate = EnsembleSurrogate(gen, int(p["ensemble"]), predictor)
    return BayesianOptimization(gen.space, surrogate, ACQUISITIONS.get(str(p["acquisition"])),
                                make_ao(gen, p), int(p["n_init"]), int(p["k"]))


def build_method(name: str, space_name: str = "nb201", params: dict[str, Any] | None = None,
                 checkpoint: str | None = None, device: torch.device | str = "cpu") -> Optimizer:
    """The optimizer ``name`` with ``params`` over the defaults (see ``METHOD_NAMES``); a
    diffusion model runs on ``device``. ``diffusion-bo`` also takes ``scales`` and
    ``sampler_steps`` (default: the checkpoint's)."""
    params = dict(params or {})
    space = get_space(space_name)
    if name == "rs":
        return RandomSearch(space)
    if name == "re":
        return RegularizedEvolution(space, **params)
    if name == "ls":
        return LocalSearch(space, **params)
    if name == "bananas":
        return _bo(space_name, params, lambda g, p: MutationAO(g.space, int(p["candidates"])), checkpoint, device)
    if name == "bo-random":
        return _bo(space_name, params, lambda g, p: RandomAO(g.space, int(p["candidates"])), checkpoint, device)
    if name == "diffusion-bo":
        return _bo(space_name, params, lambda g, p: DiffusionAO(
            g, int(p["candidates"]), [float(s) for s in p.get("scales", [100.0, 50.0, 25.0])],
            g.config.with_overrides(sampler={"steps": int(p["sampler_steps"])}).sampler
            if "sampler_steps" in p else None), checkpoint, device)
    raise UnknownNameError(f"unknown search method {name!r}; choose one of: {', '.join(METHOD_NAMES)}")


METHOD_NAMES = ("rs", "re", "ls", "bananas", "bo-random", "diffusion-bo")
