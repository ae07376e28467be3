"""Aggregate sweep runs into tables (JSON + Markdown) and best-so-far plots.

Spread over seeds: the sample standard deviation (ddof=1) and the 95 % confidence interval of
the mean, ``mean +- t(0.975, n-1) * sd / sqrt(n)``: with 5-20 seeds the normal quantile 1.96
would understate the interval (t is 2.09 at 20 seeds, 2.78 at 5). Tables and plots say so.

Queries to the optimum: the median over every run, a run that missed the optimum counting as
later than the budget (dropping it would flatter a method that reaches the optimum on few
seeds), with the distribution-free interval of the median from order statistics."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from ..configio import is_finite_number, require_int
from ..errors import DataFormatError, DiffusionNAGError
from ..resultsio import read_json
from ..spaces.base import whole_number

CHECKPOINTS = (10, 20, 50, 100, 150)
SPREAD = "± = 95 % CI of the mean over seeds (t quantile, n-1 dof; sd with ddof=1)"
TO_OPTIMUM = ("median over all seeds, a seed that missed it counted as beyond the "
              "budget (> budget); [95 % CI of the median from order statistics (binomial, distribution-free); "
              "with 5 seeds or fewer the widest such interval covers less, its level is in the JSON]")


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Mean, sample sd (ddof=1) and CI half-width ``t * sd / sqrt(n)`` over axis 0; the last
    two are None for a single seed (no spread is measurable)."""
    n = values.shape[0]
    mean = values.mean(0)
    if n < 2:
        return mean, None, None
    sd = values.std(0, ddof=1)
    return mean, sd, stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)


def median_to_optimum(first_hits: Sequence[int | None], budget: int, level: float = 0.95) -> dict[str, Any]:
    """Median of the queries until the optimum over all runs (None: a run missed it within
    ``budget``, so it ranks after every hit) and the order-statistic interval ``[x(k), x(n+1-k)]``
    with the largest k whose binomial coverage ``1 - 2 P(Bin(n, 1/2) <= k-1)`` is still
    >= ``level`` (k = 1 below 6 runs, whose coverage, recorded, is less). A median or bound
    beyond the budget is None. Exact for any distribution and needs no resampling seed."""
    n = len(first_hits)
    if n == 0:
        raise ValueError("median_to_optimum needs at least one run")
    impossible = [h for h in first_hits if h is not None and (whole_number(h) is None or not 1 <= h <= budget)]
    if impossible:  # a hit after the budget (or at query 0, or NaN) was counted as reached
        raise ValueError(f"queries to the optimum must be whole numbers from 1 to the budget {budget} (None: "
                         f"missed), got {impossible[:3]!r}")
    x = sorted(float(h) if h is not None else np.inf for h in first_hits)
    k = 1
    while k + 1 <= (n + 1) // 2 and 1 - 2 * stats.binom.cdf(k, n, 0.5) >= level:
        k += 1
    median = float(np.median(x))

    def finite(v: float) -> float | None:
        return v if np.isfinite(v) else None

    return {"seeds": n, "budget": budget, "reached": sum(h is not None for h in first_hits),
            "median": finite(median), "ci_low": finite(x[k - 1]), "ci_high": finite(x[n - k]),
            "ci_level": float(1 - 2 * stats.binom.cdf(k - 1, n, 0.5))}


def median_text(t: dict[str, Any]) -> str:
    """``median [low, high]`` of ``median_to_optimum``; ``> budget`` where a value lies beyond it."""
    def q(v: float | None) -> str:
        return f"> {t['budget']}" if v is None else f"{v:g}"

    return f"{q(t['median'])} [{q(t['ci_low'])}, {q(t['ci_high'])}]"


