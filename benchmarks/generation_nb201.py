"""Generation quality and throughput of the NB201 score network (issue: core).

Protocol
- Models: trained by ``ArchitectureGenerator.train`` with configs/nb201.yaml on (a) all 15,625
  cells and (b) a seeded 50 % split (the paper's novelty protocol), each with and without
  positional embedding. The full-space model with positional embedding is the shipped
  checkpoint (naslib_diffusionnag/pretrained/nb201.pt); the others are trained here (cached
  in benchmarks/.cache/, so a re-run resumes).
- Metrics (official definitions): validity = valid / samples (per-entry 0.5 threshold, no
  argmax); uniqueness = distinct valid strings / valid; novelty = distinct valid strings
  not in the training split / distinct valid. 1,000 samples per seed, seeds 0-4, default
  sampler (40 predictor-corrector steps).
- Reference: uniform sampling of the space with the same sample sizes and seeds.
- Throughput: 1,000 samples with the shipped model for several step counts, median wall time
  of 3 runs after one warm-up, on this machine's CPU with torch's default threads.

Run: python benchmarks/generation_nb201.py  ->  benchmarks_results/generation_nb201.{json,md}
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from naslib_diffusionnag import __version__
from naslib_diffusionnag.argtypes import at_least
from naslib_diffusionnag.diffusion import DiffusionConfig, SamplerConfig
from naslib_diffusionnag.generation import (
    ArchitectureGenerator,
    generation_metrics,
    pretrained_path,
    training_split,
)
from naslib_diffusionnag.resultsio import write_json_atomic
from naslib_diffusionnag.spaces import get_space

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache"
OUT = ROOT / "benchmarks_results"
SEEDS = range(5)
N = 1000
ANCHORS = {  # literature values, as reported (see ../shared/design/diffusionnag-method.md, sec. 8)
    "DiffusionNAG official (reported)": {"validity": 98.97, "uniqueness": 98.70, "novelty": 49.20},
    "PNAG (reported)": {"validity": 100.0, "uniqueness": 99.70, "novelty": 59.34},
}


def model_for(fraction: float, positional: bool) -> tuple[ArchitectureGenerator, str]:
    if fraction == 1.0 and positional:
        return ArchitectureGenerator.load("nb201"), str(pretrained_path("nb201").relative_to(ROOT))
    path = CACHE / f"nb201_split{fraction}_pos{int(positional)}.pt"
    if not path.exists():
        cfg = DiffusionConfig.from_yaml(ROOT / "configs" / "nb201.yaml")
        cfg = cfg.with_overrides(model={"positional": positional})
        ArchitectureGenerator.train(get_space("nb201"), cfg, fraction=fraction).save(path)
    return ArchitectureGenerator.load("nb201", path), str(path.relative_to(ROOT))


def mean_std(values: list[float]) -> dict[str, float]:
    return {"mean": 100 * statistics.mean(values), "std": 100 * statistics.pstdev(values)}


def quality(gen: ArchitectureGenerator) -> dict[str, dict[str, float]]:
    train = gen.training_archs()
    runs = [generation_metrics(gen.sample(N, s).archs, train) for s in SEEDS]
    return {k: mean_std([r[k] for r in runs]) for k in ("validity", "uniqueness", "novelty")}


def uniform(fraction: float) -> dict[str, dict[str, float]]:
    space = get_space("nb201")
    train = set(training_split(space, fraction, 0)[0])
    runs = [generation_metrics(space.sample(N, np.random.default_rng(s)), train) for s in SEEDS]
    return {k: mean_std([r[k] for r in runs]) for k in ("validity", "uniqueness", "novelty")}


def throughput(gen: ArchitectureGenerator, steps: list[int]) -> list[dict[str, float]]:
    rows = []
    for st in steps:
        cfg = SamplerConfig(steps=st)
        gen.sample(N, 100, cfg)  # warm-up
        runs = [gen.sample(N, 100 + r, cfg) for r in range(3)]
        secs = statistics.median(r.seconds for r in runs)
        valid = statistics.median(len(r.valid) for r in runs)
        rows.append({"steps": st, "nfe": cfg.nfe, "seconds_per_1000": secs,
                     "validity": 100 * valid / N, "valid_per_second": valid / secs})
    return rows


def to_markdown(res: dict) -> str:
    lines = [
        "# NB201 generation quality and throughput",
        "",
        f"Produced by `python benchmarks/generation_nb201.py` on {res['meta']['date']} "
        f"(package {res['meta']['package_version']}, torch {res['meta']['torch']}, "
        f"{res['meta']['cpu_threads']} CPU threads, {res['meta']['machine']}).",
        "",
        f"Protocol: {N} samples per seed, seeds {list(SEEDS)}, default sampler "
        f"({res['meta']['default_steps']} predictor-corrector steps, nfe "
        f"{2 * res['meta']['default_steps']}); validity by per-entry 0.5 threshold (no argmax); "
        "uniqueness = distinct valid / valid; novelty = distinct valid not in the training "
        "split / distinct valid. Mean ± std over seeds, in %. Models: configs/nb201.yaml.",
        "",
        "| model | training set | positional emb. | train s | validity | uniqueness | novelty |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in res["models"]:
        q = row["quality"]
        lines.append(
            f"| {row['checkpoint']} | {row['split']} | {'yes' if row['positional'] else 'no'} | "
            f"{row['train_seconds']:.0f} | "
            + " | ".join(f"{q[k]['mean']:.2f} ± {q[k]['std']:.2f}" for k in ("validity", "uniqueness", "novelty"))
            + " |")
    for name, q in res["uniform"].items():
        lines.append(f"| uniform sampling (reference) | {name} | – | – | "
                     + " | ".join(f"{q[k]['mean']:.2f} ± {q[k]['std']:.2f}" for k in ("validity", "uniqueness", "novelty"))
                     + " |")
    for name, a in ANCHORS.items():
        lines.append(f"| {name} | 50 % split | yes | – | {a['validity']:.2f} | {a['uniqueness']:.2f} | {a['novelty']:.2f} |")
    lines += [
        "",
        "Novelty on the full-space models is 0 by construction (every cell is in the training set). "
        "train s: wall time of `ArchitectureGenerator.train` (6,000 iterations) on this CPU.",
        "",
        "## Throughput (shipped model, 1,000 samples, median of 3 runs)",
        "",
        "| sampler steps | nfe | seconds / 1,000 samples | validity % | valid archs / s |",
        "|---|---|---|---|---|",
    ]
    for t in res["throughput"]:
        lines.append(f"| {t['steps']} | {t['nfe']} | {t['seconds_per_1000']:.2f} | {t['validity']:.1f} | "
                     f"{t['valid_per_second']:.0f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=at_least(1), nargs="+", default=[10, 20, 40, 100])
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    models = []
    for fraction in (1.0, 0.5):
        for positional in (True, False):
            gen, ckpt = model_for(fraction, positional)
            models.append({"checkpoint": ckpt, "split": "all 15,625" if fraction == 1 else "50 % (seed 0)",
                           "fraction": fraction, "positional": positional,
                           "train_seconds": gen.metadata["train_seconds"], "quality": quality(gen)})
            print(json.dumps(models[-1]), flush=True)
    shipped = ArchitectureGenerator.load("nb201")
    res = {
        "meta": {"date": time.strftime("%Y-%m-%d"), "package_version": __version__,
                 "torch": str(torch.__version__), "cpu_threads": torch.get_num_threads(),
                 "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                 "n_samples": N, "seeds": list(SEEDS), "default_steps": shipped.config.sampler.steps},
        "models": models,
        "uniform": {"all 15,625": uniform(1.0), "50 % (seed 0)": uniform(0.5)},
        "anchors": ANCHORS,
        "throughput": throughput(shipped, args.steps),
    }
    OUT.mkdir(exist_ok=True)
    write_json_atomic(OUT / "generation_nb201.json", res, indent=2)
    (OUT / "generation_nb201.md").write_text(to_markdown(res))
    print(to_markdown(res))


if __name__ == "__main__":
    main()
