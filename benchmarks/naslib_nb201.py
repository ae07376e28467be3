"""NASLib's own optimizers vs DiffusionNAG's plugin optimizers, all through NASLib's Trainer.

Protocol: NAS-Bench-201; each run is one ``python -m naslib_diffusionnag.naslib.runner
--config-file configs/naslib_nb201.yaml optimizer O dataset D seed S`` (NASLib's default
budget: 100 queries, and its default BANANAS/NPENAS/RE/LS settings), all on the same
``dataset_api`` built from ../shared/data/nb201/nats_bench.csv, so the black box is the
200-epoch test accuracy (NASLib's VAL and TEST metrics both read it). The trajectory is
NASLib's ``errors.json`` ``test_acc`` (the incumbent's accuracy after each query).

Resumable: each finished run is converted to benchmarks_results/naslib_nb201/runs/<id>.json and
never redone; NASLib's working files go to benchmarks/.cache/naslib_nb201 (ignored). Runs go
seed by seed, fast optimizers first, so a partial sweep is balanced; the tables state the
seeds each cell has. ``--unseen-seeds 200,201,202`` runs those seeds on every dataset into
benchmarks_results/naslib_nb201/unseen_runs, tabled apart: seeds no setting was chosen on.
Usage:
    python benchmarks/naslib_nb201.py --workers 1 [--naslib-commit 0b51bc18]
    python benchmarks/naslib_nb201.py --optimizers diffusionnag,re --unseen-seeds 200,201,202
    python benchmarks/naslib_nb201.py --aggregate-only
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from naslib_diffusionnag.argtypes import at_least, choice_list, int_list
from naslib_diffusionnag.bo.report import aggregate, load_runs, plot, standing, to_markdown
from naslib_diffusionnag.bo.sweep import cpu_name
from naslib_diffusionnag.oracles import NB201Benchmark
from naslib_diffusionnag.resultsio import write_json_atomic

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "naslib_nb201.yaml"
RESULTS = ROOT / "benchmarks_results"
RUNS = RESULTS / "naslib_nb201" / "runs"
UNSEEN = RESULTS / "naslib_nb201" / "unseen_runs"
WORK = ROOT / "benchmarks" / ".cache" / "naslib_nb201"
FAST = ("rs", "re", "ls", "diffusionnag", "bananas_diffusion")
SLOW = ("bananas", "npenas")  # NASLib's graph cloning: minutes per run
DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
#: per-optimizer overrides of the config: local queries are diffusionnag's alone (bananas_diffusion,
#: whose queries NASLib's BANANAS chooses, refuses them), so the shared config keeps 0; and its
#: surrogate ensemble is 5, our BO default (bo_nb201.md), where NASLib's BANANAS and
#: bananas_diffusion keep the shared num_ensemble 3 of NASLib's defaults; and it switches to mutation
#: candidates after 10 queries without a new best (stall_switch, our default since it was chosen on
#: tuning seeds 100-119, bo_guide_nb201*_b150.md), and its surrogate regresses normal scores of the
#: labels' ranks (our BO methods' default, chosen on the same tuning seeds; bananas_diffusion keeps
#: the config's z-scores, its committed runs' setting)
OVERRIDES = {"diffusionnag": ["search.diffusion_local_queries", "3", "search.num_ensemble", "5",
                              "search.diffusion_stall_switch", "10",
                              "search.diffusion_surrogate_labels", "normal_scores"]}


def run_id(opt: str, dataset: str, seed: int) -> str:
    return f"{dataset}__{opt}__s{seed}"


def plan(optimizers: list[str], seeds: dict[str, list[int]]) -> list[tuple[str, str, int]]:
    """Fast optimizers for every seed first, then the slow ones, each seed by seed."""
    out = []
    order = sorted({s for ss in seeds.values() for s in ss})
    for group in ([o for o in optimizers if o in FAST], [o for o in optimizers if o not in FAST]):
        for seed in order:
            out += [(o, d, seed) for d in DATASETS if seed in seeds[d] for o in group]
    return out


def convert(opt: str, dataset: str, seed: int, naslib_commit: str | None) -> dict:
    """Our run record (the format ``bo.report`` aggregates) from NASLib's output files."""
    folder = WORK / "nasbench201" / dataset / opt / str(seed)
    info = json.loads((folder / "run_info.json").read_text())
    errors = json.loads((folder / "errors.json").read_text())
    incumbent = [float(v) for v in errors[1]["test_acc"]]
    info["naslib"]["commit_given"] = naslib_commit
    return {"spec": {"method": opt, "dataset": dataset, "seed": seed, "budget": len(incumbent)},
            "seconds": info["search_seconds"], "trajectory": {"incumbent": incumbent},
            "final_arch": info["final_arch"], "final_test_accuracy": info["final_test_accuracy"],
            "metric": info["dataset_api"]["metric"], "dataset_api": info["dataset_api"],
            "naslib": info["naslib"], "python": info["python"], "torch": info["torch"],
            "package_version": info["package_version"], "machine": {"cpu": cpu_name(), "cores": os.cpu_count()},
            "config_search": info["config"]["search"]}


