"""Transfer-BO: Bayesian optimisation on the target whose surrogate starts from the
meta-predictor.

Two uses of the prior, both in the package's BO harness (``bo.loop.BayesianOptimization``):
- warm start: the first ``n_init`` queries are the transfer pipeline's top cells (generated
  under the meta-predictor's guidance and ranked by it) instead of random ones;
- prior mean: the surrogate is ``a * prior(x) + b + residual(x)``, where ``a, b`` are fitted by
  least squares on the queried cells and the residual is the usual ensemble of noise-aware
  predictors fitted to what the prior misses (its spread is the acquisition's uncertainty).
Candidates come from BANANAS-style mutation of the best queried cells.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..bo.acquisition import ACQUISITIONS
from ..bo.candidates import MutationAO
from ..bo.loop import BayesianOptimization
from ..bo.surrogate import EnsembleSurrogate
from ..guidance import PredictorConfig
from .pipeline import TransferNAS, predict_cells


@dataclass
class PriorMeanSurrogate:
    """``a * prior + b`` plus an ensemble on the residuals (``predict`` -> mean, std)."""

    transfer: TransferNAS
    residual: EnsembleSurrogate
    slope: float = 0.0
    intercept: float = 0.0

    def _prior(self, archs: Sequence[str]) -> np.ndarray:
        return predict_cells(self.transfer.predictor, self.transfer.generator, archs)

    def fit(self, archs: Sequence[str], values: Sequence[float], seed: int) -> None:
        p, y = self._prior(archs), np.asarray(values, dtype=float)
        slope = float(np.polyfit(p, y, 1)[0]) if np.ptp(p) > 0 and len(y) >= 3 else 0.0
        self.slope = max(slope, 0.0)  # the prior ranks cells; never invert it
        self.intercept = float(y.mean() - self.slope * p.mean())
        self.residual.fit(archs, (y - self.slope * p - self.intercept).tolist(), seed)

    def predict(self, archs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        mean, std = self.residual.predict(archs)
        return self.slope * self._prior(archs) + self.intercept + mean, std


def transfer_bo(transfer: TransferNAS, n_init: int = 10, k: int = 10, ensemble: int = 3,
                predictor_steps: int = 300, candidates: int = 100, acquisition: str = "its",
                n_generate: int = 100) -> BayesianOptimization:
    """The transfer-BO optimizer (``run(black_box, budget, seed)``) for a prepared transfer."""
    space = transfer.generator.space
    residual = EnsembleSurrogate(transfer.generator, ensemble, PredictorConfig(steps=predictor_steps, label_transform="zscore"))
    surrogate = PriorMeanSurrogate(transfer, residual)

    def initial(n: int, seed: int) -> list[str]:
        return transfer.propose(max(n_generate, n), seed)[0][:n]

    return BayesianOptimization(space, surrogate, ACQUISITIONS.get(acquisition),  # type: ignore[arg-type]
                                MutationAO(space, candidates), n_init, k, initial_design=initial)
