"""NAS by Bayesian optimisation with DiffusionNAG as the acquisition optimizer, and baselines.

Names are imported on first use, so listing the methods (the CLI's choices) loads no torch."""
from __future__ import annotations

from ..lazy import lazy_exports

_EXPORTS = {
    "ACQUISITIONS": "acquisition", "AcquisitionFunction": "acquisition", "ExpectedImprovement": "acquisition",
    "IndependentThompsonSampling": "acquisition", "PosteriorMean": "acquisition",
    "ProbabilityOfImprovement": "acquisition", "ThompsonSampling": "acquisition",
    "UpperConfidenceBound": "acquisition", "make_acquisition": "acquisition",
    "DiffusionAO": "candidates", "MutationAO": "candidates", "RandomAO": "candidates",
    "AskQueue": "loop", "BayesianOptimization": "loop", "BlackBox": "loop", "ContractError": "loop",
    "LocalSearch": "loop", "RandomSearch": "loop", "RegularizedEvolution": "loop", "SearchMethod": "loop",
    "Searcher": "loop", "Trajectory": "loop", "run_search": "loop",
    "METHODS": "methods", "Method": "methods", "build_method": "methods", "checkpoint_record": "methods",
    "resolve_params": "methods",
    "EnsembleSurrogate": "surrogate",
}
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)

__all__ = list(_EXPORTS)
