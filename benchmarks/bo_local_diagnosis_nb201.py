"""Where diffusion-BO spends its queries on the CIFARs (issue 12): read from committed tuning runs.

Protocol: the committed runs of benchmarks/bo_guide_nb201.py at budget 150, tuning seeds 100-109
(--seeds: another range is written to bo_local_diagnosis_nb201_s<first>-<last>.md; variants
without runs on those seeds are left out) (benchmarks_results/bo_guide_nb201_b150/<variant>/runs and bo_guide_nb201_cifar100_b150/...; NB201
200-epoch test accuracy, nats_bench.csv). Per variant and dataset: median over seeds of the first
query after which the incumbent is at most one edit from an optimum (any cell with the best
value), median queries to the optimum, on how many seeds the optimum was one of a round's local
queries (of each round of k after the n_init initial ones, the first ``local_queries``, or
``local_after_gain`` when the round follows a new incumbent, that are one edit from its
incumbent), and, over
the local queries made before the optimum, the share that swap one convolution for the other,
against that share in the incumbents' one-edit neighbourhoods; all over the seeds that reached the
optimum within 150 queries. No model is run.

    python benchmarks/bo_local_diagnosis_nb201.py [--seeds 100-109]
"""
from __future__ import annotations

import argparse

import numpy as np
from bo_guide_nb201 import RESULTS, out_dir  # the same folder (run as a script)

from naslib_diffusionnag.argtypes import seed_range
from naslib_diffusionnag.bo import report
from naslib_diffusionnag.oracles import NB201Benchmark
from naslib_diffusionnag.resultsio import write_text_atomic
from naslib_diffusionnag.spaces import get_space

CONV = {"nor_conv_1x1", "nor_conv_3x3"}


def local_share(p: dict, inc: list[int], start: int) -> int:
    """The local queries of the round starting at query ``start`` (``inc``: the incumbent's index
    after each query), by ``loop.BOSearcher``'s rule."""
    gain = p.get("local_after_gain")
    new_incumbent = inc[start - 1] >= max(p["n_init"], start - p["k"])
    return gain if gain is not None and new_incumbent else p["local_queries"]


def diagnose(runs: list[dict], acc: dict[str, float], space) -> dict[str, float | int]:
    best = max(acc.values())
    optima = [a for a, v in acc.items() if v >= best - 1e-9]
    ops = {a: space.ops(a) for a in optima}

    def edits(a: str, b: tuple[str, ...]) -> int:
        return sum(x != y for x, y in zip(space.ops(a), b, strict=True))

    near, found, by_local, swaps, local_total, base = [], [], 0, 0, 0, []
    for run in runs:
        archs, values = run["trajectory"]["archs"], run["trajectory"]["values"]
        p = run["resolved_params"]
        n_init, k = p["n_init"], p["k"]
        first = next((i for i, v in enumerate(values) if v >= best - 1e-9), None)
        if first is None:  # not reached within the budget: left out of every column but the seed count
            continue
        found.append(first + 1)
        inc = [int(np.argmax(values[: i + 1])) for i in range(len(values))]
        near.append(next(i + 1 for i in range(len(values)) if min(edits(archs[inc[i]], o) for o in ops.values()) <= 1))
        if first >= n_init:
            start = first - (first - n_init) % k
            by_local += first - start < local_share(p, inc, start) and edits(archs[first], space.ops(archs[inc[start - 1]])) == 1
        for start in range(n_init, first, k):
            incumbent = space.ops(archs[inc[start - 1]])
            base.append(np.mean([(incumbent[e] in CONV and op in CONV) for e in range(len(incumbent))
                                 for op in ("none", "skip_connect", *CONV, "avg_pool_3x3") if op != incumbent[e]]))
            for q in range(start, min(start + local_share(p, inc, start), first)):
                diff = [(x, y) for x, y in zip(incumbent, space.ops(archs[q]), strict=True) if x != y]
                if len(diff) == 1:
                    local_total += 1
                    swaps += diff[0][0] in CONV and diff[0][1] in CONV
    return {"seeds": len(runs), "reached": len(found), "near_median": float(np.median(near)), "found_median": float(np.median(found)),
            "found_by_local": by_local, "local_swap_share": swaps / max(local_total, 1),
            "neighbourhood_swap_share": float(np.mean(base)) if base else float("nan")}


SEEDS = "100-109"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=seed_range, default=SEEDS, help="first-last (inclusive)")
    args = p.parse_args()
    first, last = args.seeds[0], args.seeds[-1]
    bench, space = NB201Benchmark.load(), get_space("nb201")
    lines = ["# Where diffusion-BO spends its CIFAR queries (NB201, tuning seeds; not a reported result)", "",
             __doc__.split("\n\n")[1].strip(), "",
             "| dataset | variant | seeds | one edit from the optimum after (median) | optimum after (median) "
             "| optimum by a local query | conv-for-conv share of local queries | same share in the neighbourhoods |",
             "|---|---|---|---|---|---|---|---|"]
    header = len(lines)
    for dataset in ("cifar10", "cifar100"):
        acc = {a: bench.query(a, dataset) for a in space.enumerate()}
        folder = out_dir(dataset, 150)
        for variant_dir in sorted(p for p in folder.iterdir() if (p / "runs").is_dir()):
            runs = [r for r in report.load_runs(variant_dir / "runs")
                    if r["spec"]["method"] == "diffusion-bo" and first <= r["spec"]["seed"] <= last]
            if not runs:
                continue
            d = diagnose(runs, acc, space)
            lines.append(f"| {dataset} | {variant_dir.name} | {d['seeds']} | {d['near_median']:g} | "
                         f"{d['found_median']:g} ({d['reached']}/{d['seeds']} reached) | {d['found_by_local']}/{d['reached']} | {d['local_swap_share']:.2f} | "
                         f"{d['neighbourhood_swap_share']:.2f} |")
    if len(lines) == header:  # no run of these seeds: a table of nothing would be written
        raise SystemExit(f"error: no committed diffusion-BO tuning run has a seed in {first}-{last}")
    name = "bo_local_diagnosis_nb201" + ("" if args.seeds == seed_range(SEEDS) else f"_s{first}-{last}")
    lines[0] += f", seeds {first}-{last}"
    write_text_atomic(RESULTS / f"{name}.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
