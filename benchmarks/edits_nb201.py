"""How far ``ArchitectureGenerator.sample_edits`` moves NB201 cells, per starting noise level.

Protocol: the shipped NB201 score network and its default sampler (40 predictor-corrector
steps; a start at time t runs round(40 t) of them). 20 starting cells drawn uniformly with
seed 100; 100 edits per noise level (the 20 cycled, sampler seed 7), unguided. Edit distance:
the number of the six edges whose operation differs from the starting cell's. Validity: share
of the samples that decode to a cell. No benchmark value is read: this measures the generator
alone (it is how diffusion-BO's ``edit_t`` default of 0.6, about two edits, was chosen).

    python benchmarks/edits_nb201.py [--t 0.1,0.2,...]
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import torch

from naslib_diffusionnag import __version__
from naslib_diffusionnag.argtypes import fraction_list
from naslib_diffusionnag.bo.sweep import cpu_name
from naslib_diffusionnag.generation import ArchitectureGenerator
from naslib_diffusionnag.resultsio import to_json, write_text_atomic

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks_results" / "edits_nb201"
STARTS, START_SEED, N, SEED = 20, 100, 100, 7


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--t", type=fraction_list, default="0.1,0.2,0.3,0.4,0.5,0.55,0.6,0.65,0.7,0.8",
                   help="comma-separated starting times in (0, 1]")
    args = p.parse_args()
    load = os.getloadavg()[0]  # a busy machine makes the seconds meaningless: the table says what it was
    gen = ArchitectureGenerator.load("nb201")
    space = gen.space
    starts = space.sample(STARTS, np.random.default_rng(START_SEED))
    ops = {a: space.encode([a])[0].argmax(-1) for a in starts}
    rows = []
    for t in args.t:
        began = time.perf_counter()
        made = gen.sample_edits(starts, N, SEED, t)
        seconds = time.perf_counter() - began
        dist = [int((space.encode([a])[0].argmax(-1) != ops[starts[i % STARTS]]).sum())
                for i, a in enumerate(made.archs) if a is not None]
        rows.append({"t_start": t, "valid": len(dist) / N, "mean_edits": float(np.mean(dist)),
                     "histogram": np.bincount(dist, minlength=7)[:7].tolist(), "nfe": made.nfe, "seconds": seconds})
    meta = {"package": __version__, "torch": torch.__version__, "cpu": cpu_name(), "threads": torch.get_num_threads(),
            "load_before": load, "protocol": __doc__.split("\n\n")[1].strip()}
    write_text_atomic(f"{OUT}.json", to_json({"meta": meta, "rows": rows}))
    lines = ["# Guided edits on NB201: distance moved per starting noise level", "",
             f"Produced by `python benchmarks/edits_nb201.py` (package {__version__}, torch {torch.__version__}, "
             f"{meta['cpu']}, {meta['threads']} torch threads; 1-min load average before the run "
             f"{meta['load_before']:.2f} on {os.cpu_count()} cores: above about 2 the seconds are loose).", "",
             meta["protocol"], "",
             "| t_start | valid | mean edits | cells with 0 / 1 / 2 / 3 / 4 / 5 / 6 edits | score evaluations per sample "
             "| s per 100 |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['t_start']:g} | {100 * r['valid']:.0f} % | {r['mean_edits']:.2f} | "
                     f"{' / '.join(map(str, r['histogram']))} | {r['nfe']} | {r['seconds']:.1f} |")
    write_text_atomic(f"{OUT}.md", "\n".join(lines) + "\n")
    print("\n".join(lines[-len(rows) - 2:]))


if __name__ == "__main__":
    main()
