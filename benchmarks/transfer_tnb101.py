"""Task-aware transfer on TransNAS-Bench-101 micro: does the few-shot meta-predictor beat a task-agnostic one?

On NB201 the three datasets rank cells almost alike (Spearman ~0.96), so a dataset-aware predictor
has nothing to learn from its task input (benchmarks_results/transfer_nb201.md, rows ii vs iii).
TransNAS-Bench-101's seven Taskonomy tasks rank the same cells differently (Spearman 0.02-0.85
between tasks): here a task input can matter, and this benchmark measures whether it does.

Protocol (values: NASLib's final-epoch validation metric of each task, ``val_accuracy`` of
../shared/data/transfer/transnas101_micro_naslib_zc.json, 711 of the space's 4,096 cells; sha256
recorded in the output; every metric is higher-is-better):
- Leave one task out: for each target task, the sources are the six other tasks' tables (the
  leakage guard refuses the target's own). Per seed s in 0..9, three seeds are spawned from s
  (``bo.seeds.spawn_seeds``): the probe draw, the meta-training seed and the random order.
- Every method first "trains" the same 10 probe cells on the target (distinct table cells drawn
  with the probe seed); it then trains k more cells in its own order, never a probe again. Best
  after 10 + k is the best value among the probes and those k cells; k in 1, 2, 5, 10, 20.
- Methods:
  few-shot meta-predictor: ``transfer.meta_train`` (MetaPredictorConfig defaults, chosen on NB201
    ImageNet16-120 by benchmarks/transfer_tuning_nb201.py; nothing tuned on this table) on the
    six sources with ``FewShot`` descriptors (the probes' z-scored values on each task), bound
    to the target's probes; ranks every table cell by its clean prediction (noise levels: the VE
    SDE's defaults, sigma 0.1-5.0, as for NB201; no score network is involved).
  task-agnostic meta-predictor: the same with the task input zeroed (``task_input="zero"``).
  source mean: the mean over the six sources of each cell's within-task z-score (no learning).
  probe-chosen source: the source table whose values correlate best (Spearman) with the
    target's on the 10 probes, its ranking copied.
  random (no transfer): the remaining cells in random order.
  reference, not a method: the single source table that ranks the target best (chosen knowing
    the target's whole table), its ranking copied.
- Columns: the table rank of the best cell found (1 = the table's best cell for that task, 711 =
  worst), mean ± 95 % CI over seeds (t quantile, n-1 dof; sd with ddof=1), and in how many seeds
  the table's best cell was found within 10 + 10; the ranking's Spearman with the target's
  values over all 711 cells (evaluation only), mean over seeds; meta-training seconds.
- Limit: only the 711 tabulated cells have values, so no generation is evaluated here (generated
  cells outside the table could not be "trained" offline); methods rank the table itself, the
  equivalent of transfer_nb201's exhaustive row (vi).
Each finished (target, seed) is written to benchmarks_results/transfer_tnb101/runs/ (committed; an
interrupted run resumes, and a re-run with no work left re-aggregates them).
Run: python benchmarks/transfer_tnb101.py [--seeds 10] [--first-seed 0] [--targets TASK ...]
"""
from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy.stats import spearmanr
from tqdm import tqdm

from naslib_diffusionnag import __version__
from naslib_diffusionnag.argtypes import at_least
from naslib_diffusionnag.bo.report import SPREAD, mean_ci
from naslib_diffusionnag.bo.seeds import spawn_seeds
from naslib_diffusionnag.bo.sweep import cpu_name
from naslib_diffusionnag.diffusion.config import SDEConfig
from naslib_diffusionnag.diffusion.sde import VESDE
from naslib_diffusionnag.guidance.labels import ZScore
from naslib_diffusionnag.oracles import TNB101_TASKS, TNB101Benchmark
from naslib_diffusionnag.resultsio import cached_json, read_json, write_json_atomic
from naslib_diffusionnag.transfer import (
    FewShot,
    MetaPredictorConfig,
    check_no_leakage,
    meta_train,
    parse_sources,
)
from naslib_diffusionnag.transfer.metadata import table_task
from naslib_diffusionnag.transfer.pipeline import predict_cells

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks_results" / "transfer_tnb101"
RUNS = RESULTS / "runs"
N_PROBES = 10
AFTER = (1, 2, 5, 10, 20)  # cells trained after the probes
METHODS = ("few-shot meta-predictor", "task-agnostic meta-predictor", "source mean", "probe-chosen source",
           "random (no transfer)", "reference: best single source (knows the target)")


