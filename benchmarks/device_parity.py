"""Does `--device cuda` compute what the CPU computes, and how much faster? (needs a CUDA machine)

Protocol: the same CLI commands, seed 0, once with --device cpu (torch's default threads on that
machine) and once with --device cuda: unguided sampling of 10,000 NB201 cells (with their NB201
200-epoch CIFAR-10 test accuracy, ../shared/data/nb201/nats_bench.csv) and of 2,000 MBv3
architectures (shipped checkpoints, their default sampler settings), guided sampling of 500
NB201 cells (accuracy:cifar10 predictor fitted on 100 labels), and one diffusion-BO search on
NB201 CIFAR-10 (60 queries, the method's defaults). All sampling noise comes from a CPU generator
seeded by --seed, so the two devices start from the same noise; any difference comes from the
arithmetic. Per command: validity, uniqueness, the sampler's own seconds (``seconds`` of the
JSON; wall time of the whole command beside it, startup included), and how many of the
architectures are the same at the same position and as sets.

Run: python benchmarks/device_parity.py [--out DIR]   (writes DIR/device_parity.{json,md})
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "sample nb201 (10,000, unguided)": ["sample", "--space", "nb201", "--n", "10000", "--seed", "0",
                                        "--dataset", "cifar10"],
    "sample mbv3 (2,000, unguided)": ["sample", "--space", "mbv3", "--n", "2000", "--seed", "0"],
    "sample nb201 (500, guided by accuracy:cifar10)": ["sample", "--space", "nb201", "--n", "500", "--seed", "0",
                                                       "--dataset", "cifar10", "--guide", "accuracy:cifar10",
                                                       "--n-labels", "100"],
    "search diffusion-bo (nb201 cifar10, 60 queries)": ["search", "--space", "nb201", "--dataset", "cifar10",
                                                        "--method", "diffusion-bo", "--budget", "60", "--seed", "0"],
}


def run(args: list[str], device: str) -> dict[str, Any]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "naslib_diffusionnag.cli", *args, "--device", device,
                           "--no-progress", "--json"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} --device {device} failed: {proc.stderr.strip()[-500:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    archs = out.get("archs") or out["trajectory"]["archs"]
    return {"wall_seconds": wall, "seconds": out.get("seconds"), "validity": out.get("validity"),
            "uniqueness": out.get("uniqueness"), "archs": archs,
            "best": out.get("best_test_accuracy", (out.get("true_accuracy") or {}).get("max"))}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "benchmarks_results"))
    out_dir = Path(p.parse_args().out)
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device here: run this on a machine with one")
    rows = {}
    for name, args in COMMANDS.items():
        cpu, cuda = run(args, "cpu"), run(args, "cuda")
        a, b = cpu.pop("archs"), cuda.pop("archs")
        rows[name] = {"cpu": cpu, "cuda": cuda, "n": [len(a), len(b)],
                      "same_position": sum(x == y for x, y in zip(a, b, strict=False)),
                      "distinct": [len(set(a)), len(set(b))], "distinct_shared": len(set(a) & set(b))}
        print(name, rows[name], flush=True)
    meta = {"protocol": __doc__.split("\n\n")[1], "torch": torch.__version__, "gpu": torch.cuda.get_device_name(0),
            "cpu_threads": torch.get_num_threads(), "python": platform.python_version(), "machine": platform.machine()}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "device_parity.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    lines = ["# --device cuda against --device cpu (same seed, same commands)", "",
             f"Produced by `python benchmarks/device_parity.py` on {meta['gpu']} (torch {meta['torch']}; CPU runs "
             f"with {meta['cpu_threads']} torch threads).", "", meta["protocol"], "",
             "| command | validity cpu / cuda | uniqueness cpu / cuda | same architecture at the same position | "
             "distinct shared | best accuracy cpu / cuda | s reported (sampling; search) cpu / cuda (ratio) | command s cpu / cuda |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        c, g = r["cpu"], r["cuda"]

        def pair(key: str, fmt: str, c: dict = c, g: dict = g) -> str:
            return " / ".join("–" if v[key] is None else format(v[key], fmt) for v in (c, g))

        ratio = f" ({c['seconds'] / g['seconds']:.1f}x)" if c["seconds"] and g["seconds"] else ""
        lines.append(f"| {name} | {pair('validity', '.4f')} | {pair('uniqueness', '.4f')} | "
                     f"{r['same_position']} of {r['n'][0]} / {r['n'][1]} | {r['distinct_shared']} of "
                     f"{r['distinct'][0]} / {r['distinct'][1]} | {pair('best', '.2f')} | {pair('seconds', '.2f')}{ratio} | "
                     f"{pair('wall_seconds', '.1f')} |")
    (out_dir / "device_parity.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
