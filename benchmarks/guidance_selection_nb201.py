"""How the default guidance settings were chosen: a grid on held-out seeds 100-109.

guidance_nb201.py reports seeds 0-9 with the settings of ``guidance.default_guidance``; this
script is the selection those settings must survive, on seeds that report never uses. Same
protocol as guidance_nb201.py (its run functions are reused: NB201 200-epoch test accuracy from
../shared/data/nb201/nats_bench.csv, shipped nb201.pt with 40 PC steps, K = 100 labelled cells
drawn with numpy.default_rng(seed), 100 distinct generated cells per run), CIFAR-10 only.

Rules, fixed before the grid was run:
- accuracy (objective max): the (labels, schedule) with the highest (mean + top-5 mean) / 2 of
  the 100 generated cells, averaged over seeds;
- latency budget (cifar10 accuracy up + latency under the 30th-percentile budget, on pixel3 and
  raspi4): among settings keeping >= 90 % of generated cells within budget on both devices, the
  highest in-budget mean accuracy averaged over the two devices.

Each finished run is cached in benchmarks/.cache/guidance_selection_nb201/. Run:
    python benchmarks/guidance_selection_nb201.py
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from guidance_nb201 import DEVICES, mean_over, run_accuracy, run_budget
from tqdm import tqdm

from naslib_diffusionnag import __version__
from naslib_diffusionnag.argtypes import parse_no_arguments
from naslib_diffusionnag.generation import ArchitectureGenerator
from naslib_diffusionnag.guidance import default_guidance
from naslib_diffusionnag.oracles import NB201Benchmark
from naslib_diffusionnag.oracles.nb201_properties import nb201_property
from naslib_diffusionnag.resultsio import cached_json, write_json_atomic

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache" / "guidance_selection_nb201"
OUT = ROOT / "benchmarks_results"
SEEDS = list(range(100, 110))
LABELS = ("normal_scores", "zscore")
SCHEDULES = ([100.0, 50.0, 25.0], [50.0, 25.0, 10.0], [50.0], [10.0])
BUDGET_SCHEDULE = {"normal_scores": [50.0, 25.0, 10.0], "zscore": [100.0, 50.0, 25.0]}
WEIGHTS = (1.0, 3.0, 6.0)
MIN_WITHIN = 0.90


def slug(scales: list[float]) -> str:
    return "-".join(f"{s:g}" for s in scales)


def main() -> None:
    parse_no_arguments(__doc__)
    CACHE.mkdir(parents=True, exist_ok=True)
    gen = ArchitectureGenerator.load("nb201")
    bench = NB201Benchmark.load()
    tables = {"accuracy:cifar10": nb201_property("accuracy:cifar10", bench)}
    tables.update({f"latency:{d}": nb201_property(f"latency:{d}", bench) for d in DEVICES})
    budgets = {d: float(np.quantile(tables[f"latency:{d}"].values, 0.3)) for d in DEVICES}

    acc_grid = [(lb, sc) for lb in LABELS for sc in SCHEDULES]
    bud_grid = [(lb, w) for lb in LABELS for w in WEIGHTS]
    jobs = [(f"acc_{lb}_{slug(sc)}_s{s}",
             lambda lb=lb, sc=sc, s=s: run_accuracy(gen, tables, "cifar10", 100, s, sc, baselines=False, labels=lb))
            for lb, sc in acc_grid for s in SEEDS]
    jobs += [(f"budget_{lb}_w{w:g}_{d}_s{s}",
              lambda lb=lb, w=w, d=d, s=s: run_budget(gen, tables, d, s, budgets[d], lb, BUDGET_SCHEDULE[lb], w,
                                                  baseline=False))
             for lb, w in bud_grid for d in DEVICES for s in SEEDS]
    results = {name: cached_json(CACHE / f"{name}.json", fn) for name, fn in tqdm(jobs, desc="selection runs")}

    acc_rows = []
    for lb, sc in acc_grid:
        runs = [results[f"acc_{lb}_{slug(sc)}_s{s}"] for s in SEEDS]
        row = {"labels": lb, "scales": sc, **{k: mean_over(runs, "guided", k) for k in ("mean", "top5_mean", "uniqueness")}}
        row["score"] = (row["mean"] + row["top5_mean"]) / 2
        acc_rows.append(row)
    bud_rows = []
    for lb, w in bud_grid:
        row: dict[str, Any] = {"labels": lb, "scales": BUDGET_SCHEDULE[lb], "weight": w}
        for d in DEVICES:
            runs = [results[f"budget_{lb}_w{w:g}_{d}_s{s}"] for s in SEEDS]
            row[d] = {"within_budget": mean_over(runs, "guided", "within_budget"),
                      "acc_in_budget_mean": mean_over(runs, "guided", "accuracy_in_budget", "mean")}
        row["eligible"] = all(row[d]["within_budget"] >= MIN_WITHIN for d in DEVICES)
        row["score"] = float(np.mean([row[d]["acc_in_budget_mean"] for d in DEVICES]))
        bud_rows.append(row)

    best_acc = max(acc_rows, key=lambda r: r["score"])
    eligible = [r for r in bud_rows if r["eligible"]]
    best_bud = max(eligible, key=lambda r: r["score"]) if eligible else None
    shipped_acc, shipped_bud = default_guidance(["max"]), default_guidance(["max", "budget"])
    res = {"meta": {"date": time.strftime("%Y-%m-%d"), "package_version": __version__, "torch": str(torch.__version__),
                    "threads": torch.get_num_threads(), "seeds": SEEDS, "budgets_ms": budgets,
                    "data": {k: {"source": t.source, "sha256": t.checksum, "metric": t.metric} for k, t in tables.items()}},
           "accuracy": acc_rows, "latency_budget": bud_rows,
           "selected": {"accuracy": {"labels": best_acc["labels"], "scales": best_acc["scales"]},
                        "latency_budget": None if best_bud is None else
                        {k: best_bud[k] for k in ("labels", "scales", "weight")}},
           "shipped": {"accuracy": {"labels": shipped_acc[0], "scales": list(shipped_acc[1])},
                       "latency_budget": {"labels": shipped_bud[0], "scales": list(shipped_bud[1])}}}
    write_json_atomic(OUT / "guidance_selection_nb201.json", res, indent=2)
    (OUT / "guidance_selection_nb201.md").write_text(to_markdown(res))
    print(to_markdown(res))


def to_markdown(res: dict[str, Any]) -> str:
    m, sel, ship = res["meta"], res["selected"], res["shipped"]
    lines = ["# Selecting the guidance defaults on held-out seeds (NB201, CIFAR-10, K = 100)", "",
             f"Produced by `python benchmarks/guidance_selection_nb201.py` on {m['date']} (package "
             f"{m['package_version']}, torch {m['torch']}, {m['threads']} CPU threads). Seeds {m['seeds'][0]}-"
             f"{m['seeds'][-1]}, never used by guidance_nb201.md (seeds 0-9). Values: NB201 200-epoch test accuracy "
             "(%) of the 100 distinct generated cells, averaged over seeds. Rules (fixed in advance, see the "
             "script): accuracy -> highest (mean + top-5) / 2; latency budget -> highest in-budget mean among "
             f"settings with >= {100 * MIN_WITHIN:.0f} % within budget on both devices.", "",
             "## Accuracy (objective max)", "",
             "| labels | scales | mean | top-5 | (mean + top-5) / 2 | uniqueness |", "|---|---|---|---|---|---|"]
    for r in res["accuracy"]:
        lines.append(f"| {r['labels']} | {slug(r['scales'])} | {r['mean']:.2f} | {r['top5_mean']:.2f} | "
                     f"{r['score']:.3f} | {100 * r['uniqueness']:.1f} % |")
    budgets = ", ".join(f"{d} {b:.2f} ms" for d, b in m["budgets_ms"].items())
    lines += ["", f"## Latency budget (30th percentile: {budgets})", "",
              "| labels (accuracy predictor) | scales | latency weight | " +
              " | ".join(f"{d} within | {d} in-budget mean" for d in DEVICES) + " | eligible | score |",
              "|---|---|---|" + "---|---|" * len(DEVICES) + "---|---|"]
    for r in res["latency_budget"]:
        cells = " | ".join(f"{100 * r[d]['within_budget']:.1f} % | {r[d]['acc_in_budget_mean']:.2f}" for d in DEVICES)
        lines.append(f"| {r['labels']} | {slug(r['scales'])} | {r['weight']:g} | {cells} | "
                     f"{'yes' if r['eligible'] else 'no'} | {r['score']:.2f} |")
    pick = sel["latency_budget"]
    lines += ["", "## Outcome", "",
              f"- accuracy: selected {sel['accuracy']['labels']} {slug(sel['accuracy']['scales'])}; "
              f"shipped default {ship['accuracy']['labels']} {slug(ship['accuracy']['scales'])}.",
              "- latency budget: " + ("no setting is eligible" if pick is None else
                                      f"selected {pick['labels']} {slug(pick['scales'])} weight {pick['weight']:g}") +
              f"; shipped default {ship['latency_budget']['labels']} {slug(ship['latency_budget']['scales'])} "
              "(the latency weight is the caller's; guidance_nb201 uses 3)."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