def table_ranks(values: np.ndarray) -> np.ndarray:
    """Rank of each cell in the table (1 = best; ties share the better rank)."""
    return np.searchsorted(np.sort(-values), -values, side="left") + 1


def run_one(bench: TNB101Benchmark, target: str, seed: int, sde: VESDE) -> dict[str, Any]:
    """All methods for one target and seed (see the module docstring)."""
    probe_seed, meta_seed, order_seed = spawn_seeds(seed, 3)
    sources = [t for t in TNB101_TASKS if t != target]
    meta = parse_sources([f"tnb101:{t}" for t in sources], bench, bench.space.name)
    check_no_leakage(meta.tasks, target)
    shot = FewShot.draw(bench.space, bench, N_PROBES, probe_seed)
    probe_idx = np.array([bench.index(a) for a in shot.probes])
    truth = bench.column(target)
    scores: dict[str, np.ndarray] = {}
    seconds: dict[str, float] = {}
    target_set = shot(table_task(bench, target))
    for name, task_input in (("few-shot meta-predictor", "full"), ("task-agnostic meta-predictor", "zero")):
        trained = meta_train(meta, shot, bench.space, sde, MetaPredictorConfig(task_input=task_input), meta_seed)
        seconds[name] = trained.metadata["train_seconds"]
        task_set = target_set if task_input == "full" else torch.zeros_like(target_set)
        scores[name] = predict_cells(trained.model.bind(task_set), bench.space, sde, bench.archs)
    src = {t: bench.column(t) for t in sources}
    scores["source mean"] = np.mean([ZScore.fit(v).forward(v) for v in src.values()], axis=0)
    probe_rho = {t: float(spearmanr(v[probe_idx], truth[probe_idx]).statistic) for t, v in src.items()}
    chosen = max(sources, key=lambda t: np.nan_to_num(probe_rho[t], nan=-2.0))
    scores["probe-chosen source"] = src[chosen]
    scores["random (no transfer)"] = np.random.default_rng(order_seed).random(len(truth))
    full_rho = {t: float(spearmanr(v, truth).statistic) for t, v in src.items()}
    reference = max(sources, key=lambda t: full_rho[t])
    scores["reference: best single source (knows the target)"] = src[reference]
    ranks = table_ranks(truth)
    probe_best = truth[probe_idx].max()
    out: dict[str, Any] = {"target": target, "seed": seed, "spawned": {"probes": probe_seed, "meta": meta_seed,
                                                                         "order": order_seed},
                           "probes": shot.probes, "probe_best_rank": int(ranks[probe_idx].min()),
                           "chosen_source": chosen, "probe_spearman": probe_rho, "reference_source": reference,
                           "methods": {}}
    is_probe = np.zeros(len(truth), dtype=bool)
    is_probe[probe_idx] = True
    for name in METHODS:
        order = [i for i in np.argsort(-scores[name], kind="stable") if not is_probe[i]]
        found = np.maximum.accumulate(np.maximum(truth[order[:max(AFTER)]], probe_best))
        best_rank = {str(k): int(ranks[truth == found[k - 1]].min()) for k in AFTER}
        out["methods"][name] = {
            "best_rank_after": best_rank, "trained": [bench.archs[i] for i in order[:max(AFTER)]],
            "spearman": float(spearmanr(scores[name], truth).statistic) if name != "random (no transfer)" else None,
            "meta_train_seconds": seconds.get(name)}
    return out


def aggregate(bench: TNB101Benchmark, seeds: list[int], targets: list[str]) -> dict[str, Any]:
    per_target: dict[str, Any] = {}
    for target in targets:
        runs = [read_json(p) for s in seeds if (p := RUNS / f"{target}_s{s}.json").exists()]
        if not runs:
            continue
        rows = {}
        for name in METHODS:
            ms = [r["methods"][name] for r in runs]
            rows[name] = {
                "best_rank_after": {str(k): _mean_ci([m["best_rank_after"][str(k)] for m in ms]) for k in AFTER},
                "optimum_within_20": sum(m["best_rank_after"][str(max(AFTER))] == 1 for m in ms),
                "spearman": (float(np.mean([m["spearman"] for m in ms])) if ms[0]["spearman"] is not None else None),
                "meta_train_seconds": (float(np.mean([m["meta_train_seconds"] for m in ms]))
                                       if ms[0]["meta_train_seconds"] is not None else None)}
        per_target[target] = {"seeds": [r["seed"] for r in runs], "optimum": bench.best(target)[1],
                              "metric": bench.metric[target], "probe_best_rank": _mean_ci([r["probe_best_rank"] for r in runs]),
                              "chosen_sources": sorted({r["chosen_source"] for r in runs}),
                              "reference_source": runs[0]["reference_source"], "rows": rows}
    overall = {name: {str(k): float(np.mean([v["rows"][name]["best_rank_after"][str(k)]["mean"]
                                             for v in per_target.values()])) for k in AFTER} for name in METHODS}
    return {"per_target": per_target, "mean_over_targets": overall, "data": bench.provenance(),
            "meta": {"package": __version__, "torch": torch.__version__, "python": platform.python_version(),
                     "machine": cpu_name(), "torch_threads": torch.get_num_threads(),
                     "meta_config": MetaPredictorConfig().to_dict(), "n_probes": N_PROBES, "after": list(AFTER),
                     "spread": SPREAD}}


