"""NAS by Bayesian optimisation with DiffusionNAG as the acquisition optimizer, and baselines."""
from .acquisition import (
                          ACQUISITIONS,
                          AcquisitionFunction,
                          ExpectedImprovement,
                          IndependentThompsonSampling,
                          PosteriorMean,
                          ProbabilityOfImprovement,
                          ThompsonSampling,
                          UpperConfidenceBound,
                          make_acquisition,
)
from .candidates import DiffusionAO, MutationAO, RandomAO
from .loop import (
                          AskQueue,
                          BayesianOptimization,
                          BlackBox,
                          ContractError,
                          LocalSearch,
                          RandomSearch,
                          RegularizedEvolution,
                          Searcher,
                          SearchMethod,
                          Trajectory,
                          run_search,
)
from .methods import METHODS, Method, build_method, checkpoint_record, resolve_params
from .surrogate import EnsembleSurrogate

__all__ = ["ACQUISITIONS", "AcquisitionFunction", "ExpectedImprovement", "IndependentThompsonSampling",
           "PosteriorMean", "ProbabilityOfImprovement", "ThompsonSampling", "UpperConfidenceBound",
           "make_acquisition", "DiffusionAO", "MutationAO", "RandomAO", "AskQueue", "BayesianOptimization",
           "BlackBox", "ContractError", "LocalSearch", "RandomSearch", "RegularizedEvolution", "SearchMethod",
           "Searcher", "Trajectory", "run_search", "METHODS", "Method", "build_method", "checkpoint_record",
           "resolve_params", "EnsembleSurrogate"]
