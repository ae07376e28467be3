"""NAS by Bayesian optimisation with DiffusionNAG as the acquisition optimizer, and baselines.

Names are imported on first use, so listing the methods (the CLI's choices) loads no torch."""
from __future__ import annotations

from ..lazy import lazy_exports

_EXPORTS = {
    "ACQUISITIONS": "acquisition", "ei": "acquisition", "its": "acquisition", "ucb": "acquisition",
    "DiffusionAO": "candidates", "MutationAO": "candidates", "RandomAO": "candidates",
    "BayesianOptimization": "loop", "BlackBox": "loop", "LocalSearch": "loop", "Optimizer": "loop",
    "RandomSearch": "loop", "RegularizedEvolution": "loop", "Trajectory": "loop",
    "METHODS": "methods", "Method": "methods", "build_method": "methods", "resolve_params": "methods",
    "EnsembleSurrogate": "surrogate",
}
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)

__all__ = list(_EXPORTS)
