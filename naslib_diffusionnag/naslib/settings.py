"""NASLib's ``config.search`` keys as the parameters of our ``diffusion-bo`` method. Needs no
NASLib: the plugin's optimizers build their method here, so a misspelt value fails when the
optimizer is built, with our method's message, and tests check the mapping without NASLib."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..bo import BayesianOptimization, build_method

#: ``config.search`` key -> (``diffusion-bo`` parameter, NASLib's default when the key is absent;
#: None: required, as NASLib's BANANAS requires it)
SEARCH_KEYS: dict[str, tuple[str, Any]] = {
    "num_init": ("n_init", None), "k": ("k", None), "acq_fn_type": ("acquisition", None),
    "num_ensemble": ("ensemble", None), "num_candidates": ("candidates", None),
    "diffusion_predictor_steps": ("predictor_steps", 300), "diffusion_scales": ("scales", [100.0, 50.0, 25.0]),
    "diffusion_guide": ("guide", "mean"), "diffusion_beta": ("beta", 2.0),
}


def diffusion_bo_params(search: Mapping[str, Any]) -> dict[str, Any]:
    """The ``diffusion-bo`` parameters set by NASLib's ``config.search``."""
    return {ours: search[key] if default is None else search.get(key, default)
            for key, (ours, default) in SEARCH_KEYS.items()}


def diffusion_bo(search: Mapping[str, Any], space_name: str) -> BayesianOptimization:
    """Our diffusion-BO with its settings from ``config.search`` (``diffusion_checkpoint``:
    the diffusion model, default the shipped one)."""
    method = build_method("diffusion-bo", space_name, diffusion_bo_params(search),
                          search.get("diffusion_checkpoint") or None)
    assert isinstance(method, BayesianOptimization)
    return method
