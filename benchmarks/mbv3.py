"""MobileNetV3 / OFA benchmarks: (a) generation quality, (b) best predicted top-1 under a
Note10 latency budget, guided diffusion vs OFA's evolutionary search, (c) BO with the OFA
predictor as the black box: diffusion vs mutation vs random acquisition optimizers.

Protocol (all oracles offline from ../shared/data/mbv3, sha256 recorded in the output):
- accuracy = ImageNet top-1 (%) PREDICTED by OFA's published accuracy predictor at r = 224
  (a surrogate, not a measurement); latency = Samsung Note10 ms from OFA's per-layer tables
  (w1.2 network, r = 224). The resolution is fixed at 224 for every method (OFA's finder also
  searches it); at r = 224 no subnet is under 17.8 ms, so the budgets are 25/30/35/40 ms.
- (a) 1,000 samples per seed with the predictor-corrector sampler (1 Langevin step per step):
  40 and 100 steps x seeds 0-2, 300 and 1000 steps x seeds 0-9 (a 0.1 % invalid rate needs
  10,000 samples to resolve); validity, uniqueness, novelty against the checkpoint's training
  sample; uniform sampling for reference. Parts (b) and (c) sample with FAST_STEPS = 40.
- (b) per seed s and budget B, both methods get the same number of accuracy-oracle calls
  (CALLS = 1,000): diffusion labels K = 300 uniform subnets (seed s) with both oracles, fits one
  noise-aware predictor per property (seed s; z-scored labels), generates CALLS - K subnets
  guided by accuracy (max, weight 1) and latency (budget B, weight LAT_WEIGHT) with scales
  100/50/25, and queries the oracles on the valid ones; OFA's evolution (population 100, 25 % parents, 50 % mutants,
  p = 0.1) spends CALLS accuracy calls, redrawing infeasible subnets with the latency table.
  A second diffusion variant spends the CALLS - K generated subnets in ROUNDS = 4 rounds and
  refits both predictors on everything labelled so far before each round (a budget far below
  the uniform labels' range is out of reach of predictors fitted on those alone).
  Reported: best oracle top-1 among subnets within B, and wall time. OFA's evolution at its
  default 50,000 calls (100 x 500) is the reference line.
- (c) ``bananas`` (mutation), ``bo-random`` and ``diffusion-bo`` of ``naslib_diffusionnag.bo``
  (3-member surrogate ensemble, ITS, 10 initial, k 10, 100 candidates), black box = the OFA
  predictor at r = 224, 100 queries, seeds 0-9; incumbent at 40/60/80/100 queries.
Each run is cached in benchmarks/.cache/mbv3/<run>.json, so the script resumes.
Run: python benchmarks/mbv3.py [--checkpoint PATH (default: the shipped one)] [--seeds 10] [--parts a,b,c]
"""
from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from naslib_diffusionnag import __version__
from naslib_diffusionnag.bo import build_method
from naslib_diffusionnag.bo.evolution import OFAEvolution
from naslib_diffusionnag.bo.sweep import cpu_name
from naslib_diffusionnag.generation import ArchitectureGenerator, generation_metrics, pretrained_path
from naslib_diffusionnag.guidance import GuidanceTerm, Objective, PredictorConfig
from naslib_diffusionnag.oracles.properties import ArchProperty, draw_labels, space_property
from naslib_diffusionnag.resultsio import cached_json, write_json_atomic

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache" / "mbv3"
OUT = ROOT / "benchmarks_results"
R = 224
BUDGETS = (25.0, 30.0, 35.0, 40.0)
CALLS, K, LAT_WEIGHT, ROUNDS = 1000, 300, 3.0, 4
SCHEDULE = [100.0, 50.0, 25.0]
PREDICTOR = PredictorConfig(label_transform="zscore")  # the committed part (b) results regress z-scored labels
OFA_DEFAULT_CALLS = 50_000
BO_METHODS = ("bo-random", "bananas", "diffusion-bo")
BO_BUDGET, BO_AT = 100, (40, 60, 80, 100)


SAMPLER_STEPS = (40, 100)  # seeds 0-2
LONG_STEPS = (300, 1000)  # seeds 0-9: resolving a 0.1 % invalid rate needs 10,000 samples
FAST_STEPS = 40  # the sampler of parts (b) and (c): throughput matters there, and their results used it