def read_run(path: str | Path) -> dict[str, Any]:
    """One run file; a damaged one (``read_json``) or valid JSON that is no run record (a list,
    null, an object without a spec) is named with the way out."""
    record = read_json(path)
    if not isinstance(record, dict) or not isinstance(record.get("spec"), dict):
        raise DataFormatError(f"{path} is not a run file (JSON {type(record).__name__} without a run's spec): it is "
                              "damaged or does not belong in a runs folder; delete or move it")
    spec, trajectory = record["spec"], record.get("trajectory")
    budget, seed = whole_number(spec.get("budget")), whole_number(spec.get("seed"))
    incumbent = trajectory.get("incumbent") if isinstance(trajectory, dict) else None
    problem = (next((f"its spec lacks {k!r}" for k in ("dataset", "method", "seed", "budget") if k not in spec), None)
               or ("its budget is not a whole number >= 1" if budget is None or budget < 1 else None)
               or ("its seed is not a whole number >= 0" if seed is None or seed < 0 else None)
               or ("it has no trajectory.incumbent list" if not isinstance(incumbent, list) else None)
               or (f"its incumbent curve has {len(incumbent)} values for a budget of {budget}"
                   if len(incumbent) < budget else None)  # type: ignore[arg-type, operator]
               or ("its incumbent curve holds values that are not finite numbers"
                   if not all(is_finite_number(v) for v in incumbent) else None)  # type: ignore[union-attr]
               or ("its incumbent curve falls (a best-so-far curve never does)"
                   if any(b < a for a, b in zip(incumbent, incumbent[1:], strict=False)) else None)  # type: ignore[index]
               or _values_problem(trajectory, incumbent)  # type: ignore[arg-type]
               or ("it has no wall time ('seconds')" if not isinstance(record.get("seconds"), (int, float)) else None))
    if problem:  # a KeyError / numpy shape error at aggregation before
        raise DataFormatError(f"{path} is not a complete run file ({problem}): it is damaged or was cut short; "
                              "delete it and re-run the sweep to redo that run")
    return record


def _values_problem(trajectory: dict[str, Any], incumbent: list[float]) -> str | None:
    """Where a run records its queried values (runs of ``bo.sweep`` do), whether its incumbent
    curve is their running best, as ``Trajectory.incumbent`` makes it."""
    values = trajectory.get("values")
    if values is None:
        return None
    if not isinstance(values, list):
        return "its 'values' are not a list"
    if len(values) != len(incumbent):
        return f"its {len(values)} values do not match its {len(incumbent)}-point incumbent curve"
    if not all(map(is_finite_number, values)):
        return "its queried values hold entries that are not finite numbers"
    if not np.allclose(np.maximum.accumulate(values), incumbent, rtol=0, atol=1e-9):
        return "its incumbent curve is not the running best of its queried values"
    return None


def check_black_box(runs: Sequence[dict[str, Any]], runs_dir: str | Path, query: Callable[[str, str], float]) -> None:
    """Refuse runs whose queried values are not what the black box gives (``query(arch, dataset)``,
    e.g. the benchmark table the sweep queries): an edited or foreign run file would otherwise
    enter the table with values no architecture has."""
    for r in runs:
        spec, t = r["spec"], r["trajectory"]
        name = f"{runs_dir}/{spec['dataset']}__{spec['method']}__s{spec['seed']}"
        archs, values = t.get("archs"), t.get("values")
        if not isinstance(archs, list) or not isinstance(values, list) or len(archs) != len(values):
            raise DataFormatError(f"{name} does not record its queried architectures and values; it was not written "
                                  "by this sweep: move it out of the runs folder")
        for i, (arch, value) in enumerate(zip(archs, values, strict=True)):
            try:
                truth = query(arch, spec["dataset"])
            except DiffusionNAGError as e:
                raise DataFormatError(f"{name}'s query {i + 1} ({arch!r}) is not an architecture the black box "
                                      f"knows ({e}); the run file was edited or is foreign: delete it and re-run "
                                      "the sweep") from e
            if not np.isclose(truth, value, rtol=0, atol=1e-9):
                raise DataFormatError(f"{name}'s query {i + 1} records {value} for {arch}, whose value is {truth} in "
                                      "the black box; the run file was edited or made on other data: delete it and "
                                      "re-run the sweep")


def load_runs(runs_dir: str | Path) -> list[dict[str, Any]]:
    """Every run file in ``runs_dir``; a damaged one is named (``read_run``), a misspelt or
    missing folder too (it read as a folder without runs)."""
    folder = Path(runs_dir)
    if not folder.is_dir():
        raise DataFormatError(f"runs folder {str(folder)!r} {'is a file' if folder.exists() else 'does not exist'}; "
                              "give the folder a sweep writes its run files to (its config's runs_dir)")
    return [read_run(p) for p in sorted(folder.glob("*.json"))]


