"""Predictor guidance on NB201 against unguided generation and sample-then-filter.

Protocol (all values: NB201 200-epoch test accuracy from ../shared/data/nb201/nats_bench.csv,
latency from HELP's latency_help_27devices.csv; sha256 of both recorded in the output)
- Shipped score network (naslib_diffusionnag/pretrained/nb201.pt), default sampler (40 PC steps).
- For each seed s: K architectures drawn uniformly without replacement with
  numpy.default_rng(s) are the only labelled ones; a noise-aware directed-GCN predictor
  (default PredictorConfig: 600 steps, labels as normal scores) is fitted on them with seed s.
- guided: rounds of 100 samples until 100 distinct valid cells exist (the official generation
  loop), round r at scale SCHEDULE[r] = 50, 25, 10, then 10; the first 100 distinct are scored.
  The schedule was chosen on seeds 100-109 (cifar10, K = 100), not on the reported seeds 0-9;
  benchmarks/guidance_selection_nb201.py repeats that selection as a script.
- unguided: the same loop without guidance, same seed.
- filter: sample-then-filter at equal wall time: uniform random cells are scored by the same
  predictor in batches of 256 until the guided sampling time is spent (at least one batch);
  the 100 best-predicted distinct cells are kept.
- labelled: the K labelled cells themselves (what the user already has).
- Statistics: mean, std, max and top-5 mean over the 100 distinct cells; then mean over seeds.
  validity and uniqueness are over every sample drawn.
- Ablation (cifar10, K=100): fixed scale 50 (large), fixed 10 (small), decreasing 50/25/10.
- Latency budget (cifar10 accuracy up, weight 1, + latency under budget, default softness =
  half the latency label std; K=100 labelled cells for both predictors): budget = 30th
  percentile of the device's latency over the space. Default setting (default_guidance with a
  budget): z-scores for both predictors, scales 100/50/25, latency weight 3. Alternative: normal
  scores for the accuracy predictor, SCHEDULE, latency weight 6 (chosen on seeds 100-109, where
  it kept 93 % (pixel3) and 91 % (raspi4) of the guided cells within budget).
- Label transform: the K = 100 accuracy runs are repeated with z-scored labels and their
  schedule 100/50/25 (ZSCORE_SCHEDULE), same seeds.

Each finished run is written to benchmarks/.cache/guidance_nb201/<run>.json, so an interrupted
sweep resumes. Run: python benchmarks/guidance_nb201.py [--seeds 10]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from naslib_diffusionnag import __version__
from naslib_diffusionnag.argtypes import at_least
from naslib_diffusionnag.generation import ArchitectureGenerator
from naslib_diffusionnag.guidance import (
    GuidanceTerm,
    Objective,
    PredictorConfig,
    default_guidance,
    predict_clean,
)
from naslib_diffusionnag.metrics import generation_metrics, summary_stats
from naslib_diffusionnag.oracles import NB201Benchmark
from naslib_diffusionnag.oracles.nb201_properties import PropertyTable, nb201_property
from naslib_diffusionnag.oracles.properties import draw_labels
from naslib_diffusionnag.resultsio import cached_json, write_json_atomic

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache" / "guidance_nb201" / "v3"  # v3: normal scores, 100 distinct cells
OUT = ROOT / "benchmarks_results"
N = 100
SCHEDULE = [50.0, 25.0, 10.0]
ZSCORE_SCHEDULE = [100.0, 50.0, 25.0]
DATASETS = ["cifar10", "cifar100", "ImageNet16-120"]
KS = [50, 100, 200]
DEVICES = ["pixel3", "raspi4"]
LABELS = ("normal_scores", "zscore")  # the default for accuracy first
# latency-budget runs: (job prefix, accuracy predictor's labels, scales, latency weight); the
# latency predictor always regresses z-scores. First the default (default_guidance with a budget:
# z-scores, 100/50/25, weight 3), then normal scores for accuracy with its own schedule and a
# heavier latency weight (6, chosen on seeds 100-109).
BUDGET_SETTINGS = (("zscore_", *default_guidance(["max", "budget"]), 3.0), ("auto_w6_", "normal_scores", SCHEDULE, 6.0))


def stats(archs: list[str], table: PropertyTable) -> dict[str, float]:
    lookup = table.lookup()
    return summary_stats([lookup[a] for a in archs], [lookup[a] for a in set(archs)])


def sample_then_filter(gen: ArchitectureGenerator, predictor: Any, seconds: float, seed: int) -> tuple[list[str], int]:
    rng = np.random.default_rng(seed + 12345)
    scored: dict[str, float] = {}
    start = time.perf_counter()
    while not scored or time.perf_counter() - start < seconds:
        archs = gen.space.sample(256, rng)
        preds = predict_clean(predictor, gen.space.encode(archs), gen.sde)
        scored.update(zip(archs, preds.tolist(), strict=True))
        if len(scored) >= gen.space.size:
            break
    best = sorted(scored, key=scored.__getitem__, reverse=True)[:N]
    return best, len(scored)


def run_accuracy(gen, tables, dataset, k, seed, scales=SCHEDULE, baselines=True,
                 labels: str = LABELS[0]) -> dict[str, Any]:
    table = tables[f"accuracy:{dataset}"]
    archs, values = draw_labels(table, gen.space, k, np.random.default_rng(seed))
    t0 = time.perf_counter()
    pred = gen.fit_predictor(archs, values, PredictorConfig(label_transform=labels), seed=seed)
    fit_s = time.perf_counter() - t0
    guided = gen.sample_distinct(N, seed, [GuidanceTerm(table.name, pred, Objective("max"))], scales)
    out: dict[str, Any] = {"fit_seconds": fit_s, "guided": {**generation_metrics(guided.archs),
                           "seconds": guided.seconds, "samples": len(guided.archs),
                           **stats(guided.distinct[:N], table)}}
    if baselines:
        plain = gen.sample_distinct(N, seed, [], [0.0])
        out["unguided"] = {**generation_metrics(plain.archs), "seconds": plain.seconds,
                           "samples": len(plain.archs), **stats(plain.distinct[:N], table)}
        best, n_scored = sample_then_filter(gen, pred, guided.seconds, seed)
        out["filter"] = {"n_scored": n_scored, **stats(best, table)}
        out["labelled"] = stats(archs, table)
        scores = predict_clean(pred, gen.space.encode(table.archs), gen.sde)
        out["predictor_top100"] = stats([table.archs[i] for i in np.argsort(-scores)[:N]], table)
    return out


def run_budget(gen, tables, device, seed, budget, acc_labels: str, scales: list[float], weight: float,
               baseline: bool = True) -> dict[str, Any]:
    acc, lat = tables["accuracy:cifar10"], tables[f"latency:{device}"]
    archs, _ = draw_labels(acc, gen.space, 100, np.random.default_rng(seed))
    lookup_acc, lookup_lat = acc.lookup(), lat.lookup()
    p_acc = gen.fit_predictor(archs, [lookup_acc[a] for a in archs], PredictorConfig(label_transform=acc_labels), seed=seed)
    p_lat = gen.fit_predictor(archs, [lookup_lat[a] for a in archs], PredictorConfig(label_transform="zscore"), seed=seed)
    terms = [GuidanceTerm(acc.name, p_acc, Objective("max")),
             GuidanceTerm(lat.name, p_lat, Objective("budget", budget), weight)]
    out: dict[str, Any] = {}
    methods = {"guided": lambda: gen.sample_distinct(N, seed, terms, scales)}
    if baseline:
        methods["unguided"] = lambda: gen.sample_distinct(N, seed, [], [0.0])
    for name, sample in methods.items():
        gen_out = sample()
        cells = gen_out.distinct[:N]
        inside = [a for a in cells if lookup_lat[a] <= budget]
        out[name] = {"within_budget": len(inside) / max(len(cells), 1), "samples": len(gen_out.archs),
                     "accuracy_all": stats(cells, acc),
                     "accuracy_in_budget": stats(inside, acc) if inside else None}
    return out


def mean_over(runs: list[dict], *keys: str) -> float:
    vals = []
    for r in runs:
        for k in keys:
            r = r[k] if r is not None else None
        if r is not None:
            vals.append(r)
    return float(np.mean(vals)) if vals else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=at_least(1), default=10)
    args = parser.parse_args()
    seeds = list(range(args.seeds))
    CACHE.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(torch.get_num_threads())
    gen = ArchitectureGenerator.load("nb201")
    bench = NB201Benchmark.load()
    tables = {f"accuracy:{d}": nb201_property(f"accuracy:{d}", bench) for d in DATASETS}
    tables.update({f"latency:{d}": nb201_property(f"latency:{d}", bench) for d in DEVICES})
    budgets = {d: float(np.quantile(tables[f"latency:{d}"].values, 0.3)) for d in DEVICES}

    jobs = [(f"acc_{d}_K{k}_s{s}", lambda d=d, k=k, s=s: run_accuracy(gen, tables, d, k, s))
            for d in DATASETS for k in KS for s in seeds]
    ablation = {"fixed large (50)": [50.0], "fixed small (10)": [10.0], "decreasing (50, 25, 10)": SCHEDULE}
    jobs += [(f"abl_{i}_s{s}", lambda sc=sc, s=s: run_accuracy(gen, tables, "cifar10", 100, s, sc, baselines=False))
             for i, sc in enumerate(ablation.values()) for s in seeds]
    jobs += [(f"{prefix}budget_{d}_s{s}", lambda d=d, s=s, lb=lb, sc=sc, w=w: run_budget(gen, tables, d, s, budgets[d],
                                                                                     lb, sc, w))
             for prefix, lb, sc, w in BUDGET_SETTINGS for d in DEVICES for s in seeds]
    jobs += [(f"zscore_acc_{d}_K100_s{s}", lambda d=d, s=s: run_accuracy(gen, tables, d, 100, s, ZSCORE_SCHEDULE,
                                                                                label_transform="zscore"))
             for d in DATASETS for s in seeds]
    results = {name: cached_json(CACHE / f"{name}.json", fn) for name, fn in tqdm(jobs, desc="guidance runs")}

    def acc_row(prefix: str, d: str, k: int) -> dict[str, Any]:
        runs = [results[f"{prefix}acc_{d}_K{k}_s{s}"] for s in seeds]
        row = {"dataset": d, "K": k, "labels": prefix.rstrip("_") or LABELS[0],
               "optimum": float(tables[f"accuracy:{d}"].values.max())}
        for m in ("guided", "unguided", "filter", "labelled", "predictor_top100"):
            row[m] = {st: mean_over(runs, m, st) for st in ("mean", "top5_mean", "max", "std")}
        row["guided"]["validity"] = mean_over(runs, "guided", "validity")
        row["guided"]["uniqueness"] = mean_over(runs, "guided", "uniqueness")
        row["guided"]["samples"] = mean_over(runs, "guided", "samples")
        row["guided_seconds"] = mean_over(runs, "guided", "seconds")
        row["fit_seconds"] = mean_over(runs, "fit_seconds")
        row["filter_n_scored"] = mean_over(runs, "filter", "n_scored")
        row["per_seed_guided_mean"] = [r["guided"]["mean"] for r in runs]
        row["per_seed_guided_top5"] = [r["guided"]["top5_mean"] for r in runs]
        return row

    acc_rows = [acc_row("", d, k) for d in DATASETS for k in KS]
    label_rows = [acc_row(prefix, d, 100) for d in DATASETS for prefix in ("", "zscore_")]
    abl_rows = []
    for i, name in enumerate(ablation):
        runs = [results[f"abl_{i}_s{s}"] for s in seeds]
        abl_rows.append({"schedule": name, **{st: mean_over(runs, "guided", st) for st in
                                              ("mean", "top5_mean", "std", "validity", "uniqueness")}})
    bud_rows = []
    for prefix, labels, scales, weight in BUDGET_SETTINGS:
        for d in DEVICES:
            runs = [results[f"{prefix}budget_{d}_s{s}"] for s in seeds]
            lat, acc = tables[f"latency:{d}"].values, tables["accuracy:cifar10"].values
            row = {"device": d, "labels": labels, "scales": scales, "weight": weight, "budget_ms": budgets[d],
                   "best_in_budget": float(acc[lat <= budgets[d]].max())}
            for m in ("guided", "unguided"):
                row[m] = {"within_budget": mean_over(runs, m, "within_budget"),
                          "acc_in_budget_mean": mean_over(runs, m, "accuracy_in_budget", "mean"),
                          "acc_in_budget_top5": mean_over(runs, m, "accuracy_in_budget", "top5_mean"),
                          "acc_in_budget_max": mean_over(runs, m, "accuracy_in_budget", "max")}
            bud_rows.append(row)
    res = {"meta": {"date": time.strftime("%Y-%m-%d"), "package_version": __version__,
                    "torch": str(torch.__version__), "threads": torch.get_num_threads(), "seeds": seeds,
                    "n_generated": N, "schedule": SCHEDULE,
                    "data": {k: {"source": t.source, "sha256": t.checksum, "metric": t.metric}
                             for k, t in tables.items()}},
           "accuracy": acc_rows, "ablation": abl_rows, "latency_budget": bud_rows, "label_transform": label_rows}
    OUT.mkdir(exist_ok=True)
    write_json_atomic(OUT / "guidance_nb201.json", res, indent=2)
    (OUT / "guidance_nb201.md").write_text(to_markdown(res))
    print(to_markdown(res))


def to_markdown(res: dict[str, Any]) -> str:
    m = res["meta"]
    f = lambda x: f"{x:.2f}"  # noqa: E731
    lines = [
        "# Predictor guidance on NB201",
        "",
        f"Produced by `python benchmarks/guidance_nb201.py` on {m['date']} (package {m['package_version']}, "
        f"torch {m['torch']}, {m['threads']} CPU threads). Seeds {m['seeds'][0]}-{m['seeds'][-1]} "
        f"({len(m['seeds'])}); values are NB201 200-epoch test accuracy (%) from nats_bench.csv "
        f"(sha256 {m['data']['accuracy:cifar10']['sha256'][:12]}…), averaged over seeds. Protocol: see the "
        "docstring of the script. guided = rounds of 100 samples until 100 distinct valid cells "
        f"exist, scales {'/'.join(f'{k:g}' for k in m['schedule'])} then the last; unguided = the same "
        "loop unguided; filter = the same predictor ranking uniform random cells for the same wall time "
        "as guided sampling, best 100 kept; labelled = the K labelled cells. Statistics over the 100 "
        "distinct cells; validity and uniqueness over every sample drawn.",
        "",
        "## Accuracy guidance",
        "",
        "| dataset | K | guided mean | guided top-5 | guided max | unguided mean | unguided top-5 | "
        "filter mean | filter top-5 | labelled top-5 | guided validity | guided uniqueness | guided samples drawn | "
        "cells scored by filter | optimum |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in res["accuracy"]:
        g, u, fl, lab = r["guided"], r["unguided"], r["filter"], r["labelled"]
        lines.append(f"| {r['dataset']} | {r['K']} | {f(g['mean'])} | {f(g['top5_mean'])} | {f(g['max'])} | "
                     f"{f(u['mean'])} | {f(u['top5_mean'])} | {f(fl['mean'])} | {f(fl['top5_mean'])} | "
                     f"{f(lab['top5_mean'])} | {100 * g['validity']:.1f} % | {100 * g['uniqueness']:.1f} % | "
                     f"{g['samples']:.0f} | "
                     f"{r['filter_n_scored']:.0f} | {f(r['optimum'])} |")
    lines += ["", f"Mean wall time per run: predictor fit {np.mean([r['fit_seconds'] for r in res['accuracy']]):.1f} s, "
              f"guided generation of 100 distinct cells {np.mean([r['guided_seconds'] for r in res['accuracy']]):.2f} s.",
              "",
              "## Label transform (K = 100; same seeds, same labelled cells)", "",
              "What the predictor regresses: normal scores of the labels' ranks (the default, scales "
              f"{'/'.join(f'{k:g}' for k in m['schedule'])}) or z-scores (scales "
              f"{'/'.join(f'{k:g}' for k in ZSCORE_SCHEDULE)}). "
              "predictor's top-100 = the 100 cells of all 15,625 it predicts best (a diagnostic of the "
              "predictor alone, which no method here pays for).", "",
              "| dataset | labels | guided mean | guided top-5 | guided max | filter mean | filter top-5 | "
              "predictor's top-100 mean | its top-5 | guided uniqueness |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for r in res["label_transform"]:
        g, fl, pt = r["guided"], r["filter"], r["predictor_top100"]
        lines.append(f"| {r['dataset']} | {r['labels']} | {f(g['mean'])} | {f(g['top5_mean'])} | {f(g['max'])} | "
                     f"{f(fl['mean'])} | {f(fl['top5_mean'])} | {f(pt['mean'])} | {f(pt['top5_mean'])} | "
                     f"{100 * g['uniqueness']:.1f} % |")
    lines += ["", "## Guidance-strength ablation (cifar10, K = 100)", "",
              "| schedule | mean | top-5 | std of pool | validity | uniqueness |", "|---|---|---|---|---|---|"]
    for r in res["ablation"]:
        lines.append(f"| {r['schedule']} | {f(r['mean'])} | {f(r['top5_mean'])} | {f(r['std'])} | "
                     f"{100 * r['validity']:.1f} % | {100 * r['uniqueness']:.1f} % |")
    lines += ["", "## Accuracy under a latency budget (cifar10 accuracy up, weight 1; latency under budget; K = 100)",
              "",
              "| device | budget (ms, 30th pct.) | method | accuracy labels | scales | latency weight | share within budget | "
              "in-budget mean acc. | in-budget top-5 | in-budget max | best in-budget cell of the benchmark |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in res["latency_budget"]:
        for mth in ("guided", "unguided"):
            g = r[mth]
            if mth == "unguided" and r["labels"] != BUDGET_SETTINGS[0][1]:
                continue  # one unguided row per device: it depends on neither labels nor scales
            setting = (f"{r['labels']} | {'/'.join(f'{k:g}' for k in r['scales'])} | {r['weight']:g}"
                       if mth == "guided" else "- | - | -")
            lines.append(f"| {r['device']} | {r['budget_ms']:.2f} | {mth} | {setting} | {100 * g['within_budget']:.1f} % | "
                         f"{f(g['acc_in_budget_mean'])} | {f(g['acc_in_budget_top5'])} | {f(g['acc_in_budget_max'])} | "
                         f"{f(r['best_in_budget'])} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
