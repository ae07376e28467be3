"""Choosing the meta-predictor's training settings without looking at the transfer targets.

Protocol: the transfer benchmark (transfer_nb201.py) reports CIFAR-10 and CIFAR-100 as targets,
so its settings are chosen here on ImageNet16-120, which it never reports as a target:
meta-train on ONE source table (CIFAR-10's or CIFAR-100's, all 15,625 cells; class-name
descriptors; meta-training seed 100, never a reported seed), then rank all 15,625 cells for
ImageNet16-120 and score that ranking against ImageNet16-120's own table (NB201 200-epoch test
accuracy, ../shared/data/nb201/nats_bench.csv): true accuracy of the predicted top 1, best of the
top 10, the optimum's position in the ranking, Spearman. Settings (MetaPredictorConfig):
the architecture ``encoder`` (the directed GCN or an MLP on the flattened operator matrix) and
its ``hidden`` width, ``steps``, ``batch_size``, ``noise_power`` (t = u ** p: more low-noise training inputs) and
``top_weight`` (loss weight 1 + w * max(z, 0): the good cells' errors cost more) and the
``label_transform`` regressed per source table (z-scores or normal scores of the ranks), and
``rank_weight`` (a pairwise ranking term beside the squared error, pairs within a task). Each finished run is
cached under benchmarks/.cache/transfer_tuning_nb201/, so an interrupted sweep resumes.

Run: python benchmarks/transfer_tuning_nb201.py
"""
from __future__ import annotations

import json
import platform
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from naslib_diffusionnag import __version__
from naslib_diffusionnag.argtypes import parse_no_arguments
from naslib_diffusionnag.generation import ArchitectureGenerator
from naslib_diffusionnag.oracles import NB201Benchmark
from naslib_diffusionnag.resultsio import to_json, write_text_atomic
from naslib_diffusionnag.transfer import MetaPredictorConfig, build_meta_predictor, prepare

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache" / "transfer_tuning_nb201"
RESULTS = ROOT / "benchmarks_results" / "transfer_tuning_nb201"
EVAL = "ImageNet16-120"
SOURCES = ("nb201:cifar10", "nb201:cifar100")
SEED = 100
# (encoder, hidden, steps, batch_size, noise_power, top_weight, label_transform[, rank_weight
# (default 0)]); the first is the package's former default
Z, NS = "zscore", "normal_scores"
GRID = (("gcn", 64, 600, 128, 1.0, 0.0, Z), ("gcn", 64, 600, 128, 2.0, 0.0, Z), ("gcn", 64, 600, 128, 1.0, 2.0, Z),
        ("gcn", 64, 600, 128, 2.0, 2.0, Z), ("gcn", 64, 600, 128, 3.0, 4.0, Z), ("gcn", 64, 1500, 128, 2.0, 2.0, Z),
        ("gcn", 64, 3000, 128, 3.0, 2.0, Z), ("gcn", 64, 600, 128, 1.0, 0.0, NS),
        ("mlp", 64, 600, 128, 1.0, 0.0, Z), ("mlp", 128, 1500, 128, 1.0, 0.0, Z), ("mlp", 128, 1500, 256, 1.0, 0.0, Z),
        ("mlp", 128, 3000, 256, 1.0, 0.0, Z), ("mlp", 128, 1500, 256, 1.0, 0.0, NS), ("mlp", 128, 3000, 256, 1.0, 0.0, NS),
        ("mlp", 128, 1500, 256, 1.0, 0.0, NS, 1.0), ("mlp", 128, 1500, 256, 1.0, 0.0, NS, 3.0))
KEYS = ("encoder", "hidden", "steps", "batch_size", "noise_power", "top_weight", "label_transform", "rank_weight")


def _full(setting: tuple[Any, ...]) -> tuple[Any, ...]:
    return setting + (0.0,) * (len(KEYS) - len(setting))


def run(source: str, setting: tuple[Any, ...], gen: ArchitectureGenerator, bench: NB201Benchmark) -> dict[str, Any]:
    # the name lists the setting as written in GRID (runs from before rank_weight keep their names)
    path = CACHE / f"{source.replace(':', '_')}_{'_'.join(f'{v:g}' if isinstance(v, float) else str(v) for v in setting)}_s{SEED}.json"
    setting = _full(setting)
    if path.exists():
        return {"rank_weight": 0.0, **json.loads(path.read_text())}
    config = MetaPredictorConfig(**dict(zip(KEYS, setting, strict=True)))
    trained = build_meta_predictor([source], gen, "class-names", config, SEED, bench, target=EVAL)
    transfer = prepare(EVAL, trained, gen, bench)
    ranking = transfer.exhaustive_top(len(bench.archs))
    truth = bench.query_many(ranking, EVAL)
    best_arch = bench.best(EVAL)[0]
    out = {"source": source, **dict(zip(KEYS, setting, strict=True)), "seed": SEED,
           "top1": float(truth[0]), "top10_best": float(truth[:10].max()),
           "optimum_rank": ranking.index(best_arch) + 1, "spearman": transfer.spearman(),
           "meta_train_seconds": trained.metadata["train_seconds"]}
    CACHE.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, to_json(out) + "\n")
    return out


def main() -> None:
    parse_no_arguments(__doc__)
    torch.set_num_threads(1)  # 2 shared cores
    bench = NB201Benchmark.load()
    gen = ArchitectureGenerator.load("nb201")
    rows = [run(src, setting, gen, bench) for setting in tqdm(GRID, desc="settings") for src in SOURCES]
    optimum = bench.best(EVAL)[1]
    head = (f"# Meta-predictor settings chosen on ImageNet16-120 (not a reported target)\n\nProduced by "
            f"`python benchmarks/transfer_tuning_nb201.py` (package {__version__}, torch {torch.__version__}, "
            f"{platform.machine()}, 1 torch thread, 2 CPU cores shared with other jobs).\n\n```\n{__doc__.strip()}\n```\n\n"
            f"ImageNet16-120 optimum: {optimum:.2f}; metric: {bench.metric[EVAL]} (sha256 {bench.checksum[:12]}…).\n\n")
    lines = ["| source table | encoder | hidden | steps | batch | noise_power | top_weight | labels | rank_weight | top-1 | "
             "best of top 10 | optimum's rank | Spearman | meta-train s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['source']} | {r['encoder']} | {r['hidden']} | {r['steps']} | {r['batch_size']} | {r['noise_power']:g} | "
                     f"{r['top_weight']:g} | {r['label_transform']} | {r['rank_weight']:g} | {r['top1']:.2f} | {r['top10_best']:.2f} | {r['optimum_rank']} | "
                     f"{r['spearman']:.3f} | {r['meta_train_seconds']:.0f} |")
    grid = [_full(s) for s in GRID]
    score = {s: np.mean([r["top10_best"] + r["top1"] for r in rows if tuple(r[k] for k in KEYS) == s]) for s in grid}
    chosen = max(grid, key=lambda s: score[s])
    lines += ["", "Chosen (largest top-1 + best-of-top-10, averaged over both source tables): "
              + ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in zip(KEYS, chosen, strict=True)) + "."]
    write_text_atomic(f"{RESULTS}.md", head + "\n".join(lines) + "\n")
    write_text_atomic(f"{RESULTS}.json", to_json({"rows": rows, "chosen": dict(zip(KEYS, chosen, strict=True))}, indent=1) + "\n")
    print("\n".join(lines), file=sys.stderr)


if __name__ == "__main__":
    main()