def pooled_runs(folders: Sequence[str | Path]) -> list[dict[str, Any]]:
    """The runs of several folders (e.g. a sweep's and the same config's on other seeds) as one
    sample, refused where one method's budget, protocol, data file, parameters (``recorded_params``)
    or checkpoint differ between its runs: one table would mix two searches under one name. A
    seed found twice is refused when the sample is grouped (``aggregate``, ``standing``)."""
    from ..resultsio import to_json
    from .methods import recorded_params

    runs: list[dict[str, Any]] = []
    first: dict[str, tuple[tuple[Any, ...], str]] = {}
    for folder in folders:
        for r in load_runs(folder):
            what = (r["spec"]["budget"], r.get("protocol", 1), (r.get("benchmark") or {}).get("sha256"),
                    to_json(recorded_params(r)), (r.get("checkpoint") or {}).get("sha256"))
            seen, where = first.setdefault(r["spec"]["method"], (what, str(folder)))
            if seen != what:
                names = ("budget", "protocol", "data file (sha256)", "parameters", "checkpoint (sha256)")
                differ = [n for n, a, b in zip(names, seen, what, strict=True) if a != b]
                raise DataFormatError(f"{r['spec']['method']} runs in {where} and {folder} differ in "
                                      f"{', '.join(differ)}: they are not one sample; pool only runs of one "
                                      "config (the same settings on other seeds)")
            runs.append(r)
    return runs


def check_same_data(runs: Sequence[dict[str, Any]], runs_dir: str | Path, checksum: str) -> None:
    """Refuse to aggregate runs made on another benchmark file than the sweep's: one table
    would mix two black boxes."""
    other = [r for r in runs if r.get("benchmark", {}).get("sha256") != checksum]
    if other:
        first = other[0]["spec"]
        raise DataFormatError(
            f"{len(other)} of {len(runs)} runs in {runs_dir} were made on another data file than the "
            f"config's (sha256 {checksum[:12]}...), e.g. {first['dataset']}__{first['method']}__s{first['seed']} "
            f"(sha256 {str(other[0].get('benchmark', {}).get('sha256'))[:12]}...); move them to another folder "
            "or point the config's data at the file they used")


def check_same_protocol(runs: Sequence[dict[str, Any]], runs_dir: str | Path) -> None:
    """Refuse to aggregate runs of different protocol versions (``sweep.PROTOCOL``; a run
    without the field is protocol 1): the same spec computes another trajectory under each."""
    versions = {r.get("protocol", 1) for r in runs}
    if len(versions) > 1:
        raise DataFormatError(
            f"runs in {runs_dir} were made under protocols {sorted(versions)} (seed derivation and "
            "acquisitions differ between them); aggregate each protocol's runs from their own folder")


def checkpoints(budget: int) -> list[int]:
    """The query counts a table reports for runs of ``budget`` queries: ``CHECKPOINTS`` within
    it and the budget itself (a budget below 10 had no best-so-far column at all)."""
    return sorted({*(q for q in CHECKPOINTS if q <= budget), budget})


