"""Choosing where transfer-BO's candidates come from without looking at the transfer targets.

Protocol: the transfer benchmark (transfer_nb201.py) reports CIFAR-10 and CIFAR-100, so this
choice is made on ImageNet16-120, which it never reports as a target. Meta-predictor: sources
the CIFAR-10 and CIFAR-100 NB201 tables (all 15,625 cells each; neither holds ImageNet16-120
values, the leakage guard checks), class-name descriptors, MetaPredictorConfig defaults,
meta-training seed 100. Transfer-BO as in transfer_nb201.py (warm start = the pipeline's top 10,
prior-mean surrogate with a residual ensemble of 3 predictors fitted TBO_PREDICTOR_STEPS steps,
ITS, k = 10, 100 candidates per optimizer and round), one run per candidate source
(``candidates_from``: mutation = the package default, diffusion = generated under the
surrogate mean's guidance, diffusion+mutation = both) and seed in 100..109 (never reported
seeds). Value: NB201 200-epoch test accuracy on ImageNet16-120 (../shared/data/nb201/
nats_bench.csv); a run stops when it queries the optimum (budget 100). Each finished run is
written to benchmarks_results/transfer_bo_tuning_nb201/runs/<candidates_from>_<seed>.json
(committed: an interrupted sweep resumes in a fresh clone, and the tables re-aggregate with
--cached-only); the meta-predictor is cached under benchmarks/.cache/transfer_bo_tuning_nb201/.
--candidates runs only the named sources (one process per core, each writing its own runs).

Run: python benchmarks/transfer_bo_tuning_nb201.py [--seeds 10] [--candidates mutation,...] [--cached-only]
"""
from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm
from transfer_nb201 import BO_BUDGET, TBO_PREDICTOR_STEPS, machine, search_run

from naslib_diffusionnag import __version__
from naslib_diffusionnag.argtypes import at_least
from naslib_diffusionnag.bo.methods import CANDIDATES_FROM
from naslib_diffusionnag.generation import ArchitectureGenerator
from naslib_diffusionnag.oracles import NB201Benchmark
from naslib_diffusionnag.resultsio import cached_json, read_json, to_json, write_text_atomic
from naslib_diffusionnag.transfer import (
    MetaPredictorConfig,
    TrainedMetaPredictor,
    build_meta_predictor,
    prepare,
)
from naslib_diffusionnag.transfer.transfer_bo import transfer_bo

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache" / "transfer_bo_tuning_nb201"
RESULTS = ROOT / "benchmarks_results" / "transfer_bo_tuning_nb201"
RUNS = RESULTS / "runs"
EVAL = "ImageNet16-120"
SOURCES = "nb201:cifar10,nb201:cifar100"
META_SEED = 100
FIRST_SEED = 100
AT = (10, 20, 50)


def meta_predictor(gen: ArchitectureGenerator, bench: NB201Benchmark) -> TrainedMetaPredictor:
    path = CACHE / f"meta_s{META_SEED}.pt"
    if path.exists():
        return TrainedMetaPredictor.load(path, gen.space)
    trained = build_meta_predictor([SOURCES], gen, "class-names", MetaPredictorConfig(), META_SEED, bench,
                                   target=EVAL, progress=True)
    trained.save(path, overwrite=True)
    return trained


