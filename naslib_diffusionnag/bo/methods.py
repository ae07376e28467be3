"""Search methods by name, all run through one harness against one black box.

``bananas``, ``bo-random`` and ``diffusion-bo`` share the surrogate (an ensemble of
noise-aware predictors refitted each round) and the acquisition function; they differ only in
the acquisition optimizer (mutation / random / guided diffusion), so a difference in results is
the acquisition optimizer's. ``transfer-bo`` starts that loop from a meta-predictor learned on
other datasets (``transfer.transfer_bo``).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
        checkpoint: str | None) -> Optimizer:
    p = {**BO_DEFAULTS, **params}
    gen = ArchitectureGenerator.load(space_name, checkpoint)
    predictor = PredictorConfig(steps=int(p["predictor_steps"]), labels="zscore")
    surrogate = EnsembleSurrogate(gen, int(p["ensemble"]), predictor)
    return BayesianOptimization(gen.space, surrogate, ACQUISITIONS.get(str(p["acquisition"])),
                                make_ao(gen, p), int(p["n_init"]), int(p["k"]))


def build_method(name: str, space_name: str = "nb201", params: dict[str, Any] | None = None,
                 checkpoint: str | None = None) -> Optimizer:
    """The optimizer ``name`` with ``params`` over the defaults (see ``METHOD_NAMES``).
    ``diffusion-bo`` also takes ``scales`` and ``sampler_steps`` (default: the checkpoint's)."""
    params = dict(params or {})
    space = get_space(space_name)
    if name == "rs":
        return RandomSearch(space)
    if name == "re":
        return RegularizedEvolution(space, **params)
    if name == "ls":
        return LocalSearch(space, **params)
    if name == "bananas":
        return _bo(space_name, params, lambda g, p: MutationAO(g.space, int(p["candidates"])), checkpoint)
    if name == "bo-random":
        return _bo(space_name, params, lambda g, p: RandomAO(g.space, int(p["candidates"])), checkpoint)
    if name == "diffusion-bo":
        return _bo(space_name, params, lambda g, p: DiffusionAO(
            g, int(p["candidates"]), [float(s) for s in p.get("scales", [100.0, 50.0, 25.0])],
            g.config.with_overrides(sampler={"steps": int(p["sampler_steps"])}).sampler
            if "sampler_steps" in p else None), checkpoint)
    if name == "transfer-bo":
        return _transfer_bo(space_name, params, checkpoint)
    raise UnknownNameError(f"unknown search method {name!r}; choose one of: {', '.join(METHOD_NAMES)}")


def _transfer_bo(space_name: str, params: dict[str, Any], checkpoint: str | None) -> Optimizer:
    """BO warm-started by a meta-predictor (``transfer.transfer_bo``). ``target`` (the dataset
    searched) is required; ``meta_checkpoint`` (from ``diffusionnag meta-train``) or else
    ``sources`` (default ``meta-train-db``) to meta-train now; the leakage guard checks either."""
    from ..transfer import build_meta_predictor, prepare, transfer_bo
    from ..transfer.meta_train import TrainedMetaPredictor

    p = dict(params)
    if "target" not in p:
        raise UnknownNameError("transfer-bo needs the target dataset (params target=...), to describe it and "
                               "to keep its values out of the sources")
    target, meta_ckpt, sources = p.pop("target"), p.pop("meta_checkpoint", None), p.pop("sources", "meta-train-db")
    gen = ArchitectureGenerator.load(space_name, checkpoint)
    trained = (TrainedMetaPredictor.load(meta_ckpt, gen.space) if meta_ckpt else
               build_meta_predictor([sources], gen, target=target, progress=True))
    return transfer_bo(prepare(target, trained, gen), **p)


METHOD_NAMES = ("rs", "re", "ls", "bananas", "bo-random", "diffusion-bo", "transfer-bo")
