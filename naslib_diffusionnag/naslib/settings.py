"""NASLib's ``config.search`` keys as the parameters of our ``diffusion-bo`` and ``transfer-bo``
methods. Needs no NASLib: the plugin's optimizers build their method here, so a misspelt value
fails when the optimizer is built, with our method's message, and tests check the mapping
without NASLib."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..bo import BayesianOptimization, build_method
from ..errors import ConfigError

#: ``config.search`` key -> (``diffusion-bo`` parameter, NASLib's default when the key is absent;
#: None: required, as NASLib's BANANAS requires it)
SEARCH_KEYS: dict[str, tuple[str, Any]] = {
    "num_init": ("n_init", None), "k": ("k", None), "acq_fn_type": ("acquisition", None),
    "num_ensemble": ("ensemble", None), "num_candidates": ("candidates", None),
    "diffusion_predictor_steps": ("predictor_steps", 300), "diffusion_scales": ("scales", [100.0, 50.0, 25.0]),
    "diffusion_guide": ("guide", "mean"), "diffusion_beta": ("beta", 2.0),
    "diffusion_rank_weight": ("surrogate_rank_weight", 0.0), "diffusion_local_queries": ("local_queries", 0),
    "diffusion_stall_switch": ("stall_switch", 0), "diffusion_surrogate_noise_power": ("surrogate_noise_power", 1.0),
    "diffusion_fill_rounds": ("fill_rounds", 0), "diffusion_surrogate_labels": ("surrogate_labels", "zscore"),
    "diffusion_mix_mutations": ("mix_mutations", 0),
}
#: the keys ``transfer-bo`` takes besides the shared BO ones (it has no guided candidates, so no
#: scales or guide, and its round is the meta-predictor's: no ranking term or local queries, which
#: stay diffusion-BO's settings): a non-empty ``transfer_meta_checkpoint`` turns ``diffusionnag``
#: into transfer-BO
TRANSFER_KEYS: dict[str, tuple[str, Any]] = {
    "transfer_meta_checkpoint": ("meta_checkpoint", ""), "transfer_n_generate": ("n_generate", 100),
}
_NOT_IN_TRANSFER = ("scales", "guide", "surrogate_rank_weight", "local_queries", "stall_switch",
                    "surrogate_noise_power", "fill_rounds", "surrogate_labels", "mix_mutations")
#: diffusion-BO's keys whose shared-config value is their default, so another value in a transfer
#: run is a user's request transfer-BO cannot honour: refused rather than dropped (the ranking
#: term is not among them: the shipped config sets it for diffusion-BO, so it cannot tell)
_REFUSED_IN_TRANSFER = {
    "diffusion_stall_switch": "generated candidates until the search stalls; transfer-BO always proposes mutations",
    "diffusion_surrogate_noise_power": "the fit's noise levels; transfer-BO's residual surrogate is fitted its own way",
    "diffusion_fill_rounds": "more sampling rounds for the generated pool; transfer-BO generates no pool",
    "diffusion_mix_mutations": "mutations joining the generated pool; transfer-BO generates no pool",
    "diffusion_surrogate_labels": "what the surrogate regresses; transfer-BO's residual surrogate regresses z-scores",
    "diffusion_local_queries": "queries on the incumbent's neighbours; transfer-BO queries the acquisition's best",
    "diffusion_guide": "what guided generation climbs; transfer-BO's rounds generate nothing",
    "diffusion_scales": "the guidance scales of each round's generation; transfer-BO's rounds generate nothing",
}


def _params(search: Mapping[str, Any], keys: Mapping[str, tuple[str, Any]]) -> dict[str, Any]:
    return {ours: search[key] if default is None else search.get(key, default) for key, (ours, default) in keys.items()}


def diffusion_bo_params(search: Mapping[str, Any]) -> dict[str, Any]:
    """The ``diffusion-bo`` parameters set by NASLib's ``config.search``."""
    return _params(search, SEARCH_KEYS)


def transfer_bo_params(search: Mapping[str, Any], dataset: str) -> dict[str, Any]:
    """The ``transfer-bo`` parameters set by NASLib's ``config.search`` for ``dataset`` (the
    target: described to the meta-predictor, which must not have seen its values)."""
    for key, why in _REFUSED_IN_TRANSFER.items():
        default = SEARCH_KEYS[key][1]
        if search.get(key, default) != default:
            raise ConfigError(f"search.{key} is diffusion-BO's ({why}); with search.transfer_meta_checkpoint "
                              f"the plugin runs transfer-BO: set it to {default} or unset transfer_meta_checkpoint")
    shared = {k: v for k, v in diffusion_bo_params(search).items() if k not in _NOT_IN_TRANSFER}
    return {**shared, **_params(search, TRANSFER_KEYS), "target": dataset}


def uses_transfer(search: Mapping[str, Any]) -> bool:
    return bool(search.get("transfer_meta_checkpoint"))


def plugin_params(search: Mapping[str, Any], dataset: str | None = None) -> tuple[str, dict[str, Any]]:
    """The method ``config.search`` asks for and its parameters: transfer-BO on ``dataset`` when
    ``transfer_meta_checkpoint`` names a meta-predictor, else diffusion-BO."""
    if uses_transfer(search):
        if dataset is None:
            raise ValueError("transfer-BO needs the dataset searched (the meta-predictor's target)")
        return "transfer-bo", transfer_bo_params(search, dataset)
    return "diffusion-bo", diffusion_bo_params(search)


def plugin_method(search: Mapping[str, Any], space_name: str, dataset: str | None = None) -> BayesianOptimization:
    """Our diffusion-BO with its settings from ``config.search`` (``diffusion_checkpoint``:
    the diffusion model, default the shipped one), or transfer-BO on ``dataset`` when
    ``transfer_meta_checkpoint`` names a meta-predictor (``diffusionnag meta-train``)."""
    name, params = plugin_params(search, dataset)
    method = build_method(name, space_name, params, search.get("diffusion_checkpoint") or None)
    assert isinstance(method, BayesianOptimization)
    return method