def execute(opt: str, dataset: str, seed: int, naslib_commit: str | None, runs: Path) -> str:
    rid = run_id(opt, dataset, seed)
    folder = WORK / "nasbench201" / dataset / opt / str(seed)
    if not (folder / "run_info.json").exists():
        log = WORK / "logs" / f"{rid}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        cmd = [sys.executable, "-m", "naslib_diffusionnag.naslib.runner", "--config-file", str(CONFIG),
               "optimizer", opt, "dataset", dataset, "seed", str(seed), "out_dir", str(WORK), *OVERRIDES.get(opt, [])]
        with open(log, "w") as f:
            done = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        if done.returncode != 0:
            raise RuntimeError(f"{rid} failed (rc {done.returncode}); see {log}")
    write_json_atomic(runs / f"{rid}.json", convert(opt, dataset, seed, naslib_commit))
    return rid


def goal_lines(table: dict[str, Any], label: str) -> list[str]:
    """Issue 12's plugin goal: ``diffusionnag``'s mean at 100 queries >= NASLib's RE's."""
    lines = []
    for dataset, methods in table.items():
        ours, re_ = methods.get("diffusionnag"), methods.get("re")
        if ours and re_ and "100" in ours["at"] and "100" in re_["at"]:
            a, b = ours["at"]["100"]["mean"], re_["at"]["100"]["mean"]
            lines.append(f"- {label}, {dataset}: diffusionnag {a:.2f} ({ours['seeds']} seeds) vs re {b:.2f} "
                         f"({re_['seeds']} seeds): {'met' if a >= b else 'missed'}")
    return lines


