"""Aggregate sweep runs into tables (JSON + Markdown) and best-so-far plots."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataFormatError
from ..resultsio import read_json

CHECKPOINTS = (10, 20, 50, 100, 150)


def load_runs(runs_dir: str | Path) -> list[dict[str, Any]]:
    """Every run file in ``runs_dir``; a damaged one is named (``read_json``)."""
    return [read_json(p) for p in sorted(Path(runs_dir).glob("*.json"))]


def check_same_data(runs: Sequence[dict[str, Any]], runs_dir: str | Path, checksum: str) -> None:
    """Refuse to aggregate runs made on another benchmark file than the sweep's: one table
    would mix two black boxes."""
    other = [r for r in runs if r.get("benchmark", {}).get("sha256") != checksum]
    if other:
        first = other[0]["spec"]
        raise DataFormatError(
            f"{len(other)} of {len(runs)} runs in {runs_dir} were made on another data file than the "
            f"config's (sha256 {checksum[:12]}...), e.g. {first['dataset']}__{first['method']}__s{first['seed']} "
            f"(sha256 {str(other[0].get('benchmark', {}).get('sha256'))[:12]}...); move them to another folder "
            "or point the config's data at the file they used")


def aggregate(runs: Sequence[dict[str, Any]], optima: dict[str, float]) -> dict[str, Any]:
    """Per dataset and method: incumbent mean/std at ``CHECKPOINTS`` queries, queries to the
    optimum (median and IQR over the seeds that reached it, and how many did), wall time."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in runs:
        groups[(r["spec"]["dataset"], r["spec"]["method"])].append(r)
    table: dict[str, Any] = {}
    for (dataset, method), rs in sorted(groups.items()):
        budget = min(r["spec"]["budget"] for r in rs)
        inc = np.array([r["trajectory"]["incumbent"][:budget] for r in rs])
        opt = optima[dataset]
        hits = [int(np.argmax(np.isclose(row, opt, atol=1e-6))) + 1 for row in inc if np.isclose(row, opt, atol=1e-6).any()]
        at = {str(q): {"mean": float(inc[:, q - 1].mean()), "std": float(inc[:, q - 1].std())}
              for q in CHECKPOINTS if q <= budget}
        table.setdefault(dataset, {})[method] = {
            "seeds": len(rs), "budget": budget, "at": at,
            "to_optimum": {"reached": len(hits), "median": float(np.median(hits)) if hits else None,
                           "q25": float(np.percentile(hits, 25)) if hits else None,
                           "q75": float(np.percentile(hits, 75)) if hits else None},
            "seconds_mean": float(np.mean([r["seconds"] for r in rs])),
            # the table shows the median: a run that shared its core with other jobs is an outlier
            "seconds_median": float(np.median([r["seconds"] for r in rs])),
            "curve_mean": inc.mean(0).tolist(), "curve_std": inc.std(0).tolist(),
        }
    return table


def to_markdown(table: dict[str, Any], optima: dict[str, float], meta: dict[str, Any]) -> str:
    lines = [f"# {meta.get('title', 'BO-NAS on NB201')}", "", meta.get("protocol", ""), ""]
    for dataset, methods in table.items():
        qs = [q for q in CHECKPOINTS if all(str(q) in m["at"] for m in methods.values())]
        lines += [f"## {dataset} (optimum {optima[dataset]:.2f})", "",
                  "| method | seeds | " + " | ".join(f"best @ {q}" for q in qs)
                  + " | queries to optimum, median (IQR) | reached | s / run (median) |",
                  "|---|---|" + "---|" * len(qs) + "---|---|---|"]
        for method, m in methods.items():
            t = m["to_optimum"]
            med = f"{t['median']:.0f} ({t['q25']:.0f}-{t['q75']:.0f})" if t["median"] is not None else "–"
            lines.append(f"| {method} | {m['seeds']} | "
                         + " | ".join(f"{m['at'][str(q)]['mean']:.2f} ± {m['at'][str(q)]['std']:.2f}" for q in qs)
                         + f" | {med} | {t['reached']}/{m['seeds']} | {m['seconds_median']:.1f} |")
        lines.append("")
    return "\n".join(lines)


def plot(table: dict[str, Any], optima: dict[str, float], out_dir: str | Path, stem: str) -> list[str]:
    """One PNG per dataset: best-so-far accuracy vs queries, mean with a 95 % band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for dataset, methods in table.items():
        fig, ax = plt.subplots(figsize=(6, 4))
        for method, m in methods.items():
            mean, std = np.array(m["curve_mean"]), np.array(m["curve_std"])
            half = 1.96 * std / np.sqrt(m["seeds"])
            x = np.arange(1, len(mean) + 1)
            ax.plot(x, mean, label=method)
            ax.fill_between(x, mean - half, mean + half, alpha=0.2)
        ax.axhline(optima[dataset], color="k", lw=0.8, ls="--", label="optimum")
        lo = min(np.array(m["curve_mean"])[min(9, len(m["curve_mean"]) - 1)] for m in methods.values())
        ax.set_ylim(lo - 0.5, optima[dataset] + 0.3)
        ax.set_xlabel("queries (architectures evaluated)")
        ax.set_ylabel("best test accuracy so far (%)")
        ax.set_title(f"NB201 {dataset}: mean and 95 % CI over seeds")
        ax.legend(fontsize=8)
        fig.tight_layout()
        path = Path(out_dir) / f"{stem}_{dataset}.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        paths.append(str(path))
    return paths
