"""Surrogate: an ensemble of noise-aware predictors, refitted on all queried architectures.

Its spread across members is the uncertainty acquisition functions need; its members are also
the guidance predictors of the diffusion acquisition optimizer, so the model that ranks
candidates is the model that generated them.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..generation import ArchitectureGenerator
from ..guidance import DirectedGCNPredictor, GuidanceTerm, Objective, PredictorConfig, predict_clean


@dataclass
class EnsembleSurrogate:
    """``size`` directed-GCN predictors with different seeds (mean, std over members). They
    regress z-scored labels, the setting of every committed BO result (bo_nb201.md,
    naslib_nb201.md, mbv3.md part c); guidance's normal-score default is not benchmarked in BO."""

    generator: ArchitectureGenerator
    size: int = 3
    config: PredictorConfig = field(default_factory=lambda: PredictorConfig(steps=300, label_transform="zscore"))
    members: list[DirectedGCNPredictor] = field(default_factory=list)

    def fit(self, archs: Sequence[str], values: Sequence[float], seed: int) -> None:
        self.members = [self.generator.fit_predictor(archs, values, self.config, seed=seed * 1000 + m)
                        for m in range(self.size)]

    def predict(self, archs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Mean and std (``C``) of the members' predictions for clean architectures."""
        x = self.generator.space.encode(archs)
        preds = np.stack([predict_clean(m, x, self.generator.sde) for m in self.members])
        return preds.mean(0), preds.std(0)

    def guidance_terms(self, name: str = "surrogate") -> list[GuidanceTerm]:
        """The ensemble mean as guidance (each member with weight 1/size)."""
        return [GuidanceTerm(f"{name}[{i}]", m, Objective("max"), 1.0 / len(self.members))
                for i, m in enumerate(self.members)]
