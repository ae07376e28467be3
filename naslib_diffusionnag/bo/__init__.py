"""NAS by Bayesian optimisation with DiffusionNAG as the acquisition optimizer, and baselines."""
from .acquisition import ACQUISITIONS, ei, its, ucb
from .candidates import DiffusionAO, MutationAO, RandomAO
from .loop import (
                   BayesianOptimization,
                   BlackBox,
                   LocalSearch,
                   Optimizer,
                   RandomSearch,
                   RegularizedEvolution,
                   Trajectory,
)
from .methods import METHODS, Method, build_method, resolve_params
from .surrogate import EnsembleSurrogate

__all__ = ["ACQUISITIONS", "ei", "its", "ucb", "DiffusionAO", "MutationAO", "RandomAO",
           "BayesianOptimization", "BlackBox", "LocalSearch", "Optimizer", "RandomSearch",
           "RegularizedEvolution", "Trajectory", "METHODS", "Method", "build_method", "resolve_params",
           "EnsembleSurrogate"]
