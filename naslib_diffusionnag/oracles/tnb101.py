"""TransNAS-Bench-101 micro: one value per (cell, Taskonomy task) for the cells NASLib tabulated.

Read from NASLib's zero-cost file (``transfer/transnas101_micro_naslib_zc.json``, see
``../shared/data/transfer/README.md``): 7 tasks x 711 of the space's 4,096 cells. Its key is the
six TransNAS-Bench-101 operation codes (``spaces.tnb101``); the value read is ``val_accuracy``,
NASLib's final-epoch validation metric of each task, higher is better everywhere (room_layout
stores the negated loss). The other entries (FLOPs, params, zero-cost proxies) are not read.
"""
from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass, field

import numpy as np

from ..errors import DataFormatError, InvalidArchitectureError, UnknownNameError
from ..spaces.tnb101 import TNB101MicroSpace
from .paths import resolve_data_file, verify_known
from .table import TableBenchmark, check_path, check_unique

DEFAULT_JSON = "transfer/transnas101_micro_naslib_zc.json"
TASKS: tuple[str, ...] = ("class_scene", "class_object", "autoencoder", "normal", "jigsaw", "room_layout",
                          "segmentsemantic")
# NASLib's Metric.VAL_ACCURACY per task (naslib/search_spaces/transbench101/graph.py)
_METRIC = {
    "class_scene": "validation top-1 accuracy (%)", "class_object": "validation top-1 accuracy (%)",
    "jigsaw": "validation top-1 accuracy (%)", "segmentsemantic": "validation pixel accuracy (%)",
    "autoencoder": "validation SSIM", "normal": "validation SSIM", "room_layout": "validation negative L2 loss",
}


def canonical_task(name: str) -> str:
    """A TransNAS-Bench-101 task name (case-insensitive, '-' for '_' accepted)."""
    key = str(name).lower().replace("-", "_")
    if key not in TASKS:
        raise UnknownNameError(f"unknown TransNAS-Bench-101 task {name!r}; choose one of: {', '.join(TASKS)}")
    return key


@dataclass
class TNB101Benchmark(TableBenchmark):
    """The task values of the tabulated TransNAS-Bench-101 micro cells."""

    space: TNB101MicroSpace = field(default_factory=TNB101MicroSpace)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, allow_unverified: bool = False) -> TNB101Benchmark:
        """The documented file (checksum) or, with ``allow_unverified``, a file in its layout."""
        resolved = resolve_data_file(DEFAULT_JSON, check_path(path))
        try:
            data = json.loads(resolved.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise DataFormatError(f"{resolved} is not JSON ({e}); expected NASLib's zc_transbench101_micro.json") from e
        if not isinstance(data, dict) or set(data) != set(TASKS):
            got = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise DataFormatError(f"{resolved} must map the 7 TransNAS-Bench-101 tasks to cells; it holds {got}")
        space = TNB101MicroSpace()
        keys = sorted(data[TASKS[0]])
        if any(sorted(data[t]) != keys for t in TASKS):
            raise DataFormatError(f"{resolved}: the tasks list different cells; every task needs the same cells")
        try:
            archs = [space.from_op_indices(ast.literal_eval(k)) for k in keys]
            values = {t: np.array([float(data[t][k]["val_accuracy"]) for k in keys]) for t in TASKS}
        except (InvalidArchitectureError, ValueError, SyntaxError, TypeError, KeyError) as e:
            raise DataFormatError(f"{resolved} has an entry that is not '(a, b, c, d, e, f)' -> "
                                  f"{{'val_accuracy': number, ...}}: {e}") from e
        for t, v in values.items():
            if not np.isfinite(v).all():
                raise DataFormatError(f"{resolved}: task {t} has a non-finite value; fix or replace the file")
        check_unique(resolved, archs, space.label)
        checksum = verify_known(resolved, DEFAULT_JSON, allow_unverified)
        metric = {t: f"{_METRIC[t]}, final epoch, val_accuracy of {resolved.name}" for t in TASKS}
        return cls(resolved, checksum, metric, values, archs, space)

    def dataset_key(self, name: str) -> str:
        return canonical_task(name)