def part_a(gen: ArchitectureGenerator, seed: int) -> dict[str, Any]:
    train = gen.training_archs()
    out: dict[str, Any] = {"uniform": generation_metrics(gen.space.sample(1000, np.random.default_rng(seed)), train)}
    for steps in SAMPLER_STEPS:
        made = gen.sample(1000, seed, gen.config.with_overrides(sampler={"steps": steps}).sampler)
        out[f"diffusion, {steps} steps"] = {**generation_metrics(made.archs, train), "seconds": made.seconds}
    return out


def part_a_long(gen: ArchitectureGenerator, steps: int, seed: int) -> dict[str, Any]:
    made = gen.sample(1000, seed, gen.config.with_overrides(sampler={"steps": steps}).sampler)
    return {**generation_metrics(made.archs, gen.training_archs()), "seconds": made.seconds,
            "samples": len(made.archs), "invalid": sum(a is None for a in made.archs)}


def part_b_diffusion(gen: ArchitectureGenerator, acc: ArchProperty, lat: ArchProperty, seed: int,
                     budget: float, rounds: int = 1) -> dict[str, Any]:
    """K uniform labels, then ``rounds`` rounds of guided generation; before each round both
    predictors are refitted on every subnet labelled so far (with one round: fitted on the K
    uniform labels only). Every valid, new subnet costs one call of each oracle."""
    start = time.perf_counter()
    fast = gen.config.with_overrides(sampler={"steps": FAST_STEPS}).sampler
    labelled, y_acc = draw_labels(acc, gen.space, K, np.random.default_rng(seed))
    labelled, y_lat = list(labelled), lat.evaluate(labelled)
    made_n = valid_n = new_n = new_inside = 0
    for r in range(rounds):
        terms = [GuidanceTerm(acc.name, gen.fit_predictor(labelled, y_acc, PREDICTOR, seed=seed + 7919 * r), Objective("max")),
                 GuidanceTerm(lat.name, gen.fit_predictor(labelled, y_lat, PREDICTOR, seed=seed + 7919 * r),
                              Objective("budget", budget), LAT_WEIGHT)]
        made = gen.sample_guided((CALLS - K) // rounds, seed + 7919 * r, terms, SCHEDULE, fast)
        seen = set(labelled)
        new = [a for a in dict.fromkeys(made.valid) if a not in seen]
        a, lt = acc.evaluate(new), lat.evaluate(new)
        labelled += new
        y_acc, y_lat = np.concatenate([y_acc, a]), np.concatenate([y_lat, lt])
        made_n, valid_n, new_n, new_inside = made_n + len(made.archs), valid_n + len(made.valid), \
            new_n + len(new), new_inside + int((lt <= budget).sum())
    inside = y_lat <= budget  # the K uniform labels count too
    return {"best": float(y_acc[inside].max()) if inside.any() else None, "accuracy_calls": len(labelled),
            "validity": valid_n / made_n, "within_budget_generated": new_inside / max(new_n, 1),
            "seconds": time.perf_counter() - start}


def part_b_evolution(acc: ArchProperty, lat: ArchProperty, seed: int, budget: float, calls: int) -> dict[str, Any]:
    start = time.perf_counter()
    res = OFAEvolution().run(acc.evaluate, lat.evaluate, budget, calls, seed)
    return {"best": res.best_value, "accuracy_calls": res.objective_calls,
            "latency_calls": res.constraint_calls, "seconds": time.perf_counter() - start}


def part_c(method: str, checkpoint: str, acc: ArchProperty, seed: int) -> dict[str, Any]:
    torch.set_num_threads(1)
    opt = build_method(method, "mbv3", {"sampler_steps": FAST_STEPS} if method == "diffusion-bo" else None,
                       checkpoint=checkpoint)
    start = time.perf_counter()
    traj = opt.run(lambda a: float(acc.evaluate([a])[0]), BO_BUDGET, seed)
    return {"incumbent": traj.incumbent(), "best_arch": traj.best()[0], "seconds": time.perf_counter() - start}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", default=None, help="MBv3 score-network checkpoint (default: the shipped one)")
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--parts", default="a,b,c")
    p.add_argument("--only", default="", help="run only the jobs whose name contains this (parallel runners)")
    args = p.parse_args()
    parts, seeds = set(args.parts.split(",")), list(range(args.seeds))
    CACHE.mkdir(parents=True, exist_ok=True)
    gen = ArchitectureGenerator.load("mbv3", args.checkpoint)
    checkpoint = str(args.checkpoint or pretrained_path("mbv3").relative_to(ROOT))
    acc, lat = space_property("mbv3", "accuracy", resolution=R), space_property("mbv3", "latency:note10", resolution=R)
    jobs: list[tuple[str, Callable[[], dict[str, Any]]]] = []
    if "a" in parts:
        jobs += [(f"a_s{s}", lambda s=s: part_a(gen, s)) for s in range(3)]
        jobs += [(f"a{st}_s{s}", lambda st=st, s=s: part_a_long(gen, st, s)) for st in LONG_STEPS for s in seeds]
    if "b" in parts:
        for b in BUDGETS:
            jobs += [(f"b_diff_{b:g}_s{s}", lambda b=b, s=s: part_b_diffusion(gen, acc, lat, s, b)) for s in seeds]
            jobs += [(f"b_diffr_{b:g}_s{s}", lambda b=b, s=s: part_b_diffusion(gen, acc, lat, s, b, ROUNDS))
                     for s in seeds]
            jobs += [(f"b_evo_{b:g}_s{s}", lambda b=b, s=s: part_b_evolution(acc, lat, s, b, CALLS)) for s in seeds]
            jobs += [(f"b_evo50k_{b:g}_s{s}", lambda b=b, s=s: part_b_evolution(acc, lat, s, b, OFA_DEFAULT_CALLS))
                     for s in seeds[:3]]
    if "c" in parts:
        jobs += [(f"c_{m}_s{s}", lambda m=m, s=s: part_c(m, checkpoint, acc, s)) for m in BO_METHODS for s in seeds]
    if args.only:
        todo = [(n, fn) for n, fn in jobs if args.only in n]
        for name, fn in tqdm(todo, desc=f"mbv3 runs matching {args.only!r}"):
            cached_json(CACHE / f"{name}.json", fn)
        return
    results = {name: cached_json(CACHE / f"{name}.json", fn) for name, fn in tqdm(jobs, desc="mbv3 runs")}
    meta = {"date": time.strftime("%Y-%m-%d"), "package_version": __version__, "torch": str(torch.__version__),
            "cpu": cpu_name(), "checkpoint": checkpoint, "seeds": seeds, "resolution": R,
            "default_sampler_steps": gen.config.sampler.steps,
            "accuracy": {"metric": acc.metric, "source": acc.source, "sha256": acc.checksum},
            "latency": {"metric": lat.metric, "source": lat.source, "sha256": lat.checksum}, "calls": CALLS, "labels": K,
            "latency_weight": LAT_WEIGHT, "schedule": SCHEDULE}
    res = {"meta": meta, "runs": results}
    write_json_atomic(OUT / "mbv3.json", res, indent=1)
    md = to_markdown(res, parts, seeds)
    (OUT / "mbv3.md").write_text(md)
    print(md)


def _ms(values: list[float]) -> str:
    v = np.asarray([x for x in values if x is not None], dtype=float)
    return f"{v.mean():.2f} ± {v.std():.2f} (n={len(v)})" if len(v) else "–"


def to_markdown(res: dict[str, Any], parts: set[str], seeds: list[int]) -> str:
    m, runs = res["meta"], res["runs"]
    gen_steps = m["default_sampler_steps"]
    lines = ["# MobileNetV3 / OFA: generation, latency-constrained search, BO", "",
             f"Produced by `python benchmarks/mbv3.py` (checkpoint {m['checkpoint']}) on {m['date']} ({m['cpu']}, "
             f"torch {m['torch']}). Protocol in the script's docstring. Accuracy = ImageNet top-1 (%) predicted by "
             f"OFA's accuracy predictor at r = {m['resolution']} (not measured); latency = Note10 look-up tables "
             "(w1.2, r = 224). Mean ± std over seeds.", ""]
    if "a" in parts:
        a = [runs[f"a_s{s}"] for s in range(3)]
        rows = {f"diffusion, {st} steps": [r[f"diffusion, {st} steps"] for r in a] for st in SAMPLER_STEPS}
        rows.update({f"diffusion, {st} steps": [runs[f"a{st}_s{s}"] for s in seeds] for st in LONG_STEPS})
        rows["uniform"] = [r["uniform"] for r in a]
        lines += ["## (a) Generation quality (1,000 samples per seed; PC sampler, 1 corrector step)", "",
                  "| sampler | seeds | validity % | invalid / samples | uniqueness % | novelty % | s per 1,000 |",
                  "|---|---|---|---|---|---|---|"]
        for name, rs in rows.items():
            secs = f"{np.mean([r['seconds'] for r in rs]):.1f}" if "seconds" in rs[0] else "–"
            invalid = round(sum((1 - r["validity"]) * 1000 for r in rs))
            lines.append(f"| {name} | {len(rs)} | {100 * np.mean([r['validity'] for r in rs]):.2f} | "
                         f"{invalid} / {1000 * len(rs)} | {100 * np.mean([r['uniqueness'] for r in rs]):.2f} | "
                         f"{100 * np.mean([r['novelty'] for r in rs]):.2f} | {secs} |")
        lines += ["", f"The shipped checkpoint samples with {gen_steps} steps by default (the 99.9 % validity target; "
                  f"the official N); parts (b) and (c) use {FAST_STEPS}. Invalid samples are counted, never repaired. "
                  "s per 1,000: wall time on 2 shared CPU cores (the 300/1000-step rows on 1 thread beside other "
                  "jobs), so compare rows only roughly.", ""]
    if "b" in parts:
        lines += [f"## (b) Best predicted top-1 within a Note10 latency budget ({m['calls']} accuracy-oracle calls)", "",
                  "| budget (ms) | diffusion guidance, 1 round | diffusion guidance, 4 refitted rounds | "
                  "OFA evolution (same calls) | OFA evolution (50,000 calls) | diffusion s (1 / 4 rounds) | "
                  "evolution s | generated within budget (1 / 4 rounds) | validity (1 / 4 rounds) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for b in BUDGETS:
            d = [runs[f"b_diff_{b:g}_s{s}"] for s in seeds]
            dr = [runs[f"b_diffr_{b:g}_s{s}"] for s in seeds]
            e = [runs[f"b_evo_{b:g}_s{s}"] for s in seeds]
            e50 = [runs[f"b_evo50k_{b:g}_s{s}"] for s in seeds[:3]]
            lines.append(f"| {b:g} | {_ms([r['best'] for r in d])} | {_ms([r['best'] for r in dr])} | "
                         f"{_ms([r['best'] for r in e])} | {_ms([r['best'] for r in e50])} | "
                         f"{np.mean([r['seconds'] for r in d]):.1f} / {np.mean([r['seconds'] for r in dr]):.1f} | "
                         f"{np.mean([r['seconds'] for r in e]):.1f} | "
                         f"{100 * np.mean([r['within_budget_generated'] for r in d]):.1f} / "
                         f"{100 * np.mean([r['within_budget_generated'] for r in dr]):.1f} % | "
                         f"{100 * np.mean([r['validity'] for r in d]):.1f} / {100 * np.mean([r['validity'] for r in dr]):.1f} % |")
        lines += ["", "n = seeds that found at least one subnet within the budget (the mean is over those); "
                  "'–': none did. Evolution's latency-table calls are not counted in the budget (it redraws "
                  "infeasible subnets through the table: about 113,000 draws per run at 25 ms, 5,600 at 30 ms (means over the seeds)). "
                  "Wall times were taken with 2-3 benchmark processes sharing 2 cores, 1 thread each.", ""]
    if "c" in parts:
        lines += ["## (c) BO with the OFA predictor as the black box (predicted top-1 of the incumbent)", "",
                  "| method | " + " | ".join(f"{q} queries" for q in BO_AT) + " | s / run |",
                  "|---|" + "---|" * (len(BO_AT) + 1)]
        for meth in BO_METHODS:
            rs = [runs[f"c_{meth}_s{s}"] for s in seeds]
            lines.append(f"| {meth} | " + " | ".join(_ms([r["incumbent"][q - 1] for r in rs]) for q in BO_AT)
                         + f" | {np.mean([r['seconds'] for r in rs]):.1f} |")
        lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
