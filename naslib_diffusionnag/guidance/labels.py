"""Label transforms: how property values become a predictor's regression target, and back.

A predictor regresses ``forward(values)``; objectives read budgets and targets through the same
map, and reported predictions go back through ``inverse``. Two transforms:

- ``ZScore``: ``(y - mean) / std``. Keeps the property's scale; right for smooth quantities
  (latency, FLOPs) and what the BO surrogate uses.
- ``NormalScores``: each label's rank mapped to a standard normal quantile (Blom-style
  ``(rank - 0.5) / n``), interpolated piecewise-linearly between labels. With a few labelled
  NB201 cells, z-scored accuracy is dominated by the handful of broken cells (10 % accuracy,
  6 std below the mean), so the fit spends itself on separating those; normal scores spend it on
  the ordering of the good cells, which is what maximisation needs. With 100 CIFAR-10 labels the
  predictor's top-100 over the whole space averages 93.45 % instead of 92.90 %
  (benchmarks_results/guidance_nb201.md).

Both are monotone increasing, so ``max``/``min`` objectives mean the same under either. Outside
the labelled range ``NormalScores`` continues linearly with the z-score slope, so budgets and
targets beyond the labels stay finite and ordered. Budgets and targets are about values, not
ranks, and their default softness is defined in label standard deviations: with a budget among
the objectives, z-scores keep more guided cells within it (``guide.default_guidance``).
"""
from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal, Protocol

import numpy as np

LabelKind = Literal["normal_scores", "zscore"]
LABEL_KINDS: tuple[str, ...] = ("normal_scores", "zscore")


class LabelTransform(Protocol):
    """A monotone increasing map from property units to the predictor's normalised units."""

    def forward(self, values: np.ndarray | float) -> np.ndarray:
        ...

    def inverse(self, z: np.ndarray | float) -> np.ndarray:
        ...


def _spread(y: np.ndarray) -> float:
    return float(y.std()) or 1.0


@dataclass(frozen=True)
class ZScore:
    mean: float
    std: float

    @classmethod
    def fit(cls, values: np.ndarray) -> ZScore:
        y = np.asarray(values, dtype=np.float64)
        return cls(float(y.mean()), _spread(y))

    def forward(self, values: np.ndarray | float) -> np.ndarray:
        return (np.asarray(values, dtype=np.float64) - self.mean) / self.std

    def inverse(self, z: np.ndarray | float) -> np.ndarray:
        return np.asarray(z, dtype=np.float64) * self.std + self.mean


def _interp_extend(x: np.ndarray, xp: np.ndarray, fp: np.ndarray, slope: float) -> np.ndarray:
    """Piecewise-linear through ``(xp, fp)``, continued with ``slope`` beyond both ends."""
    out = np.interp(x, xp, fp)
    out = np.where(x < xp[0], fp[0] + (x - xp[0]) * slope, out)
    return np.where(x > xp[-1], fp[-1] + (x - xp[-1]) * slope, out)


@dataclass(frozen=True)
class NormalScores:
    values: tuple[float, ...]  # the distinct labels, increasing
    scores: tuple[float, ...]  # their normal scores (tied labels share their mean rank)
    std: float  # label std: the z-score slope used beyond the labelled range

    @classmethod
    def fit(cls, values: np.ndarray) -> NormalScores:
        y = np.asarray(values, dtype=np.float64)
        distinct, counts = np.unique(y, return_counts=True)
        mean_rank = np.cumsum(counts) - (counts - 1) / 2.0  # 1-based mean rank of each distinct value
        dist = NormalDist()
        scores = [dist.inv_cdf((r - 0.5) / y.size) for r in mean_rank]
        return cls(tuple(distinct.tolist()), tuple(scores), _spread(y))

    def forward(self, values: np.ndarray | float) -> np.ndarray:
        x = np.asarray(values, dtype=np.float64)
        return _interp_extend(x, np.asarray(self.values), np.asarray(self.scores), 1.0 / self.std)

    def inverse(self, z: np.ndarray | float) -> np.ndarray:
        s = np.asarray(z, dtype=np.float64)
        return _interp_extend(s, np.asarray(self.scores), np.asarray(self.values), self.std)


def fit_labels(kind: str, values: np.ndarray) -> ZScore | NormalScores:
    """The transform ``kind`` fitted to ``values``."""
    if kind == "zscore":
        return ZScore.fit(values)
    if kind == "normal_scores":
        return NormalScores.fit(values)
    raise ValueError(f"unknown label transform {kind!r}; choose one of {', '.join(LABEL_KINDS)}")