def _mean_ci(values: list[float]) -> dict[str, float | None]:
    mean, _, half = mean_ci(np.asarray(values, dtype=float))
    return {"mean": float(mean), "half": None if half is None else float(half)}


def _fmt(stat: dict[str, float | None]) -> str:
    return f"{stat['mean']:.1f}" if stat["half"] is None else f"{stat['mean']:.1f} ± {stat['half']:.1f}"


def to_markdown(res: dict[str, Any]) -> str:
    lines = ["# Task-aware transfer on TransNAS-Bench-101 micro (leave one task out)", "",
             f"Produced by `python benchmarks/transfer_tnb101.py` (package {res['meta']['package']}, torch "
             f"{res['meta']['torch']}, {res['meta']['machine']}, {res['meta']['torch_threads']} torch thread).", "",
             "```", (__doc__ or "").strip(), "```", "",
             f"Data: `{res['data']['source']}` (sha256 {res['data']['sha256'][:12]}…).", ""]
    head = ("| method | " + " | ".join(f"rank after 10+{k}" for k in AFTER)
            + " | table best within 10+20 | Spearman on target | meta-train s |")
    sep = "|---" * (len(AFTER) + 4) + "|"
    lines += ["## Mean over the seven targets (mean over seeds of the table rank of the best cell found)", "",
              "| method | " + " | ".join(f"10+{k}" for k in AFTER) + " |", "|---" * (len(AFTER) + 1) + "|"]
    for name, at in res["mean_over_targets"].items():
        lines.append(f"| {name} | " + " | ".join(f"{at[str(k)]:.1f}" for k in AFTER) + " |")
    for target, v in res["per_target"].items():
        lines += ["", f"## {target} ({v['metric']}; table best {v['optimum']:.4g}; seeds {v['seeds'][0]}-"
                      f"{v['seeds'][-1]}; best of the 10 probes alone: rank {_fmt(v['probe_best_rank'])})", "",
                  f"Probe-chosen sources: {', '.join(v['chosen_sources'])}; reference source: {v['reference_source']}.",
                  "", head, sep]
        for name, r in v["rows"].items():
            rho = "–" if r["spearman"] is None else f"{r['spearman']:.3f}"
            sec = "–" if r["meta_train_seconds"] is None else f"{r['meta_train_seconds']:.0f}"
            lines.append(f"| {name} | " + " | ".join(_fmt(r["best_rank_after"][str(k)]) for k in AFTER)
                         + f" | {r['optimum_within_20']}/{len(v['seeds'])} | {rho} | {sec} |")
    lines += ["", f"Rank: 1 = the table's best of 711 cells for the task; {SPREAD}.", ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--seeds", type=at_least(1), default=10, help="how many seeds")
    ap.add_argument("--first-seed", type=at_least(0), default=0,
                    help="seeds first..first+seeds-1; other than 0-9 the tables go to transfer_tnb101_s<a>-<b>.{md,json}")
    ap.add_argument("--targets", nargs="*", default=list(TNB101_TASKS), choices=TNB101_TASKS)
    args = ap.parse_args()
    torch.set_num_threads(1)  # 2 shared cores: more threads only spin
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    bench = TNB101Benchmark.load()
    sde = VESDE(SDEConfig())
    RUNS.mkdir(parents=True, exist_ok=True)
    for target in args.targets:
        for s in tqdm(seeds, desc=target):
            start = time.perf_counter()
            cached_json(RUNS / f"{target}_s{s}.json",
                        lambda: {**run_one(bench, target, s, sde), "seconds": time.perf_counter() - start})  # noqa: B023
    res = aggregate(bench, seeds, list(TNB101_TASKS))
    out = RESULTS if seeds == list(range(10)) else RESULTS.with_name(f"{RESULTS.name}_s{seeds[0]}-{seeds[-1]}")
    write_json_atomic(out.with_suffix(".json"), res, indent=1)
    out.with_suffix(".md").write_text(to_markdown(res))


if __name__ == "__main__":
    main()
