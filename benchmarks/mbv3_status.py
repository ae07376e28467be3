"""MobileNetV3 / OFA status: oracle checks on the real data and score-network validity.

Protocol
- Accuracy oracle: OFA's predictor (../shared/data/mbv3/ofa_acc_predictor.pth) against the
  2,223 measured w1.0 subnets at r=224 (measured_top1_ofa_mbv3_w1.0_r224_dynast.csv, column
  top1_mean): Spearman; and against the published fine-tuned top-1 of OFA's specialized
  MobileNetV3 nets with resolution < 240 (ofa_specialized_summary.csv).
- Note10 latency: sum of per-layer means of latency_lut_note10/<r>_lookup_table.yaml for
  OFA's published w1.2 note10 nets, next to the latency in their names.
- Generation: configs/mbv3.yaml at 6,000 iterations trained with ArchitectureGenerator.train on 100,000 uniformly
  sampled subnets (seed 0), plus two variants (sigma_max 5; full attention). Checkpoints are
  cached in benchmarks/.cache/ (reused only if their recorded config equals the variant's).
  1,000 samples per seed, seeds 0-2, default sampler (40 PC steps).
Writes benchmarks_results/mbv3_status.{json,md}. Run: python benchmarks/mbv3_status.py
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from naslib_diffusionnag.argtypes import parse_no_arguments
from naslib_diffusionnag.diffusion import DiffusionConfig, load_checkpoint
from naslib_diffusionnag.generation import ArchitectureGenerator
from naslib_diffusionnag.metrics import generation_metrics
from naslib_diffusionnag.oracles import resolve_data_file
from naslib_diffusionnag.oracles.mbv3 import Note10Latency, OFAAccuracyPredictor
from naslib_diffusionnag.resultsio import write_json_atomic
from naslib_diffusionnag.spaces import get_space

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache"
SHORT = {"train": {"steps": 6000}}  # the ablation's budget (the shipped model has 20,000)
VARIANTS = {  # name: (cache file, overrides of configs/mbv3.yaml)
    "configs/mbv3.yaml (chain mask, sigma_max 1)": ("mbv3_chain_s1.pt", SHORT),
    "sigma_max 5": ("mbv3_chain_s5.pt", {**SHORT, "sde": {"sigma_max": 5.0}}),
    "full attention": ("mbv3_full_s1.pt", {**SHORT, "model": {"mask": "full"}}),
}


def rows(name: str) -> list[dict[str, str]]:
    with open(resolve_data_file(f"mbv3/{name}"), newline="") as f:
        return list(csv.DictReader(f))


def ofa(space, r: dict[str, str]) -> str:
    return space.from_ofa(*(json.loads(r[k]) for k in ("ks", "e", "d")))


def generator(cache: str, overrides: dict) -> ArchitectureGenerator:
    cfg = DiffusionConfig.from_yaml(ROOT / "configs" / "mbv3.yaml").with_overrides(**overrides)
    path = CACHE / cache
    if path.exists() and load_checkpoint(path).config == cfg:
        return ArchitectureGenerator.load("mbv3", path)
    gen = ArchitectureGenerator.train(get_space("mbv3"), cfg, size=100_000)
    gen.save(path, overwrite=True)
    return gen


def main() -> None:
    parse_no_arguments(__doc__)
    space = get_space("mbv3")
    acc, lat = OFAAccuracyPredictor(), Note10Latency()
    measured = rows("measured_top1_ofa_mbv3_w1.0_r224_dynast.csv")
    archs = [ofa(space, r) for r in measured]
    rho_measured = float(spearmanr(acc.predict(archs, 224), [float(r["top1_mean"]) for r in measured])[0])
    nets = [r for r in rows("ofa_specialized_summary.csv") if r["net_name"] == "MobileNetV3"]
    small = [r for r in nets if int(r["image_size"]) < 240]
    rho_published = float(spearmanr([acc.predict([ofa(space, r)], int(r["image_size"]))[0] for r in small],
                                    [float(r["top1_finetuned"]) for r in small])[0])
    note10 = [{"net": r["net_id"], "r": int(r["image_size"]),
               "published_ms": float(r["net_id"].split("lat-")[1].split("ms")[0]),
               "lut_ms": lat.latency(ofa(space, r), int(r["image_size"]))}
              for r in nets if r["net_id"].startswith("note10") and r["width_mult"] == "1.2"
              and int(r["image_size"]) in lat.resolutions()]
    gen_rows = []
    for name, (cache, overrides) in VARIANTS.items():
        gen = generator(cache, overrides)
        train = gen.training_archs()
        runs = [generation_metrics(gen.sample(1000, s).archs, train) for s in range(3)]
        gen_rows.append({"variant": name, "final_loss": gen.metadata["losses"][-1],
                         **{k: 100 * float(np.mean([r[k] for r in runs])) for k in ("validity", "uniqueness", "novelty")}})
        print(gen_rows[-1], flush=True)
    res = {"spearman_measured": rho_measured, "n_measured": len(measured), "spearman_published": rho_published,
           "n_published": len(small), "note10": note10, "generation": gen_rows,
           "sources": {"predictor": acc.provenance(), "latency": lat.metric}}
    out = ROOT / "benchmarks_results"
    write_json_atomic(out / "mbv3_status.json", res, indent=1)
    lines = ["# MobileNetV3 / OFA: oracles and generation (status)", "",
             "Produced by `python benchmarks/mbv3_status.py`; protocol in its docstring.", "",
             f"OFA accuracy predictor vs {len(measured)} measured subnets (r=224): Spearman {rho_measured:.3f}; "
             f"vs the published fine-tuned top-1 of {len(small)} specialized nets: {rho_published:.3f}.", "",
             "| OFA note10 net (w1.2) | r | latency in its name (ms) | sum of LUT entries (ms) |", "|---|---|---|---|"]
    lines += [f"| {n['net']} | {n['r']} | {n['published_ms']:.0f} | {n['lut_ms']:.1f} |" for n in note10]
    lines += ["", "| score network (100,000 sampled subnets, 6,000 iterations) | final loss | validity % | "
              "uniqueness % | novelty % |", "|---|---|---|---|---|"]
    lines += [f"| {g['variant']} | {g['final_loss']:.4f} | {g['validity']:.1f} | {g['uniqueness']:.1f} | "
              f"{g['novelty']:.1f} |" for g in gen_rows]
    lines += ["", "Target validity: >= 99.9 %. No MBv3 checkpoint ships until a variant reaches it."]
    (out / "mbv3_status.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
