"""Objectives: what to want of a predicted property, as a differentiable log-likelihood-like
score ``g(y_hat)`` on the predictor's normalised output (``B -> B``).

Working in the predictor's normalised units (its label transform, ``labels.py``) lets objectives
with different units share one guidance scale and be mixed by plain weights.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import Literal

import torch
import torch.nn.functional as F

from ..errors import ConfigError
from .labels import LabelTransform

Direction = Literal["max", "min", "budget", "target"]


@dataclass(frozen=True)
class Objective:
    """``max`` / ``min`` the property, stay under a ``budget``, or reach a ``target``.

    ``budget`` is the log-probability of being under the budget, ``log sigmoid((b - y) / s)``
    (a smooth hinge: no pull once well inside); ``target`` is a Gaussian log-likelihood with
    std ``s``. ``value`` and ``softness`` are in the property's own units and reach the
    normalised scale through the predictor's label transform; the default softness is half a
    normalised unit (half the label std under z-scores), which keeps a margin under the budget for the predictor's error
    (benchmarks_results/guidance_nb201.md: 90+ % of guided cells within budget).
    """

    direction: Direction = "max"
    value: float | None = None
    softness: float | None = None

    def __post_init__(self) -> None:
        if self.direction not in ("max", "min", "budget", "target"):
            raise ConfigError(f"objective direction must be max, min, budget or target, got {self.direction!r}")
        if self.direction in ("budget", "target") and self.value is None:
            raise ConfigError(f"a {self.direction} objective needs a value, e.g. Objective({self.direction!r}, 20.0)")
        if self.direction in ("max", "min") and (self.value, self.softness) != (None, None):
            raise ConfigError(f"a {self.direction} objective takes no value or softness (they are a budget's or a "
                              f"target's), got value={self.value!r}, softness={self.softness!r}; use "
                              f"Objective({self.direction!r}), or Objective('budget', V) to stay under V")
        for key, number in (("value", self.value), ("softness", self.softness)):
            if number is not None and (isinstance(number, bool) or not isinstance(number, Real)):
                raise ConfigError(f"{self.direction} {key} is {number!r}, not a number; pass e.g. "
                                  f"Objective({self.direction!r}, 20.0)")
        if self.value is not None and not math.isfinite(self.value):
            raise ConfigError(f"{self.direction} value {self.value!r} is not a finite number")
        if self.softness is not None and not (math.isfinite(self.softness) and self.softness > 0):
            raise ConfigError(f"softness {self.softness!r} must be a finite number > 0 (in the property's units)")

    def __call__(self, y_norm: torch.Tensor, transform: LabelTransform) -> torch.Tensor:
        if self.direction == "max":
            return y_norm
        if self.direction == "min":
            return -y_norm
        assert self.value is not None
        v = float(transform.forward(self.value))
        s = 0.5
        if self.softness:  # the transform's local width of +-softness around the value
            s = float(transform.forward(self.value + self.softness) - transform.forward(self.value - self.softness)) / 2
        if self.direction == "budget":
            return F.logsigmoid((v - y_norm) / s) * s  # times s: slope 1 above the budget, like max/min
        return -0.5 * ((y_norm - v) / s) ** 2 * s

    def describe(self) -> str:
        return self.direction if self.value is None else f"{self.direction}={self.value:g}"
