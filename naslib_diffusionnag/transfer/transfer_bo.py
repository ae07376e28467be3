"""Transfer-BO: Bayesian optimisation on the target whose surrogate starts from the
meta-predictor.

Two uses of the prior, both in the package's BO harness (``bo.loop.BayesianOptimization``):
- warm start: the first ``n_init`` queries are the transfer pipeline's top cells (generated
  under the meta-predictor's guidance and ranked by it) instead of random ones;
- prior mean: the surrogate is ``a * prior(x) + b + residual(x)``, where ``a, b`` are fitted by
  least squares on the queried cells and the residual is the usual ensemble of noise-aware
  predictors fitted to what the prior misses (its spread is the acquisition's uncertainty).
Candidates (``candidates_from``) come from BANANAS-style mutation of the best queried cells
(``mutation``), from the diffusion model guided by the surrogate mean, prior included
(``diffusion``), or both (``diffusion+mutation``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..bo.candidates import DiffusionAO, MutationAO, UnionAO
from ..bo.loop import BayesianOptimization
from ..bo.methods import CANDIDATES_FROM
from ..bo.surrogate import EnsembleSurrogate
from ..configio import require_one_of
from ..guidance import PredictorConfig
from .pipeline import DEFAULT_SCALES, TransferNAS, predict_cells


@dataclass
class PriorMeanSurrogate:
    """``a * prior + b`` plus an ensemble on the residuals. Its members are the residual
    members plus the shared prior part, in the residual's z-score units (an affine map of
    accuracy, so acquisition functions rank as they would in accuracy)."""

    transfer: TransferNAS
    residual: EnsembleSurrogate
    slope: float = 0.0
    intercept: float = 0.0

    @property
    def size(self) -> int:
        return self.residual.size

    def fit(self, archs: Sequence[str], values: Sequence[float], seed: int) -> None:
        p = predict_cells(self.transfer.predictor, self.transfer.generator.space, self.transfer.generator.sde, archs)
        y = np.asarray(values, dtype=float)
        slope = float(np.polyfit(p, y, 1)[0]) if np.ptp(p) > 0 and len(y) >= 3 else 0.0
        self.slope = max(slope, 0.0)  # the prior ranks cells; never invert it
        self.intercept = float(y.mean() - self.slope * p.mean())
        self.residual.fit(archs, (y - self.slope * p - self.intercept).tolist(), seed)

    def _scale(self) -> float:
        """The residual normalisation's slope (z-score units per accuracy unit)."""
        return self.residual.normalise(1.0) - self.residual.normalise(0.0)

    def members(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """``M x B``: ``normalise(a * prior + b + residual_m)`` for each residual member."""
        prior = self.slope * self.transfer.predictor(x, sigma) + self.intercept
        return self._scale() * prior + self.residual.members(x, sigma)

    def normalise(self, value: float) -> float:
        return self.residual.normalise(value)

    def inputs(self, archs: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        return self.residual.inputs(archs)


def transfer_bo(transfer: TransferNAS, n_init: int = 10, k: int = 10, ensemble: int = 3,
                predictor_steps: int = 300, candidates: int = 100, acquisition: str = "its",
                n_generate: int = 100, beta: float = 2.0, candidates_from: str = "mutation") -> BayesianOptimization:
    """The transfer-BO method (``searcher(seed)``, ``run(black_box, budget, seed)``) for a
    prepared transfer; ``candidates`` per round from each of ``candidates_from``'s optimizers."""
    space = transfer.generator.space
    makers = {"mutation": lambda: MutationAO(space, candidates),
              "diffusion": lambda: DiffusionAO(transfer.generator, candidates, list(DEFAULT_SCALES))}
    require_one_of("candidates_from", candidates_from, CANDIDATES_FROM)
    parts = [makers[m]() for m in candidates_from.split("+")]
    residual = EnsembleSurrogate(transfer.generator, ensemble, PredictorConfig(steps=predictor_steps, label_transform="zscore"))
    surrogate = PriorMeanSurrogate(transfer, residual)

    def initial(n: int, seed: int) -> list[str]:
        return transfer.propose(max(n_generate, n), seed)[0][:n]

    return BayesianOptimization(space, surrogate, acquisition, parts[0] if len(parts) == 1 else UnionAO(parts),
                                n_init, k, beta, initial_design=initial)
