"""Metrics of generated architectures: generation quality and benchmark-value summaries."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def generation_metrics(archs: Sequence[str | None], train: set[str] | None = None) -> dict[str, Any]:
    """Validity, uniqueness (distinct valid / valid) and novelty (distinct valid not in
    ``train`` / distinct valid), as defined by the official code. A share of nothing (no sample,
    no valid one) is None, not 0: no valid sample says nothing about how unique or novel they are."""
    valid = [a for a in archs if a is not None]
    unique = set(valid)
    out: dict[str, Any] = {
        "n": len(archs), "valid": len(valid),
        "validity": len(valid) / len(archs) if archs else None,
        "uniqueness": len(unique) / len(valid) if valid else None,
    }
    if train is not None:
        out["novelty"] = len(unique - train) / len(unique) if unique else None
    return out


def summary_stats(values: Sequence[float], distinct: Sequence[float] | None = None) -> dict[str, float]:
    """mean / std over all generated values; max / top-5 mean over ``distinct`` (the values
    of the distinct architectures, so a repeated architecture is not counted five times) and
    how many that top-5 holds (fewer than 5 distinct architectures: all of them)."""
    v = np.asarray(values, dtype=float)
    d = np.sort(np.asarray(values if distinct is None else distinct, dtype=float))[::-1]
    if v.size == 0:
        return {"mean": float("nan"), "max": float("nan"), "top5_mean": float("nan"), "top5_count": 0,
                "std": float("nan")}
    return {"mean": float(v.mean()), "max": float(d[0]), "top5_mean": float(d[:5].mean()),
            "top5_count": int(min(5, d.size)), "std": float(v.std())}
