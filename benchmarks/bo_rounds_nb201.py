"""Where BO-NAS's gains come from on NB201, over both reported sweeps' 40 seeds (issue 12).

Protocol: the committed runs of ``configs/bo_nb201.yaml`` (seeds 0-19) and
``configs/bo_nb201_unseen.yaml`` (seeds 300-319): the same six methods with the same settings,
150 queries, NB201 200-epoch test accuracy from ../shared/data/nb201/nats_bench.csv. Read as one
sample of 40 seeds, after checking that every method's resolved parameters, the protocol
version, the data file's sha256 and the checkpoint's agree across the two folders. No run is made
and no setting is chosen here: none of these seeds is a tuning seed (100-119).

1. The BO table and standing over the 40 seeds (``bo.report.aggregate`` / ``standing``): a gap
   of 0.1 that 20 seeds cannot tell from noise may be told with 40.
2. Rounds: each BO round (k = 10 queries after the n_init = 10 random ones) drew its candidate
   pool from one source: diffusion-bo from the generated cells, or from BANANAS' mutations once
   stalled (``candidates.stalled`` on the history before the round, with the run's own stall
   settings, ``methods.stall_rule``); bananas from mutations; bo-random from random cells. Its
   first ``local_queries`` queries that are one-edit neighbours of the round's incumbent are its
   local queries (``loop.BOSearcher`` puts them first), the rest came from the pool. Per source and
   phase (round start 10-49, 50-99, 100-149): rounds, and the share in which the pool's queries,
   or the local ones, raised the incumbent.
3. Where the incumbent sits after 20 / 50 / 100 queries: whether steepest ascent under one-edit
   moves leads from it to an optimum (``nb201_landscape.py``'s basins), and the commonest local
   optima it leads to; beside it, the same for the ImageNet16-120 tuning runs (seeds 100-119) of
   the default round, the s50 variant and BANANAS (``TUNING_VARIANTS``; not a reported result).
4. What first reached the optimum (a value within 1e-6 of the table's best): the initial design,
   a local query, or the pool (by source), per method over the seeds that reached it.

A few seconds. Writes benchmarks_results/bo_rounds_nb201.{json,md}.

The committed run files predate ``trajectory.asks`` (when each round was asked), and a
diffusion-bo round can come up short (a generated pool with fewer new cells than asked for), so
``--record-asks`` re-runs the committed diffusion-bo runs (their spec; a run is deterministic per
seed on CPU, one thread, as the sweeps ran them) and keeps, per run, the asks and whether the
re-run queried exactly the committed trajectory, in benchmarks_results/bo_rounds_nb201/asks/
(resumable; ``--shard i/n`` splits the runs over processes; about 90 s a run). The study uses a
run's recorded asks where its re-run matched and infers its rounds otherwise (``round_starts``).

    python benchmarks/bo_rounds_nb201.py [--data PATH]
    python benchmarks/bo_rounds_nb201.py --record-asks [--shard 0/2]
"""
from __future__ import annotations

import argparse
import functools
import re
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from bo_local_diagnosis_nb201 import local_share  # the same folder (run as a script)
from nb201_landscape import climb_targets, neighbour_table
from tqdm.auto import tqdm

from naslib_diffusionnag.bo import report
from naslib_diffusionnag.bo.candidates import stalled
from naslib_diffusionnag.bo.methods import build_method, recorded_params, resolve_params, stall_rule
from naslib_diffusionnag.bo.sweep import cpu_name
from naslib_diffusionnag.errors import DataFormatError
from naslib_diffusionnag.oracles import NB201Benchmark
from naslib_diffusionnag.resultsio import read_json, to_json, write_text_atomic
from naslib_diffusionnag.spaces import SearchSpace, get_space

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks_results"
SWEEPS = {"bo_nb201": "0-19", "bo_nb201_unseen": "300-319"}
OUT = RESULTS / "bo_rounds_nb201"
PHASES = ((10, 49), (50, 99), (100, 149))
AT_OPTIMUM = 1e-6  # the BO tables' tolerance (report.aggregate)
POOL = {"bananas": "mutation", "bo-random": "random"}
"""Each BO method's one pool source; diffusion-bo's is generated or (stalled) mutation."""