def _groups(runs: Sequence[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Runs by (dataset, method), sorted; a seed counted twice is refused."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    seen: set[tuple[str, str, int]] = set()
    for r in runs:
        key = (r["spec"]["dataset"], r["spec"]["method"], r["spec"]["seed"])
        if key in seen:  # a copied run file counted twice and narrowed the interval
            raise DataFormatError(f"two runs of {key[1]} on {key[0]} with seed {key[2]}: a copied or renamed run file; "
                                  "keep one of them (each seed is one run of a table)")
        seen.add(key)
        groups[key[:2]].append(r)
    return dict(sorted(groups.items()))


def aggregate(runs: Sequence[dict[str, Any]], optima: dict[str, float]) -> dict[str, Any]:
    """Per dataset and method: incumbent mean, sd (ddof=1) and 95 % t-interval half-width at
    ``checkpoints(budget)`` queries, queries to the optimum (``median_to_optimum``), wall time."""
    table: dict[str, Any] = {}
    for (dataset, method), rs in _groups(runs).items():
        budget = min(r["spec"]["budget"] for r in rs)
        inc = np.array([r["trajectory"]["incumbent"][:budget] for r in rs])
        opt = optima[dataset]
        hits = [int(np.argmax(np.isclose(row, opt, atol=1e-6))) + 1 if np.isclose(row, opt, atol=1e-6).any() else None
                for row in inc]
        mean, sd, ci = mean_ci(inc)
        at = {str(q): {"mean": float(mean[q - 1]), "sd": None if sd is None else float(sd[q - 1]),
                       "ci95": None if ci is None else float(ci[q - 1])} for q in checkpoints(budget)}
        table.setdefault(dataset, {})[method] = {
            "seeds": len(rs), "budget": budget, "at": at,
            "to_optimum": median_to_optimum(hits, budget),
            "seconds_mean": float(np.mean([r["seconds"] for r in rs])),
            # the table shows the median: a run that shared its core with other jobs is an outlier
            "seconds_median": float(np.median([r["seconds"] for r in rs])),
            "curve_mean": mean.tolist(), "curve_ci95": None if ci is None else ci.tolist(),
        }
    return table


STANDING_FROM = 20
"""The first budget whose standing is tabulated: below it every BO method is still in (or just
past) the shared random initial design, which no method chooses."""
TIE = 1e-6
"""Means closer than this are tied (methods at the optimum on every seed differ by float noise)."""


def standing(runs: Sequence[dict[str, Any]], first: int = STANDING_FROM) -> dict[str, Any]:
    """Per dataset, where each method stands among the others at every budget from ``first``
    to the shortest run's: at how many its mean best-so-far is first or tied, the budgets where
    another method's mean is higher (and which method leads there), its largest deficit, and
    the budgets where it is behind significantly: the pointwise paired 95 % t-interval
    (ddof=1) of its per-seed difference to the leader, on the seeds both ran (one pair per
    seed: the BO methods share each seed's initial design), lies below 0. A goal such as "the
    best mean at every budget" reads off the first count; the paired test says which of the
    deficits 20 seeds can tell from noise (pointwise: over 131 budgets some false calls are
    expected)."""
    first = require_int("first (the first budget of the standing)", first, 1)
    curves: dict[str, dict[str, dict[int, list[float]]]] = defaultdict(dict)
    for (dataset, method), rs in _groups(runs).items():
        curves[dataset][method] = {int(r["spec"]["seed"]): r["trajectory"]["incumbent"][:r["spec"]["budget"]]
                                   for r in rs}
    out: dict[str, Any] = {}
    for dataset, methods in curves.items():
        last = min(len(c) for per_seed in methods.values() for c in per_seed.values())
        if len(methods) < 2 or last < first:  # nothing to stand among, or no budget from `first` on
            continue
        budgets = np.arange(first, last + 1)
        means = {m: np.mean([c[:last] for c in per_seed.values()], axis=0) for m, per_seed in methods.items()}
        rows: dict[str, Any] = {}
        for m in methods:
            behind: list[int] = []
            leaders: dict[int, str] = {}
            significant: list[int] = []
            untested: list[int] = []  # fewer than 2 seeds shared with the leader: no paired interval
            deficit, deficit_at = 0.0, None
            for q in budgets:
                others = {o: float(means[o][q - 1]) for o in methods if o != m}
                lead = max(others, key=others.__getitem__)
                gap = others[lead] - float(means[m][q - 1])
                if gap <= TIE:
                    continue
                behind.append(int(q))
                leaders[int(q)] = lead
                if gap > deficit:
                    deficit, deficit_at = gap, int(q)
                shared = sorted(set(methods[m]) & set(methods[lead]))
                if len(shared) >= 2:
                    diff = np.array([methods[m][s][q - 1] - methods[lead][s][q - 1] for s in shared])
                    mean, _, half = mean_ci(diff)
                    if half is not None and float(mean) + float(half) < 0:
                        significant.append(int(q))
                else:
                    untested.append(int(q))
            rows[m] = {"first_or_tied": len(budgets) - len(behind), "behind": behind,
                       "leaders": {o: [q for q in behind if leaders[q] == o] for o in sorted(set(leaders.values()))},
                       "largest_deficit": deficit, "largest_deficit_at": deficit_at,
                       "significantly_behind": significant, "untested": untested}
        out[dataset] = {"from": first, "to": last, "budgets": len(budgets), "methods": rows}
    return out


def ranges(qs: Sequence[int]) -> str:
    """``20-25, 30, 41-43`` for increasing whole budgets (``–`` for none)."""
    if not qs:
        return "–"
    if any(whole_number(q) is None for q in qs) or any(b <= a for a, b in zip(qs, qs[1:], strict=False)):
        raise ValueError(f"ranges takes increasing whole numbers (distinct budgets, sorted), got {list(qs)[:6]!r}")
    parts, start, prev = [], qs[0], qs[0]
    for q in [*qs[1:], None]:
        if q is not None and q == prev + 1:
            prev = q
            continue
        parts.append(f"{start}" if start == prev else f"{start}-{prev}")
        if q is not None:
            start = prev = q
    return ", ".join(parts)


STANDING_TEXT = ("Standing: at each budget from {first} to {to} ({n} budgets), a method is behind where another "
                 "method's mean best-so-far is higher by more than {tie:g} (the leader there is named); "
                 "significantly behind: the paired 95 % t-interval (ddof=1) of its per-seed difference to that "
                 "leader, over the seeds both ran, lies below 0 (pointwise, not corrected for the {n} budgets).")


def standing_markdown(rows: dict[str, Any]) -> list[str]:
    """One dataset's ``standing`` as a Markdown table."""
    lines = [STANDING_TEXT.format(first=rows["from"], to=rows["to"], n=rows["budgets"], tie=TIE), "",
             _row(["method", f"first or tied (of {rows['budgets']})", "behind at (leader there)", "largest deficit (at)",
                   "significantly behind at"]), _row(["---"] * 5)]
    for m, r in rows["methods"].items():
        behind = "; ".join(f"{ranges(qs)} ({o})" for o, qs in r["leaders"].items()) or "–"
        worst = "–" if r["largest_deficit_at"] is None else f"{r['largest_deficit']:.2f} ({r['largest_deficit_at']})"
        untested = f"; untested (< 2 shared seeds) at {ranges(r['untested'])}" if r.get("untested") else ""
        lines.append(_row([m, str(r["first_or_tied"]), behind, worst, ranges(r["significantly_behind"]) + untested]))
    return [*lines, ""]


def to_markdown(table: dict[str, Any], optima: dict[str, float], meta: dict[str, Any],
                ranks: dict[str, Any] | None = None) -> str:
    """The tables of ``aggregate``, each followed by its dataset's ``standing`` when ``ranks`` has it."""
    lines = [f"# {meta.get('title', 'BO-NAS on NB201')}", "", meta.get("protocol", ""), "",
             f"Best @ q: mean {SPREAD}. Queries to optimum: {TO_OPTIMUM}.", ""]
    for dataset, methods in table.items():
        qs = sorted(set.intersection(*(set(map(int, m["at"])) for m in methods.values()))) if methods else []
        header = ["method", "seeds", *(f"best @ {q}" for q in qs), "queries to optimum, median [95 % CI]", "reached",
                  "s / run (median)"]
        lines += [f"## {dataset} (optimum {optima[dataset]:.2f})", "", _row(header), _row(["---"] * len(header))]
        for method, m in methods.items():
            t = m["to_optimum"]
            lines.append(_row([method, str(m["seeds"]), *(cell_text(m["at"][str(q)]) for q in qs), median_text(t),
                               f"{t['reached']}/{m['seeds']}", f"{m['seconds_median']:.1f}"]))
        lines.append("")
        if ranks and dataset in ranks:
            lines += standing_markdown(ranks[dataset])
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def cell_text(at: dict[str, float | None]) -> str:
    """``mean ± ci95`` of one table cell (the mean alone for a single seed)."""
    return f"{at['mean']:.2f}" + ("" if at["ci95"] is None else f" ± {at['ci95']:.2f}")


def plot(table: dict[str, Any], optima: dict[str, float], out_dir: str | Path, stem: str) -> list[str]:
    """One PNG per dataset: best-so-far accuracy vs queries, mean with its 95 % t-interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for dataset, methods in table.items():
        fig, ax = plt.subplots(figsize=(6, 4))
        for method, m in methods.items():
            mean = np.array(m["curve_mean"])
            x = np.arange(1, len(mean) + 1)
            ax.plot(x, mean, label=method)
            if m["curve_ci95"] is not None:
                half = np.array(m["curve_ci95"])
                ax.fill_between(x, mean - half, mean + half, alpha=0.2)
        ax.axhline(optima[dataset], color="k", lw=0.8, ls="--", label="optimum")
        lo = min(np.array(m["curve_mean"])[min(9, len(m["curve_mean"]) - 1)] for m in methods.values())
        ax.set_ylim(lo - 0.5, optima[dataset] + 0.3)
        ax.set_xlabel("queries (architectures evaluated)")
        ax.set_ylabel("best test accuracy so far (%)")
        ax.set_title(f"NB201 {dataset}: mean and 95 % CI over seeds (t, ddof=1)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        path = Path(out_dir) / f"{stem}_{dataset}.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        paths.append(str(path))
    return paths
