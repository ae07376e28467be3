"""Properties of MobileNetV3 / OFA subnets by name, from the oracles in ``oracles/mbv3.py``:
``accuracy`` (ImageNet top-1 % predicted by OFA's accuracy predictor), ``latency:note10`` and
``latency:i7`` (ms, summed per-layer look-up tables), ``flops`` (MFLOPs = MACs / 1e6) and
``params`` (M parameters).

Unlike NB201's tables these are functions of an architecture: the space is far too large to
list, so a property has no rows (``domain`` is None) and guidance labels are uniform samples of
the space. The input resolution and the supernet width belong to the query, so they are fixed
when a property is made and written into its ``metric``.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError, UnknownNameError
from ..spaces.base import arch_list
from .mbv3 import (
    I7Latency,
    Note10Latency,
    OFAAccuracyPredictor,
    OFACost,
    layer_costs,
    net_shape,
    slot_additive_cost,
)
from .soft_cost import AdditiveCost

NAMES: tuple[str, ...] = ("accuracy", "latency:note10", "latency:i7", "flops", "params")
DATASET = "imagenet"  # the only dataset with MBv3 labels here (OFA's predictor)
PREDICTOR_WIDTH = 1.2  # OFA trained its accuracy predictor on the w1.2 supernet


@dataclass(frozen=True)
class OracleProperty:
    """A property computed by a function of the architecture (``ArchProperty``)."""

    name: str
    metric: str
    source: str
    checksum: str | None  # None when nothing is read (an analytic count)
    fn: Callable[[list[str]], np.ndarray]
    soft: AdditiveCost | None = None  # the exact expected cost of a soft architecture (costs only)

    @property
    def space(self) -> str:
        return "mbv3"

    @property
    def domain(self) -> None:
        """Every architecture of the space has a value: no rows to draw labels from."""
        return None

    def evaluate(self, archs: Sequence[str]) -> np.ndarray:
        """``B`` float values (the oracles raise ``InvalidArchitectureError`` for a string
        that is not an MBv3 architecture)."""
        archs = arch_list(archs)
        return np.asarray(self.fn(archs), dtype=float) if archs else np.zeros(0)


def accuracy_for(dataset: str | None) -> tuple[str, str]:
    """(property name, dataset) of the accuracy a ``--dataset`` names: MBv3's only one,
    ImageNet's, also when no dataset is given."""
    if dataset is not None and dataset.lower().replace("-", "") not in (DATASET, "imagenet1k"):
        raise UnknownNameError(
            f"MBv3 has no {dataset!r} accuracy: its accuracy is ImageNet top-1 predicted by OFA's "
            "accuracy predictor; use --dataset imagenet")
    return "accuracy", DATASET


def mbv3_property(name: str, resolution: int = 224, width: float = 1.2,
                  allow_unverified: bool = False) -> OracleProperty:
    """The property ``name`` of OFA MobileNetV3 subnets at input ``resolution`` on the ``width``
    supernet. A resolution or width an oracle has no data for is refused here, before any
    architecture is generated; a data file that is not the documented one, unless
    ``allow_unverified``."""
    if name not in NAMES:
        raise UnknownNameError(f"unknown MBv3 property {name!r}; use one of: {', '.join(NAMES)}")
    if name == "accuracy":
        if width != PREDICTOR_WIDTH:
            raise ConfigError(
                f"OFA's accuracy predictor was trained on the w{PREDICTOR_WIDTH} supernet only, not w{width}; "
                f"use width={PREDICTOR_WIDTH}")
        acc = OFAAccuracyPredictor(allow_unverified=allow_unverified)
        r = acc.check_resolution(resolution)
        return OracleProperty(name, f"{acc.metric}; input resolution {r}", str(acc.path), acc.checksum,
                              lambda archs: acc.predict(archs, r))
    if name.startswith("latency:"):
        oracle = Note10Latency if name == "latency:note10" else I7Latency
        lat = oracle(width=width, allow_unverified=allow_unverified)
        r = lat.check_resolution(resolution)
        return OracleProperty(name, f"{lat.metric}; input resolution {r}", str(lat.table_file(r)), lat.table_checksum(r),
                              lambda archs: lat.predict(archs, r), slot_additive_cost(lambda a: lat.layer_values(a, r)))
    cost = OFACost(width)
    r = cost.check_resolution(resolution)
    source = "analytic count of the OFA MobileNetV3 layers (naslib_diffusionnag.oracles.mbv3.OFACost)"
    field = 0 if name == "flops" else 1
    soft = slot_additive_cost(lambda a: [c[field] / 1e6 for c in layer_costs(net_shape(a, r, cost.width))])
    if name == "flops":
        return OracleProperty(name, f"{cost.metric['flops']}, in millions (MFLOPs = MACs / 1e6); input resolution {r}",
                              source, None, lambda archs: cost.predict_flops(archs, r) / 1e6, soft)
    return OracleProperty(name, f"{cost.metric['params']}, in millions; independent of the input resolution",
                          source, None, lambda archs: cost.predict_params(archs) / 1e6, soft)
