"""Why NB201's ImageNet16-120 optimum is found late: each dataset's one-edit landscape.

Protocol: the NB201 table (../shared/data/nb201/nats_bench.csv, 200-epoch test accuracy, all
15,625 cells), the one-edit neighbourhood every search here moves in (one of the six edges to
one of the four other operations: 24 neighbours; ``NB201Space.neighbours``). Per dataset:

- local optima: cells with no neighbour of higher accuracy, and how many of the 20 best cells
  are such traps for a method that only moves one edit at a time;
- steepest-ascent basins: from every cell, move to the best neighbour while it is better; the
  share of the 15,625 starts that end at the optimum (a value within 1e-6 of the best, as the
  BO tables count it), and the local optima that collect the most starts, with their accuracy,
  their rank and their edit distance to the optimum;
- the optimum's own neighbourhood: its best neighbour's accuracy and rank, and how many of its
  24 neighbours are among the 100 best cells (what a mutation of a good cell can step from).

A few seconds, no seeds (the table is deterministic). Writes
benchmarks_results/nb201_landscape.{json,md}.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from naslib_diffusionnag.oracles import NB201Benchmark
from naslib_diffusionnag.resultsio import write_json_atomic

OUT = Path(__file__).resolve().parents[1] / "benchmarks_results" / "nb201_landscape"
DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
AT_OPTIMUM = 1e-6  # the BO tables' tolerance for "at the optimum"


def neighbour_table(bench: NB201Benchmark) -> np.ndarray:
    """``cells x 24`` table indices of every cell's one-edit neighbours."""
    return np.array([[bench.index(b) for b in bench.space.neighbours(a)] for a in bench.archs])


def climb_targets(values: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    """The local optimum steepest ascent reaches from each cell (its own index at a local
    optimum): one step to the best neighbour where it is better, then steps composed by pointer
    jumping until no cell moves."""
    best = neighbours[np.arange(len(values)), np.argmax(values[neighbours], axis=1)]
    step = np.where(values[best] > values, best, np.arange(len(values)))
    while True:
        nxt = step[step]
        if np.array_equal(nxt, step):
            return step
        step = nxt


def edit_distance(ops: np.ndarray, i: int, j: int) -> int:
    return int((ops[i] != ops[j]).sum())


def landscape(bench: NB201Benchmark, dataset: str, neighbours: np.ndarray, ops: np.ndarray,
              top: int = 5) -> dict[str, Any]:
    """The statistics of the module docstring for one dataset."""
    values = bench.column(dataset)
    order = np.argsort(-values, kind="stable")
    rank = np.empty(len(values), dtype=int)
    rank[order] = np.arange(1, len(values) + 1)
    optimum = values.max()
    at_opt = np.flatnonzero(values >= optimum - AT_OPTIMUM)
    targets = climb_targets(values, neighbours)
    local = np.flatnonzero(targets == np.arange(len(values)))
    basin = np.bincount(targets, minlength=len(values))
    o = int(order[0])
    best_nb = int(neighbours[o][np.argmax(values[neighbours[o]])])
    largest = sorted(local, key=lambda i: -basin[i])[:top]
    return {
        "optimum": float(optimum), "optimum_arch": bench.archs[o], "cells_at_optimum": len(at_opt),
        "local_optima": len(local), "local_optima_in_top20": int(np.isin(order[:20], local).sum()),
        "basin_of_optimum": float(basin[at_opt].sum() / len(values)),
        "largest_basins": [{"arch": bench.archs[i], "accuracy": float(values[i]), "rank": int(rank[i]),
                            "basin": float(basin[i] / len(values)),
                            "edits_to_optimum": min(edit_distance(ops, int(i), int(j)) for j in at_opt)}
                           for i in largest],
        "best_neighbour_of_optimum": {"accuracy": float(values[best_nb]), "rank": int(rank[best_nb])},
        "optimum_neighbours_in_top100": int((rank[neighbours[o]] <= 100).sum()),
    }


def to_markdown(res: dict[str, Any]) -> str:
    lines = ["# NB201's one-edit landscape per dataset", "", __doc__.split("\n\n", 1)[1].strip(), "",
             "| dataset | optimum | local optima (of 15,625) | of the 20 best cells, local optima | steepest-ascent "
             "starts ending at the optimum | optimum's best neighbour (rank) | optimum's neighbours in the top 100 |",
             "|---|---|---|---|---|---|---|"]
    for d, r in res["datasets"].items():
        nb = r["best_neighbour_of_optimum"]
        lines.append(f"| {d} | {r['optimum']:.2f} ({r['cells_at_optimum']} cell"
                     f"{'s' if r['cells_at_optimum'] > 1 else ''}) | {r['local_optima']} | "
                     f"{r['local_optima_in_top20']} | {100 * r['basin_of_optimum']:.1f} % | "
                     f"{nb['accuracy']:.2f} ({nb['rank']}) | {r['optimum_neighbours_in_top100']} of 24 |")
    for d, r in res["datasets"].items():
        lines += ["", f"## {d}: the local optima with the largest basins", "",
                  "| cell | accuracy | rank | basin (share of starts) | edits to the optimum |", "|---|---|---|---|---|"]
        lines += [f"| `{b['arch']}` | {b['accuracy']:.2f} | {b['rank']} | {100 * b['basin']:.1f} % | "
                  f"{b['edits_to_optimum']} |" for b in r["largest_basins"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=None, help="NB201 table (default ../shared/data/nb201/nats_bench.csv)")
    args = p.parse_args()
    bench = NB201Benchmark.load(args.data)
    neighbours = neighbour_table(bench)
    ops = np.array([bench.space.to_op_indices(a) for a in bench.archs])
    res = {"benchmark": bench.provenance(),
           "datasets": {d: landscape(bench, d, neighbours, ops) for d in DATASETS}}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(OUT.with_suffix(".json"), res)
    md = to_markdown(res)
    OUT.with_suffix(".md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