def phase_of(start: int) -> str:
    return next(f"{a}-{b}" for a, b in PHASES if a <= start <= b)


def round_starts(run: dict[str, Any], space: SearchSpace) -> tuple[list[int], int]:
    """The first query of each BO round, and how many of them are known. Exact where the run
    recorded when its searcher was asked (``trajectory.asks``, run files made since that field
    exists). Otherwise inferred: a round starts with its local queries (the incumbent's one-edit
    neighbours, ``loop.BOSearcher``) and holds ``k`` queries unless it came up short (e.g. a
    generated pool with fewer new cells than asked for), so the starts are the sequence from
    ``n_init`` to the end in which each start begins that way, rounds as long as possible first.
    Where no such sequence exists, rounds of ``k`` up to the one before the first that does not
    begin that way are known, the rest not."""
    p, traj = recorded_params(run), run["trajectory"]
    archs, values, k = traj["archs"], traj["values"], p["k"]
    if traj.get("asks"):
        starts = [a for a in traj["asks"] if a >= p["n_init"]]
        return starts, len(starts)
    inc = [int(np.argmax(values[: i + 1])) for i in range(len(values))]

    def leads(start: int, at_least: int = 0) -> bool:
        """Whether the queries from ``start`` begin with a round's local queries (at least
        ``at_least`` of them)."""
        known = set(archs[:start])
        region = {a for a in space.neighbours(archs[inc[start - 1]]) if a not in known}
        n = min(local_share(p, inc, start), len(region))
        return n >= at_least and set(archs[start: start + n]) <= region

    @functools.cache
    def rest(start: int) -> tuple[int, ...] | None:
        """The starts from ``start`` (a round start) to the end, or None where none fit."""
        if start + k >= len(values):
            return (start,)
        for t in (start + k, *range(start + k - 1, start, -1)):
            tail = rest(t) if leads(t, 0 if t == start + k else 1) else None
            if tail is not None:
                return (start, *tail)
        return None

    found = rest(p["n_init"])
    if found is not None:
        return list(found), len(found)
    grid = list(range(p["n_init"], len(values), k))
    return grid, max(next((j - 1 for j, t in enumerate(grid) if not leads(t)), len(grid)), 0)


def rounds(run: dict[str, Any], space: SearchSpace) -> list[dict[str, Any]]:
    """Each known BO round of ``run`` (``round_starts``): its first query, pool source, whether
    its pool / local queries raised the incumbent, and its queries that were local."""
    method, recorded = run["spec"]["method"], recorded_params(run)
    archs, values = run["trajectory"]["archs"], run["trajectory"]["values"]
    params = resolve_params(method, recorded)
    rule = stall_rule(params) if method == "diffusion-bo" else None
    if rule is not None and (params.mix_mutations or params.stall_edits):
        raise DataFormatError(f"a {method} run mixes pools (mix_mutations / stall_edits): one source per round "
                              "cannot be told; this study reads the reported sweeps' runs only")
    inc = [int(np.argmax(values[: i + 1])) for i in range(len(values))]
    starts, known = round_starts(run, space)
    out = []
    for start, end in list(zip(starts, [*starts[1:], len(values)], strict=True))[:known]:
        history = list(zip(archs[:start], values[:start], strict=True))
        if rule is None:
            source = POOL[method]
        else:
            source = "mutation" if rule["patience"] and stalled(history, **rule) else "generated"
        best, near = max(values[:start]), set(space.neighbours(archs[inc[start - 1]]))
        share = local_share(recorded, inc, start)
        local = [q for q in range(start, end) if q - start < share and archs[q] in near]
        pool = [q for q in range(start, end) if q not in local]
        out.append({"start": start, "end": end, "source": source, "local": local,
                    "pool_raised": any(values[q] > best for q in pool),
                    "local_raised": any(values[q] > best for q in local)})
    return out


