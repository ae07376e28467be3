"""MBv3 score networks compared on validity per sampler step count (issue 13, item 1: a network
that is >= 99.9 % valid at <= 100 steps).

Protocol: for each checkpoint (the shipped one first), 1,000 samples per seed with its own
predictor-corrector sampler (1 Langevin step per step) except for the step count, which is
varied; validity (share of samples that decode to an OFA subnet: at most one token per slot,
slots 0-1 of every stage active, no empty slot before an active one), uniqueness, novelty
against the checkpoint's training sample, wall time per 1,000. A 0.1 % invalid rate needs
10,000 samples to resolve, hence 10 seeds. Invalid samples are counted, never repaired.
Choose between networks on seeds 100-102 (``--seeds 100-102``), report seeds 0-9.
Each run is cached in benchmarks/.cache/mbv3_validity/<weights sha256[:12]>_<resolved sampler>_s<seed>.json:
keyed by the weights and the sampler actually used, so a checkpoint whose file differs only in
its default sampler shares the runs that setting already made.

    python benchmarks/mbv3_validity.py --checkpoints naslib_diffusionnag/pretrained/mbv3.pt,NEW.pt \
        [--steps 40,100] [--seeds 0-9] [--sampler snr=0.32 ...] [--out benchmarks_results/mbv3_validity]

The committed tables: `--checkpoints naslib_diffusionnag/pretrained/mbv3.pt --steps 90,100` (seeds 0-9;
two processes of 5 seeds each shared the 2 cores, so its times are 1 thread under load)
and `--checkpoints mbv3_former.pt,naslib_diffusionnag/pretrained/mbv3.pt --steps 100 --seeds 100-102
--sampler snr=0.16 --sampler snr=0.08 --sampler snr=0.32 --out benchmarks_results/mbv3_validity_select`,
and the timing table on an idle machine, `--checkpoints naslib_diffusionnag/pretrained/mbv3.pt --steps 100
--threads 2 --out benchmarks_results/mbv3_speed` (one process, nothing else running); mbv3_former.pt is `git show 4fc4801:naslib_diffusionnag/pretrained/mbv3.pt`.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from tqdm import tqdm

from naslib_diffusionnag import __version__
from naslib_diffusionnag.argtypes import at_least, int_list, seed_range
from naslib_diffusionnag.bo.sweep import cpu_name
from naslib_diffusionnag.diffusion import SamplerConfig
from naslib_diffusionnag.generation import ArchitectureGenerator
from naslib_diffusionnag.metrics import generation_metrics
from naslib_diffusionnag.oracles.paths import sha256
from naslib_diffusionnag.resultsio import cached_json, write_json_atomic

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache" / "mbv3_validity"
N = 1000


def weights_sha256(gen: ArchitectureGenerator) -> str:
    """sha256 of the network's tensors (name order): equal for equal weights, whatever else the file holds."""
    h = hashlib.sha256()
    for name, t in sorted(gen.model.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def sampler_tag(sampler: SamplerConfig) -> str:
    return "_".join(f"{k}{v}" for k, v in sorted(asdict(sampler).items()))


def run(gen: ArchitectureGenerator, train: set[str], sampler: SamplerConfig, seed: int) -> dict[str, Any]:
    load = os.getloadavg()[0]  # a busy machine makes the time meaningless: the table shows what it was
    made = gen.sample(N, seed, sampler)
    return {**generation_metrics(made.archs, train), "seconds": made.seconds,
            "invalid": sum(a is None for a in made.archs), "load_before": load}


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    invalid, n = sum(r["invalid"] for r in runs), sum(r["n"] for r in runs)
    return {"seeds": len(runs), "samples": n, "invalid": invalid, "validity": 1 - invalid / n,
            "uniqueness": float(np.mean([r["uniqueness"] for r in runs])),
            "novelty": float(np.mean([r["novelty"] for r in runs])),
            "seconds_per_1000": float(np.median([r["seconds"] for r in runs])),
            "seconds_max": float(np.max([r["seconds"] for r in runs])),
            "load_before_max": max((r["load_before"] for r in runs if "load_before" in r), default=None)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoints", required=True, help="comma-separated MBv3 checkpoint paths")
    p.add_argument("--steps", type=int_list(1), default="40,100", help="comma-separated sampler step counts")
    p.add_argument("--sampler", action="append", default=None,
                   help="other sampler settings, e.g. snr=0.32,corrector_steps=2; repeat for several variants "
                        "(each checkpoint runs with each; default: none)")
    p.add_argument("--seeds", type=seed_range, default="0-9", help="first-last (inclusive)")
    p.add_argument("--out", default=str(ROOT / "benchmarks_results" / "mbv3_validity"),
                   help="results prefix: writes PREFIX.json and PREFIX.md")
    p.add_argument("--threads", type=at_least(1), default=1,
                   help="torch threads: 1 when two processes share the 2 cores; 2 to time one process on an "
                        "idle machine (the issue's '1,000 samples in <= 30 s on 2 cores')")
    p.add_argument("--explicit-threads", action="store_true",
                   help="call torch.set_num_threads(--threads) even when it is torch's default already (runs "
                        "cached apart): whether the explicit call itself changes the time")
    args = p.parse_args()
    if args.threads != torch.get_num_threads() or args.explicit_threads:
        # only when it differs (unless asked): on the 2-core AMD EPYC an explicit set_num_threads(2) made torch
        # 2.13's CPU flash attention about twice as slow (1,000 samples in ~31 s instead of ~21 s), which a
        # user of the CLI, who leaves torch's default, never sees
        torch.set_num_threads(args.threads)
    seeds, steps = args.seeds, args.steps
    variants = [{k: yaml.safe_load(v) for k, v in (kv.split("=", 1) for kv in spec.split(",") if kv)}
                for spec in (args.sampler or [""])]
    CACHE.mkdir(parents=True, exist_ok=True)
    table: dict[str, Any] = {}
    for path in args.checkpoints.split(","):
        gen = ArchitectureGenerator.load("mbv3", path)
        digest, weights = sha256(path), weights_sha256(gen)
        train = gen.training_archs()  # rebuilt from the recorded split (100,000 draws): once per checkpoint
        for extra in variants:
            tag = "".join(f"_{k}{v}" for k, v in sorted(extra.items()))
            rows = {}
            for st in steps:
                sampler = gen.config.with_overrides(sampler={**extra, "steps": st}).sampler
                threads = ("" if args.threads == 1 else f"_threads{args.threads}")  # times differ, samples may too
                threads += "_explicit" if args.explicit_threads else ""
                runs = [cached_json(CACHE / f"{weights[:12]}_{sampler_tag(sampler)}{threads}_s{s}.json",
                                    lambda gen=gen, train=train, sampler=sampler, s=s: run(gen, train, sampler, s))
                        for s in tqdm(seeds, desc=f"{Path(path).name}{tag}, {st} steps")]
                rows[str(st)] = summarise(runs)
            table[f"{path}{tag}"] = {
                "path": path, "sha256": digest, "weights_sha256": weights, "model": gen.config.to_dict()["model"],
                "train": gen.config.to_dict()["train"], "train_seconds": gen.metadata.get("train_seconds"),
                "default_sampler": gen.config.to_dict()["sampler"], "sampler_overrides": extra, "steps": rows}
    meta = {"date": time.strftime("%Y-%m-%d"), "package_version": __version__, "torch": str(torch.__version__),
            "cpu": cpu_name(), "threads": args.threads, "explicit_threads": args.explicit_threads, "seeds": seeds, "samples_per_seed": N, "protocol": __doc__.split("\n\n")[1].strip()}
    write_json_atomic(f"{args.out}.json", {"meta": meta, "checkpoints": table}, indent=1)
    Path(f"{args.out}.md").write_text(to_markdown(meta, table, steps))


def load_text(loads: list[float | None]) -> str:
    known = [x for x in loads if x is not None]
    return f"{max(known):.2f}" if known else "not recorded"


def to_markdown(meta: dict[str, Any], table: dict[str, Any], steps: list[int]) -> str:
    lines = ["# MobileNetV3 score networks: validity per sampler step count", "",
             f"Produced by `python benchmarks/mbv3_validity.py` on {meta['date']} ({meta['cpu']}, torch "
             f"{meta['torch']}, {meta.get('threads', 1)} torch thread(s)"
             f"{', set explicitly' if meta.get('explicit_threads') else ''}). Seeds {meta['seeds'][0]}-{meta['seeds'][-1]}, {meta['samples_per_seed']:,} "
             "samples each.", "", meta["protocol"], "",
             "Sampler: each checkpoint's own settings except the step count and the overrides listed.", "",
             "| checkpoint (sha256) | mask | sampler overrides | " + " | ".join(f"validity @ {s} steps (invalid / samples)" for s in steps)
             + " | uniqueness % | novelty % | " + " | ".join(f"s per 1,000 @ {s} (median, slowest)" for s in steps)
             + " | 1-min load average before a run (highest) |",
             "|---|---|---|" + "---|" * (2 * len(steps) + 3)]
    for c in table.values():
        r = c["steps"]
        over = ", ".join(f"{k} {v}" for k, v in c["sampler_overrides"].items()) or "none"
        lines.append(f"| {c['path']} ({c['sha256'][:12]}…) | {c['model']['mask']} | {over} | "
                     + " | ".join(f"{100 * r[str(s)]['validity']:.2f} % ({r[str(s)]['invalid']} / "
                                  f"{r[str(s)]['samples']:,})" for s in steps)
                     + f" | {100 * np.mean([r[str(s)]['uniqueness'] for s in steps]):.2f} | "
                     f"{100 * np.mean([r[str(s)]['novelty'] for s in steps]):.2f} | "
                     + " | ".join(f"{r[str(s)]['seconds_per_1000']:.1f}, {r[str(s)].get('seconds_max', float('nan')):.1f}"
                                  for s in steps)
                     + f" | {load_text([r[str(s)].get('load_before_max') for s in steps])} |")
    lines += ["", "Load average: the 1-minute load before each run, which counts the benchmark's own busy threads "
              "(about its thread count when nothing else runs); 'not recorded' for runs cached before it was kept."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