def report(naslib_commit: str | None) -> str:
    bench = NB201Benchmark.load()
    runs = load_runs(RUNS)
    optima = {d: bench.best(d)[1] for d in DATASETS}
    table = aggregate(runs, optima)
    ours = next((r["config_search"] for r in runs if r["spec"]["method"] == "diffusionnag"), {})
    first = runs[0] if runs else {}
    meta = {
        "title": "NASLib's optimizers vs DiffusionNAG's plugin optimizers on NB201 (NASLib's Trainer)",
        "protocol": (
            "`python benchmarks/naslib_nb201.py`: every run is `python -m naslib_diffusionnag.naslib.runner "
            "--config-file configs/naslib_nb201.yaml optimizer O dataset D seed S` through NASLib's "
            f"`Trainer.search`/`evaluate` (NASLib {first.get('naslib', {}).get('commit_given') or naslib_commit}, "
            f"Python {first.get('python')}, torch {first.get('torch')}, 1 thread per run, {cpu_name()}). "
            "Budget 100 queries (NASLib's default `epochs`), NASLib's default settings for RE (30/10), LS "
            "(10 init), BANANAS and NPENAS (10 init, k 10, 3 x var_sparse_gp, ITS, 200 mutation candidates "
            "from 5 parents); `diffusionnag` and `bananas_diffusion` use the same num_init/k/"
            "acq_fn_type/num_candidates with the shipped NB201 checkpoint and guidance scales 100, 50, 25, "
            f"surrogate ranking weight {ours.get('diffusion_rank_weight', 0.0)} and, for `diffusionnag` only, "
            f"{ours.get('diffusion_local_queries', 0)} of each round's k queries on the incumbent's best-ranked "
            f"neighbours, a surrogate ensemble of {ours.get('num_ensemble', 3)} (`bananas_diffusion`: "
            "NASLib's num_ensemble, as BANANAS) and mutation candidates instead of generated ones after "
            f"{ours.get('diffusion_stall_switch', 0)} queries without a new best (0: never), its surrogate "
            f"regressing {ours.get('diffusion_surrogate_labels', 'zscore')} of the labels "
            "(settings chosen on tuning seeds 100-108 / 100-104 / 100-119 of our own BO harness, "
            "benchmarks_results/bo_guide_nb201*.md; each run file records its config). "
            "Black box: the dataset_api built from ../shared/data/nb201/nats_bench.csv, i.e. NB201 200-epoch "
            "TEST accuracy (NASLib's VAL and TEST metrics both read it; NASLib's own pickles would give "
            "cifar10-valid for cifar10), so numbers compare across these optimizers, not with published "
            "NASLib tables. Cells: mean over seeds of the incumbent's accuracy after q queries; "
            "'reached' counts seeds that reached the benchmark optimum; s / run is the median "
            "search wall time (runs shared 2 cores with 0-3 other jobs: compare orders of magnitude only). "
            "Seeds per cell are in the table (the sweep is resumable and may be partial)."),
    }
    ranks = standing(runs)
    md = to_markdown(table, optima, meta, ranks)
    goals = goal_lines(table, "seeds 0-9 / 0-4")
    out: dict[str, Any] = {"meta": meta, "optima": optima, "table": table, "standing": ranks}
    unseen = load_runs(UNSEEN) if UNSEEN.exists() else []
    if unseen:
        seeds = sorted({r["spec"]["seed"] for r in unseen})
        out["unseen_seeds"] = seeds
        out["unseen_table"], out["unseen_standing"] = aggregate(unseen, optima), standing(unseen)
        section = to_markdown(out["unseen_table"], optima, {
            "title": f"Unseen seeds {', '.join(map(str, seeds))} (same protocol; no setting was chosen on them)"},
            out["unseen_standing"])
        md += "\n" + section.replace("# Unseen", "## Unseen", 1).replace("\n## ", "\n### ")
        goals += goal_lines(out["unseen_table"], f"unseen seeds {', '.join(map(str, seeds))}")
    md += "\n## Plugin goal (issue 12): diffusionnag's mean at 100 queries >= NASLib's RE\n\n" + "\n".join(goals) + "\n"
    (RESULTS / "naslib_nb201.md").write_text(md)
    write_json_atomic(RESULTS / "naslib_nb201.json", out)
    plot(table, optima, RESULTS, "naslib_nb201")
    return md


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--optimizers", type=choice_list(FAST + SLOW), default=",".join(FAST + SLOW))
    p.add_argument("--seeds-cifar10", type=at_least(1), default=10)
    p.add_argument("--seeds-other", type=at_least(1), default=5)
    p.add_argument("--unseen-seeds", type=int_list(0), default=None, help="comma-separated seeds, run on every dataset into unseen_runs")
    p.add_argument("--workers", type=at_least(1), default=1)
    p.add_argument("--naslib-commit", default=None, help="record this NASLib commit (for installs without .git)")
    p.add_argument("--aggregate-only", action="store_true")
    args = p.parse_args()
    RUNS.mkdir(parents=True, exist_ok=True)
    if not args.aggregate_only:
        if args.unseen_seeds:
            runs_dir, extra = UNSEEN, args.unseen_seeds
            seeds = {d: extra for d in DATASETS}
        else:
            runs_dir = RUNS
            seeds = {"cifar10": list(range(args.seeds_cifar10)), "cifar100": list(range(args.seeds_other)),
                     "ImageNet16-120": list(range(args.seeds_other))}
        runs_dir.mkdir(parents=True, exist_ok=True)
        todo = [s for s in plan(args.optimizers, seeds) if not (runs_dir / f"{run_id(*s)}.json").exists()]
        start = time.time()
        with ThreadPoolExecutor(args.workers) as pool:
            futures = {pool.submit(execute, *s, args.naslib_commit, runs_dir): s for s in todo}
            for fut in tqdm(as_completed(futures), total=len(futures), desc="naslib runs"):
                try:
                    tqdm.write(f"{fut.result()} done ({time.time() - start:.0f} s into the sweep)")
                except RuntimeError as e:
                    tqdm.write(str(e))
    print(report(args.naslib_commit))


if __name__ == "__main__":
    main()