def found_by(run: dict[str, Any], space: SearchSpace, optimum: float) -> str | None:
    """What first queried a cell at the optimum: ``initial``, ``local`` or the pool's source
    (None: not reached)."""
    values = run["trajectory"]["values"]
    first = next((i for i, v in enumerate(values) if v >= optimum - AT_OPTIMUM), None)
    if first is None:
        return None
    if first < recorded_params(run)["n_init"]:
        return "initial"
    r = next((r for r in rounds(run, space) if r["start"] <= first < r["end"]), None)
    return "unknown round" if r is None else "local" if first in r["local"] else r["source"]


def round_table(runs: Sequence[dict[str, Any]], space: SearchSpace) -> dict[str, Any]:
    """Per dataset, method, pool source and phase: rounds, pool-raised and local-raised counts;
    per dataset and method, the rounds left out (not known, ``round_starts``)."""
    cells: dict[tuple[str, str, str, str], Counter] = defaultdict(Counter)
    left_out: Counter = Counter()
    recorded: Counter = Counter()
    for run in runs:
        d, m = run["spec"]["dataset"], run["spec"]["method"]
        if m not in {"diffusion-bo", *POOL}:
            continue
        starts, known = round_starts(run, space)
        left_out[d, m] += len(starts) - known
        recorded[d, m] += bool(run["trajectory"].get("asks"))
        for r in rounds(run, space):
            c = cells[d, m, r["source"], phase_of(r["start"])]
            c["rounds"] += 1
            c["pool_raised"] += r["pool_raised"]
            c["local_raised"] += r["local_raised"]
    order = {f"{a}-{b}": i for i, (a, b) in enumerate(PHASES)}
    out: dict[str, Any] = {}
    for (d, m, src, ph), c in sorted(cells.items(), key=lambda kv: (*kv[0][:3], order[kv[0][3]])):
        out.setdefault(d, {}).setdefault(m, {"left_out": left_out[d, m], "recorded_runs": recorded[d, m],
                                             "sources": {}})["sources"].setdefault(
            src, {})[ph] = dict(c)
    return out


