"""Where diffusion-BO loses time: the quality of each round's candidate pool vs what is queried.

Protocol: NB201 cifar10 (200-epoch test accuracy, ../shared/data/nb201/nats_bench.csv), budget
100, seeds 0-2, methods `diffusion-bo` and `bananas` with the defaults of configs/bo_nb201.yaml.
For every BO round: number of fresh candidates the acquisition optimizer proposed, the median
and best benchmark rank (0 = the optimum) among them, and the best rank among the 10 the
acquisition function then chose. Writes benchmarks_results/bo_candidates_nb201.{json,md}.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from naslib_diffusionnag.argtypes import parse_no_arguments
from naslib_diffusionnag.bo import build_method
from naslib_diffusionnag.bo.methods import first_defaults
from naslib_diffusionnag.oracles import NB201Benchmark
from naslib_diffusionnag.resultsio import write_json_atomic

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parse_no_arguments(__doc__)
    bench = NB201Benchmark.load()
    acc = bench.column("cifar10")
    rank = {bench.archs[i]: r for r, i in enumerate(np.argsort(-acc))}
    rows = []
    for method in ("diffusion-bo", "bananas"):
        for seed in range(3):
            opt = build_method(method, params=first_defaults(method))  # the round the committed table was made with
            pools: list[list[str]] = []
            propose = opt.optimizer.propose

            def logged(history, guide, rng, propose=propose, pools=pools):
                pools.append(propose(history, guide, rng))
                return pools[-1]

            opt.optimizer.propose = logged  # type: ignore[method-assign]
            traj = opt.run(lambda a: bench.query(a, "cifar10"), 100, seed)
            queried = traj.archs[10:]  # after the 10 random initial queries, 10 per round
            for r, pool in enumerate(pools):
                chosen = queried[10 * r: 10 * (r + 1)]
                rows.append({"method": method, "seed": seed, "round": r + 1, "fresh": len(pool),
                             "pool_median_rank": int(np.median([rank[a] for a in pool])),
                             "pool_best_rank": min(rank[a] for a in pool),
                             "chosen_best_rank": min(rank[a] for a in chosen)})
            print(method, seed, traj.best()[1], flush=True)
    out = ROOT / "benchmarks_results"
    write_json_atomic(out / "bo_candidates_nb201.json", rows, indent=1)
    lines = ["# Candidate pools per BO round (NB201 cifar10)", "", __doc__.split("\n\n", 1)[1].strip(), "",
             "| method | seed | round | fresh candidates | pool median rank | pool best rank | best rank queried |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['method']} | {r['seed']} | {r['round']} | {r['fresh']} | {r['pool_median_rank']} | "
              f"{r['pool_best_rank']} | {r['chosen_best_rank']} |" for r in rows]
    (out / "bo_candidates_nb201.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