def summarise(runs: list[dict[str, Any]], optimum: float) -> dict[str, Any]:
    """Queries to the optimum (median, reached) and mean best after AT queries (a run that
    stopped at the optimum keeps it)."""
    reached = [r["to_optimum"] for r in runs if r["to_optimum"] is not None]
    best = {str(k): float(np.mean([max(r["values"][:k]) if r["to_optimum"] is None or r["to_optimum"] > k
                                   else optimum for r in runs])) for k in AT}
    return {"seeds": len(runs), "reached": len(reached),
            "median_to_optimum": float(np.median([r["to_optimum"] or BO_BUDGET + 1 for r in runs])),
            "to_optimum": [r["to_optimum"] for r in runs], "mean_best_after": best,
            "seconds_per_run": float(np.mean([r["seconds"] for r in runs]))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=at_least(1), default=10)
    ap.add_argument("--candidates", default=",".join(CANDIDATES_FROM),
                    help="comma-separated candidate sources to run (the tables cover every source's finished runs)")
    ap.add_argument("--cached-only", action="store_true",
                    help="run nothing: tabulate each variant over its finished runs (a partial sweep)")
    args = ap.parse_args()
    chosen = [c for c in args.candidates.split(",") if c]
    unknown = sorted(set(chosen) - set(CANDIDATES_FROM))
    if unknown:
        ap.error(f"unknown candidate source(s) {', '.join(unknown)}; choose from {', '.join(CANDIDATES_FROM)}")
    torch.set_num_threads(1)  # 2 shared cores: more threads only spin
    bench = NB201Benchmark.load()
    gen = ArchitectureGenerator.load("nb201")
    CACHE.mkdir(parents=True, exist_ok=True)
    RUNS.mkdir(parents=True, exist_ok=True)
    transfer = prepare(EVAL, meta_predictor(gen, bench), gen, bench)
    optimum = bench.best(EVAL)[1]
    seeds = list(range(FIRST_SEED, FIRST_SEED + args.seeds))
    rows = {}
    for source in CANDIDATES_FROM:
        opt = transfer_bo(transfer, predictor_steps=TBO_PREDICTOR_STEPS, candidates_from=source)
        if not args.cached_only and source in chosen:
            for s in tqdm(seeds, desc=source):
                cached_json(RUNS / f"{source}_{s}.json",
                            lambda s=s: {**search_run(lambda bb, b: opt.run(bb, b, s), bench, EVAL, BO_BUDGET),  # noqa: B023
                                         "machine": machine()})
        runs = [read_json(p) for s in seeds if (p := RUNS / f"{source}_{s}.json").exists()]
        if runs:
            rows[source] = summarise(runs, optimum)
    res = {"protocol": __doc__, "target": EVAL, "sources": SOURCES, "optimum": optimum, "seeds": seeds,
           "meta_seed": META_SEED, "spearman": transfer.spearman(), "rows": rows,
           "data_sha256": bench.checksum, "package": __version__, "torch": torch.__version__,
           "machine": f"{platform.machine()}, python {sys.version.split()[0]}"}
    write_text_atomic(f"{RESULTS}.json", to_json(res))
    lines = ["# Transfer-BO: where the candidates come from (tuning on ImageNet16-120)", "",
             f"Produced by `python benchmarks/transfer_bo_tuning_nb201.py` (package {__version__}, torch "
             f"{torch.__version__}, 1 torch thread).", "", "```", __doc__.strip(), "```", "",
             f"Optimum {optimum:.2f}; the meta-predictor's Spearman on {EVAL}: {res['spearman']:.3f}.", "",
             "Rows: the seeds each variant finished (column 'reached' gives n).", "",
             "| candidates_from | queries to optimum (median; budget+1 if not reached) | reached | "
             + " | ".join(f"mean best after {k}" for k in AT) + " | s / run |",
             "|---|---|---|" + "---|" * len(AT) + "---|"]
    for source, r in rows.items():
        lines.append(f"| {source} | {r['median_to_optimum']:g} | {r['reached']}/{r['seeds']} | "
                     + " | ".join(f"{r['mean_best_after'][str(k)]:.2f}" for k in AT) + f" | {r['seconds_per_run']:.1f} |")
    lines += ["", "Per seed (queries to the optimum, None: not within the budget): "
              + "; ".join(f"{s}: {r['to_optimum']}" for s, r in rows.items())]
    write_text_atomic(f"{RESULTS}.md", "\n".join(lines) + "\n")
    print("\n".join(lines[-len(rows) - 4:]))


if __name__ == "__main__":
    main()