def found_table(runs: Sequence[dict[str, Any]], space: SearchSpace, optima: dict[str, float]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for run in runs:
        d, m = run["spec"]["dataset"], run["spec"]["method"]
        if m in {"diffusion-bo", *POOL}:
            by = found_by(run, space, optima[d]) or "not reached"
            out.setdefault(d, {}).setdefault(m, Counter())[by] += 1
    return {d: {m: dict(sorted(c.items())) for m, c in sorted(ms.items())} for d, ms in sorted(out.items())}


BASIN_AT = (20, 50, 100)


TUNING = RESULTS / "bo_guide_nb201_ImageNet16-120_b150"
TUNING_VARIANTS = {"diffusion-bo (default round)": "its-mean-rank1-local3-ens5-stall10-nscores",
                   "diffusion-bo s50": "its-mean-rank1-local3-ens5-stall10-nscores-s50",
                   "bananas": "bananas-nscores"}
"""The ImageNet16-120 tuning runs (seeds 100-119) whose basins are shown beside the reported ones."""


def basin_table(groups: dict[tuple[str, str], list[dict[str, Any]]], bench: NB201Benchmark,
                top: int = 4) -> dict[str, Any]:
    """Per (dataset, label) group of runs, where the incumbent sits in NB201's one-edit landscape
    (``nb201_landscape.climb_targets``: the local optimum steepest ascent reaches from it) after
    ``BASIN_AT`` queries: on how many runs that is an optimum, and the ``top`` commonest local
    optima (their accuracy) at 50 queries."""
    neighbours = neighbour_table(bench)
    targets = {d: climb_targets(bench.column(d), neighbours) for d in {d for d, _ in groups}}
    out: dict[str, Any] = {}
    for (d, label), rs in sorted(groups.items()):
        values, optimum = bench.column(d), bench.column(d).max()
        ends = {q: [int(targets[d][bench.index(r["trajectory"]["archs"][int(np.argmax(r["trajectory"]["values"][:q]))])])
                    for r in rs] for q in BASIN_AT}
        out.setdefault(d, {})[label] = {
            "runs": len(rs),
            "in_optimum_basin": {str(q): int(sum(values[e] >= optimum - AT_OPTIMUM for e in es))
                                 for q, es in ends.items()},
            "commonest_at_50": [{"accuracy": float(values[e]), "runs": n} for e, n in Counter(ends[50]).most_common(top)]}
    return out


def by_method(runs: Sequence[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in runs:
        groups[r["spec"]["dataset"], r["spec"]["method"]].append(r)
    return groups


def tuning_groups() -> dict[tuple[str, str], list[dict[str, Any]]]:
    """``TUNING_VARIANTS``' committed ImageNet16-120 runs, by label."""
    return {("ImageNet16-120", label): report.load_runs(TUNING / variant / "runs")
            for label, variant in TUNING_VARIANTS.items()}


def against_each(runs: Sequence[dict[str, Any]], method: str = "diffusion-bo") -> dict[str, Any]:
    """Per dataset, ``method`` against each other method alone (``report.standing`` of the two):
    at how many budgets it is first or tied, and where the paired interval puts it
    significantly behind or ahead."""
    out: dict[str, Any] = {}
    for other in sorted({r["spec"]["method"] for r in runs} - {method}):
        pair = report.standing([r for r in runs if r["spec"]["method"] in (method, other)])
        for d, rows in sorted(pair.items()):
            me, them = rows["methods"][method], rows["methods"][other]
            out.setdefault(d, {})[other] = {"budgets": rows["budgets"], "first_or_tied": me["first_or_tied"],
                                            "significantly_behind": me["significantly_behind"],
                                            "significantly_ahead": them["significantly_behind"]}
    return out


def _section(title: str, intro: str, columns: Sequence[str]) -> list[str]:
    """A section's heading, intro and table header."""
    return [f"## {title}", "", intro, "", _row(columns), _row(["---"] * len(columns))]


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _basin_rows(basins: dict[str, Any]) -> list[str]:
    rows = []
    for d, groups in basins.items():
        for label, b in groups.items():
            at = " / ".join(f"{b['in_optimum_basin'][str(q)]}" for q in BASIN_AT)
            rows.append(_row([d, label, f"{at} of {b['runs']}",
                              ", ".join(f"{c['accuracy']:.2f}: {c['runs']}" for c in b["commonest_at_50"])]))
    return rows


def to_markdown(res: dict[str, Any]) -> str:
    lines = [report.to_markdown(res["table"], res["optima"], res["meta"], res["standing"]), ""]
    lines += _section("diffusion-bo against each method alone",
                      "The standing of the pair at every budget from 20 to 150: at how many diffusion-bo's mean is "
                      "first or tied, and where the paired 95 % t-interval (ddof=1) over the 40 seeds puts it "
                      "significantly behind or ahead (pointwise).",
                      ["dataset", "against", "first or tied", "significantly behind at", "significantly ahead at"])
    for d, others in res["against_each"].items():
        for o, r in others.items():
            lines.append(_row([d, o, f"{r['first_or_tied']} of {r['budgets']}", report.ranges(r["significantly_behind"]),
                               report.ranges(r["significantly_ahead"])]))
    lines += ["", "## Rounds: which pool raised the incumbent", "",
              "Per dataset, method, the round's pool source and phase (the round's first query): rounds, and in how "
              "many (share) a pool query, or a local query, raised the incumbent. Rounds after the optimum is "
              "reached count too (nothing can raise it there), so compare sources within a phase. A run's rounds "
              "are read from where its searcher was asked, recorded by a re-run (--record-asks; the committed "
              "run files predate that record); where none is recorded they are inferred: each round begins "
              "with its local queries (the incumbent's one-edit neighbours) and holds k queries unless it came "
              "up short (a generated pool with too few new cells); the starts are the sequence from n_init to "
              "the end in which every round begins that way, longest rounds first; where none exists, rounds "
              "of k are read up to the one before the first that does not, and the rest are left out "
              "(counted below each table). On the {recorded} runs with recorded rounds the inference, run "
              "without the record, finds the same starts on {inferred_the_same}; on {full_rounds} of the "
              "{mutation_or_random_runs} bananas and bo-random runs it finds full rounds of k throughout (their "
              "pools hold 100 new cells, so their rounds are not short).".format(**res["inference_check"]),
              ""]
    for d, methods in res["rounds"].items():
        lines += [f"### {d}", "", _row(["method", "pool", "phase", "rounds", "pool raised it", "local raised it"]),
                  _row(["---"] * 6)]
        for m, row in methods.items():
            for src, phases in row["sources"].items():
                for ph, c in phases.items():
                    n = c["rounds"]
                    lines.append(_row([m, src, ph, str(n), f"{c['pool_raised']} ({c['pool_raised'] / n:.2f})",
                                       f"{c['local_raised']} ({c['local_raised'] / n:.2f})"]))
        left = ", ".join(f"{m} {row['left_out']}" for m, row in methods.items() if row["left_out"])
        rec = ", ".join(f"{m} {row['recorded_runs']}" for m, row in methods.items())
        lines += ["", f"Runs whose rounds were recorded (re-run), the rest inferred: {rec}. Rounds left out "
                  f"(no sequence of starts fits): {left or 'none'}.", ""]
    lines += _section("Where the incumbent sits",
                      "Per dataset and method: on how many of the 40 runs steepest ascent under one-edit moves "
                      "(nb201_landscape.md) leads from the incumbent after 20 / 50 / 100 queries to an optimum "
                      "cell, and the commonest local optima it leads to after 50 (accuracy: runs).",
                      ["dataset", "method", "in the optimum's basin @ 20 / 50 / 100", "commonest basins @ 50"])
    lines += _basin_rows(res["basins"])
    lines += ["", "The same on the tuning seeds 100-119 (ImageNet16-120, 150 queries, the committed runs of "
              "benchmarks/bo_guide_nb201.py: the default round, the s50 variant and BANANAS; not a reported result):",
              "", _row(["dataset", "run", "in the optimum's basin @ 20 / 50 / 100", "commonest basins @ 50"]),
              _row(["---"] * 4), *_basin_rows(res["tuning_basins"])]
    lines += [""] + _section("What first reached the optimum",
                             "Per dataset and method, over the 40 seeds: the random initial design, a local query, "
                             "or a pool query (by the round's source).", ["dataset", "method", "found by"])
    for d, methods in res["found"].items():
        for m, c in methods.items():
            lines.append(_row([d, m, ", ".join(f"{k} {v}" for k, v in c.items())]))
    return "\n".join(lines) + "\n"


ASKS = OUT / "asks"


def record_asks(runs: Sequence[dict[str, Any]], bench: NB201Benchmark, shard: tuple[int, int]) -> None:
    """Re-run shard ``shard`` (i of n) of the diffusion-bo runs of ``runs`` and write their asks
    (``ASKS``), the runs whose inferred rounds are not all of ``k`` first."""
    space = get_space("nb201")
    todo = [r for r in runs if r["spec"]["method"] == "diffusion-bo"]
    todo.sort(key=lambda r: (reads_as_full_rounds(r, space), r["spec"]["dataset"] != "ImageNet16-120", run_id(r)))
    todo = [r for i, r in enumerate(todo) if i % shard[1] == shard[0] and not (ASKS / f"{run_id(r)}.json").exists()]
    torch.set_num_threads(1)  # as the sweeps' workers ran
    ASKS.mkdir(parents=True, exist_ok=True)
    for r in tqdm(todo, desc=f"re-running diffusion-bo runs (shard {shard[0]}/{shard[1]})"):
        spec = r["spec"]
        start = time.perf_counter()
        traj = build_method(spec["method"], spec["space"], spec["params"]).run(
            lambda a, d=spec["dataset"]: bench.query(a, d), spec["budget"], spec["seed"])
        write_text_atomic(ASKS / f"{run_id(r)}.json", to_json({
            "run": run_id(r), "asks": traj.asks, "same_trajectory": traj.archs == r["trajectory"]["archs"],
            "cpu": cpu_name(), "seconds": time.perf_counter() - start}))


def run_id(r: dict[str, Any]) -> str:
    return f"{r['spec']['dataset']}__{r['spec']['method']}__s{r['spec']['seed']}"


def reads_as_full_rounds(run: dict[str, Any], space: SearchSpace) -> bool:
    """Whether ``round_starts`` reads ``run`` as rounds of ``k`` from ``n_init`` to the end."""
    p = recorded_params(run)
    grid = list(range(p["n_init"], run["spec"]["budget"], p["k"]))
    return round_starts(run, space) == (grid, len(grid))


def inference_check(runs: Sequence[dict[str, Any]], space: SearchSpace) -> dict[str, int]:
    """On the runs whose rounds are recorded: on how many ``round_starts`` infers the same starts
    without the record (how far to trust the inferred ones)."""
    recorded = [r for r in runs if r["trajectory"].get("asks")]
    same = 0
    for r in recorded:
        blind = {**r, "trajectory": {**r["trajectory"], "asks": []}}
        starts, known = round_starts(r, space)
        same += round_starts(blind, space) == (starts, known)
    pooled = [r for r in runs if r["spec"]["method"] in POOL]
    full = sum(reads_as_full_rounds(r, space) for r in pooled)
    return {"recorded": len(recorded), "inferred_the_same": same, "mutation_or_random_runs": len(pooled),
            "full_rounds": full}


def with_recorded_asks(runs: list[dict[str, Any]]) -> int:
    """Give each run whose re-run matched its trajectory (``ASKS``) its recorded asks; how many."""
    n = 0
    for r in runs:
        path = ASKS / f"{run_id(r)}.json"
        if path.exists():
            rec = read_json(path)  # a damaged file is named
            if rec["same_trajectory"]:
                r["trajectory"]["asks"] = rec["asks"]
                n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=None, help="NB201 table (default ../shared/data/nb201/nats_bench.csv)")
    ap.add_argument("--record-asks", action="store_true", help="re-run the diffusion-bo runs to record their rounds")
    ap.add_argument("--shard", default="0/1", help="i/n: the i-th of n shares of the re-runs (default 0/1)")
    args = ap.parse_args()
    shard = re.fullmatch(r"(\d+)/(\d+)", args.shard)
    if shard is None or not 0 <= int(shard[1]) < int(shard[2]):
        raise SystemExit(f"--shard {args.shard!r}: give i/n with 0 <= i < n, e.g. 0/2 and 1/2 in two processes")
    bench, space = NB201Benchmark.load(args.data), get_space("nb201")
    runs = report.pooled_runs([RESULTS / name / "runs" for name in SWEEPS])
    if {r["benchmark"]["sha256"] for r in runs} != {bench.provenance()["sha256"]}:
        raise DataFormatError("the committed runs were made on another NB201 table than --data: give the file "
                              "they name (benchmark.source in a run file)")
    if args.record_asks:
        record_asks(runs, bench, (int(shard[1]), int(shard[2])))
        return
    recorded = with_recorded_asks(runs)
    optima = {d: bench.best(d)[1] for d in sorted({r["spec"]["dataset"] for r in runs})}
    meta = {"title": "BO-NAS on NB201: both reported sweeps as one 40-seed sample",
            "protocol": ("Produced by `python benchmarks/bo_rounds_nb201.py` from the committed runs of "
                         + " and ".join(f"configs/{n}.yaml (seeds {s})" for n, s in SWEEPS.items())
                         + ": the same six methods and settings (checked), 150 queries, black box "
                         "200-epoch test accuracy from nats_bench.csv (sha256 "
                         f"{bench.provenance()['sha256'][:12]}…); no tuning seed. s / run: the runs' "
                         "median wall time (two machines, see the two sweeps' tables). Rounds: "
                         f"{recorded} of the {sum(r['spec']['method'] == 'diffusion-bo' for r in runs)} "
                         "diffusion-bo runs re-run with their rounds recorded (same trajectory), the others' "
                         "inferred (section Rounds).")}
    res = {"meta": meta, "optima": optima, "table": report.aggregate(runs, optima),
           "standing": report.standing(runs), "against_each": against_each(runs), "rounds": round_table(runs, space),
           "found": found_table(runs, space, optima), "basins": basin_table(by_method(runs), bench),
           "tuning_basins": basin_table(tuning_groups(), bench),
           "inference_check": inference_check(runs, space)}
    write_text_atomic(f"{OUT}.json", to_json(res))
    md = to_markdown(res)
    write_text_atomic(f"{OUT}.md", md)
    print(md)


if __name__ == "__main__":
    main()
