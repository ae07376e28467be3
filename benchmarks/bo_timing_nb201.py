"""Wall-clock of one search per method on this machine (the sweep itself may run elsewhere).

Protocol: NB201 cifar10 (200-epoch test accuracy, ../shared/data/nb201/nats_bench.csv),
budget 100 queries, seed 0, methods with the parameters of configs/bo_nb201.yaml, torch's
default thread count, one run after another. Writes benchmarks_results/bo_timing_nb201.{json,md}.
"""
from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import torch
import yaml

from naslib_diffusionnag import __version__
from naslib_diffusionnag.argtypes import parse_no_arguments
from naslib_diffusionnag.bo import build_method
from naslib_diffusionnag.bo.sweep import cpu_name
from naslib_diffusionnag.oracles import NB201Benchmark
from naslib_diffusionnag.resultsio import write_json_atomic

ROOT = Path(__file__).resolve().parents[1]
BUDGET, SEED = 100, 0


def main() -> None:
    parse_no_arguments(__doc__)
    methods = yaml.safe_load((ROOT / "configs" / "bo_nb201.yaml").read_text())["methods"]
    bench = NB201Benchmark.load()
    rows = []
    for name, params in methods.items():
        start = time.perf_counter()
        traj = build_method(name, params=params or {}).run(lambda a: bench.query(a, "cifar10"), BUDGET, SEED)
        rows.append({"method": name, "seconds": time.perf_counter() - start, "best": traj.best()[1]})
        print(rows[-1], flush=True)
    meta = {"date": time.strftime("%Y-%m-%d"), "cpu": cpu_name(), "cores": os.cpu_count(),
            "threads": torch.get_num_threads(), "torch": str(torch.__version__), "python": platform.python_version(),
            "package_version": __version__, "budget": BUDGET, "seed": SEED, "dataset": "cifar10",
            "benchmark": bench.provenance()}
    out = ROOT / "benchmarks_results"
    write_json_atomic(out / "bo_timing_nb201.json", {"meta": meta, "rows": rows}, indent=1)
    lines = ["# Wall-clock of one NB201 search per method on this machine", "",
             f"`python benchmarks/bo_timing_nb201.py` on {meta['date']}: {meta['cpu']}, {meta['cores']} cores, "
             f"{meta['threads']} torch threads, torch {meta['torch']}. cifar10, budget {BUDGET} queries, seed {SEED}, "
             "parameters of configs/bo_nb201.yaml.", "",
             "| method | seconds for 100 queries | best test accuracy found |", "|---|---|---|"]
    lines += [f"| {r['method']} | {r['seconds']:.1f} | {r['best']:.2f} |" for r in rows]
    (out / "bo_timing_nb201.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
