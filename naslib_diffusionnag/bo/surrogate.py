"""Surrogate: an ensemble of noise-aware predictors, refitted on all queried architectures.

Its members' spread is the uncertainty the acquisition functions read; the members are
noise-aware, so an acquisition built on them is differentiable along the diffusion sampling
path and the model that ranks candidates is the model that guides their generation.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import torch

from ..configio import require_int
from ..errors import DiffusionNAGError
from ..generation import ArchitectureGenerator
from ..guidance import PredictorConfig
from ..guidance.predictors import ArchitecturePredictor
from .acquisition import Surrogate
from .seeds import spawn_seeds


class BOSurrogate(Surrogate, Protocol):
    """A surrogate the BO loop can refit each round and feed clean architectures to."""

    def fit(self, archs: Sequence[str], values: Sequence[float], seed: int) -> None:
        ...

    def inputs(self, archs: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """``x`` (``C x N x F``) and ``sigma`` (``C``) of clean architectures."""
        ...


@dataclass
class EnsembleSurrogate:
    """``size`` noise-aware predictors (``config.encoder``: the directed GCN of every committed
    result, or the MLP) with different seeds. All members regress the same monotone transform of
    the labels (``config.label_transform``: z-scores, the setting of every committed BO result,
    or normal scores of their ranks), fitted on the same values, so their mean and spread are
    comparable and the incumbent maps into their units through ``normalise``."""

    generator: ArchitectureGenerator
    size: int = 3
    config: PredictorConfig = field(default_factory=lambda: PredictorConfig(steps=300, label_transform="zscore"))
    fitted: list[ArchitecturePredictor] = field(default_factory=list)

    def __post_init__(self) -> None:
        require_int("ensemble size", self.size, 1)  # 0 members failed later as an IndexError

    def fit(self, archs: Sequence[str], values: Sequence[float], seed: int) -> None:
        """Refit every member; member seeds are children of ``seed``."""
        self.fitted = [self.generator.fit_predictor(archs, values, self.config, seed=s)
                       for s in spawn_seeds(seed, self.size)]

    def members(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """``M x B`` member predictions (z-score units) for ``x`` (``B x N x F``) at ``sigma`` (``B``)."""
        return torch.stack([m(x, sigma) for m in self._members()])

    def normalise(self, value: float) -> float:
        return float(self._members()[0].transform.forward(value))

    def _members(self) -> list[ArchitecturePredictor]:
        if not self.fitted:  # an IndexError / "stack expects a non-empty TensorList" before
            raise DiffusionNAGError("the surrogate has not been fitted yet; call fit(archs, values, seed) first")
        return self.fitted

    def inputs(self, archs: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Clean architectures as the members' inputs (``ArchitectureGenerator.clean_inputs``)."""
        return self.generator.clean_inputs(archs)
