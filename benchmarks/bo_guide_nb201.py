"""Tuning run (issue 12, item 3): what diffusion-BO's generator should climb (the surrogate mean
or the acquisition function itself), its surrogate and its round design.

Protocol: NB201 (CIFAR-10 unless --dataset), black box = 200-epoch test accuracy from
../shared/data/nb201/nats_bench.csv (sha256 recorded in every run), budget 50 queries (unless --budget), seeds
100-109 (tuning seeds: never the reported 0-19), `diffusion-bo` in the plain round each variant
changes (PLAIN: no ranking term, no local queries; 10 random initial cells, 10 queries per
round, ensemble 3, 300 fit steps, 100 candidates, scales 100/50/25, shipped checkpoint) and
protocol 2 (SeedSequence seeds, torch acquisitions). Variants: acquisition its / ucb (beta 2) / ei, each guided by the
surrogate mean and, for ucb and ei, by the acquisition; its-mean with an MLP surrogate
(surrogate_encoder mlp) and with 50 one-edit mutations of the best queried cells mixed into
the generated candidates (mix_mutations 50), and ucb-acq with the same mixing; its-mean and
ucb-acq with a pairwise ranking term in the surrogate's fit (surrogate_rank_weight 1); its-mean,
with and without that term, with 3 of each round's 10 queries on the acquisition's best one-edit
neighbours of the incumbent (local_queries 3; with the term also 5), and the ranking term with
3 local queries and no query computing the same function as a queried cell (distinct_functions),
with an ensemble of 5, with rounds of 5 queries (2 local), and ranking by the surrogate mean
(acquisition mean: no exploration term); with the ensemble of 5, local queries around the best
3 / 10 cells (local_parents), rounds of 5 (2 local), and two-edit neighbours joining the local
region once the one-edit ones are nearly spent (local_widen), 50 / 100 mutations mixed into
the candidates, UCB guiding the sampler (ucb-acq), and mutation candidates instead of generated
ones after 20 / 40 queries without a new best (stall_switch), and the local queries ranked by
the surrogate mean instead of the acquisition (local_acquisition mean) or 5 local queries of
10, the MLP surrogate encoder, the MLP ranking what the GCN-guided sampler generates
(ranking_encoder mlp), all 10 / 6 queries of a round that follows a new incumbent on its
neighbours (local_after_gain) and no query computing the same function as a queried or chosen
cell (distinct_functions), and 5 random initial cells instead of 10 (n_init 5, both for diffusion-BO and
for ls-init5); the default round of bo_nb201.md (stall_switch 20) with its surrogate fitted on more
nearly clean inputs (surrogate_noise_power 3) and with its generated pool topped up to 100 distinct
unqueried cells (fill_rounds 3) and with its surrogate regressing normal scores of the labels' ranks
instead of z-scores (surrogate_labels normal_scores); the round of bo_nb201.md with normal scores
(where BANANAS' mutation pool leads on ImageNet16-120) with the fit's noise levels t = u ** 3 and
with 100 one-edit mutations of the best queried cells joining each generated pool (a superset of
BANANAS' candidates), and switching to BANANAS' mutations after 10 queries without a new best
instead of 20 (stall10), and after 1 (stall1; stall1s: the initial design not counted as a stall), and stall10 with
100 guided edits of the best cells joining the stalled rounds' mutations (edits100), and stall10 switching after 1
query once 60 are made (late1at60), and stall10 generating at scales 50 / 25 / 10 (s50); local search (ls) as the reference
to beat, and at --budget 150 also bananas (the
round of bo_nb201.md before normal scores: z-scored labels) and bananas-nscores (its round since). One
worker, one thread per run. Each
variant is its own resumable sweep (run in this process, one table load) in
benchmarks_results/bo_guide_nb201/<variant>/runs; the tables use the seeds every variant
finished. Writes benchmarks_results/bo_guide_nb201.{json,md}. With --dataset cifar100 /
ImageNet16-120 the same variants and seeds run on that dataset instead (whether a choice made
on CIFAR-10 carries over), in benchmarks_results/bo_guide_nb201_<dataset>{/,.json,.md}. With
--budget B (not 50) runs of B queries land in the same names with suffix _b<B> (what happens
after 50 queries, e.g. a stalled incumbent).

    python benchmarks/bo_guide_nb201.py [--seeds 100-109] [--variants its-mean,ucb-acq,...] [--dataset cifar10]
                                        [--budget 50]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from naslib_diffusionnag.argtypes import at_least, choice_list, nb201_dataset, seed_range
from naslib_diffusionnag.bo import report
from naslib_diffusionnag.bo.methods import FIRST_DEFAULTS
from naslib_diffusionnag.bo.sweep import PROTOCOL, SweepConfig, is_done, run_one
from naslib_diffusionnag.oracles import NB201Benchmark
from naslib_diffusionnag.resultsio import check_writable, to_json, write_json_atomic, write_text_atomic

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks_results"
BUDGET = 50
DATASET = "cifar10"  # where the settings are chosen; --dataset checks a choice on another one


def out_dir(dataset: str, budget: int = BUDGET) -> Path:
    """benchmarks_results/bo_guide_nb201 for CIFAR-10 (the tuning runs), bo_guide_nb201_<dataset>
    otherwise, with _b<budget> for a budget other than 50."""
    name = "bo_guide_nb201" + ("" if dataset == DATASET else f"_{dataset}")
    return RESULTS / (name + ("" if budget == BUDGET else f"_b{budget}"))
#: the round the variants below change: the method defaults before the ranking term and local
#: queries (chosen here) became the defaults; a variant's run files resume because the sweep
#: compares resolved parameters
PLAIN = dict(FIRST_DEFAULTS)
#: the default round of bo_nb201.md over PLAIN (ranking term, 3 local queries, ensemble of 5),
#: which the later variants change one setting of
ENS5_ROUND = {"acquisition": "its", "guide": "mean", "surrogate_rank_weight": 1.0, "local_queries": 3, "ensemble": 5,
              "surrogate_labels": "zscore"}
VARIANTS: dict[str, tuple[str, dict]] = {  # name -> (method, parameters over PLAIN)
    "its-mean": ("diffusion-bo", {"acquisition": "its", "guide": "mean"}),
    "ucb-mean": ("diffusion-bo", {"acquisition": "ucb", "guide": "mean"}),
    "ucb-acq": ("diffusion-bo", {"acquisition": "ucb", "guide": "acquisition"}),
    "ei-mean": ("diffusion-bo", {"acquisition": "ei", "guide": "mean"}),
    "ei-acq": ("diffusion-bo", {"acquisition": "ei", "guide": "acquisition"}),
    # surrogate and round design (item 3): an MLP surrogate; 50 one-edit mutations of the best
    # queried cells mixed into the 100 generated candidates; local search for reference
    "its-mean-mlp": ("diffusion-bo", {"acquisition": "its", "guide": "mean", "surrogate_encoder": "mlp"}),
    "its-mean-mix50": ("diffusion-bo", {"acquisition": "its", "guide": "mean", "mix_mutations": 50}),
    "ucb-acq-mix50": ("diffusion-bo", {"acquisition": "ucb", "guide": "acquisition", "mix_mutations": 50}),
    # a pairwise ranking term in the surrogate's fit (weight 1 beside the squared error)
    "its-mean-rank1": ("diffusion-bo", {"acquisition": "its", "guide": "mean", "surrogate_rank_weight": 1.0}),
    "ucb-acq-rank1": ("diffusion-bo", {"acquisition": "ucb", "guide": "acquisition", "surrogate_rank_weight": 1.0}),
    # a trust region in each round: 3 of the 10 queries go to the acquisition's best unqueried
    # one-edit neighbours of the incumbent (local_queries), the other 7 to the generated pool
    "its-mean-local3": ("diffusion-bo", {"acquisition": "its", "guide": "mean", "local_queries": 3}),
    "its-mean-rank1-local3": ("diffusion-bo", {"acquisition": "its", "guide": "mean", "surrogate_rank_weight": 1.0,
                                               "local_queries": 3}),
    "its-mean-rank1-local5": ("diffusion-bo", {"acquisition": "its", "guide": "mean", "surrogate_rank_weight": 1.0,
                                               "local_queries": 5}),
    # the same with one query per computed function: no cell isomorphic to a queried one
    "its-mean-rank1-local3-distinct": ("diffusion-bo", {"acquisition": "its", "guide": "mean",
                                                        "surrogate_rank_weight": 1.0, "local_queries": 3,
                                                        "distinct_functions": True}),
    # the round the ranking term and 3 local queries made the default, varied once more: a larger
    # ensemble, refits twice as often (the same share of local queries), pure exploitation
    "its-mean-rank1-local3-ens5": ("diffusion-bo", ENS5_ROUND),
    "its-mean-rank1-k5-local2": ("diffusion-bo", {"acquisition": "its", "guide": "mean", "surrogate_rank_weight": 1.0,
                                                  "local_queries": 2, "k": 5}),
    "mean-mean-rank1-local3": ("diffusion-bo", {"acquisition": "mean", "guide": "mean", "surrogate_rank_weight": 1.0,
                                                "local_queries": 3}),
    # with the ensemble of 5: local queries around the best 3 / 10 queried cells instead of the
    # incumbent alone (on ImageNet16-120 the default round stalls two edits from the optimum)
    "its-mean-rank1-local3-ens5-parents3": ("diffusion-bo", {**ENS5_ROUND, "local_parents": 3}),
    "its-mean-rank1-local3-ens5-parents10": ("diffusion-bo", {**ENS5_ROUND, "local_parents": 10}),
    # with the ensemble of 5: rounds of 5 queries (2 local), refitting twice as often
    "its-mean-rank1-k5-local2-ens5": ("diffusion-bo", {**ENS5_ROUND, "local_queries": 2, "k": 5}),
    # with the ensemble of 5: once the incumbent's one-edit neighbourhood is nearly spent, local
    # queries take in its two-edit neighbours (on ImageNet16-120 the default round sits on a cell
    # whose 24 neighbours are all queried); judged at --budget 150, where that happens
    "its-mean-rank1-local3-ens5-widen": ("diffusion-bo", {**ENS5_ROUND, "local_widen": True}),
    # with the ensemble of 5: 50 / 100 one-edit mutations of the best queried cells join each
    # round's generated candidates (BANANAS' candidates beside ours)
    "its-mean-rank1-local3-ens5-mix50": ("diffusion-bo", {**ENS5_ROUND, "mix_mutations": 50}),
    "its-mean-rank1-local3-ens5-mix100": ("diffusion-bo", {**ENS5_ROUND, "mix_mutations": 100}),
    # with the ensemble of 5: the sampler climbs UCB itself (exploration in the generated pool)
    "ucb-acq-rank1-local3-ens5": ("diffusion-bo", {**ENS5_ROUND, "acquisition": "ucb", "guide": "acquisition"}),
    # with the ensemble of 5: after 20 / 40 queries without a new best, the round's candidates are
    # BANANAS' mutations of the 10 best queried cells until the next improvement (stall_switch)
    "its-mean-rank1-local3-ens5-stall20": ("diffusion-bo", {**ENS5_ROUND, "stall_switch": 20}),
    "its-mean-rank1-local3-ens5-stall40": ("diffusion-bo", {**ENS5_ROUND, "stall_switch": 40}),
    # with the ensemble of 5: the local queries ranked by the surrogate mean instead of ITS (the
    # CIFAR optima are found by local queries, rounds after the incumbent is one edit away)
    "its-mean-rank1-local3-ens5-localmean": ("diffusion-bo", {**ENS5_ROUND, "local_acquisition": "mean"}),
    # with the ensemble of 5: 5 of the 10 queries local (the CIFAR optima are found by local queries)
    "its-mean-rank1-local5-ens5": ("diffusion-bo", {**ENS5_ROUND, "local_queries": 5}),
    # with the ensemble of 5: the MLP encoder instead of the directed GCN (it ranked the candidates
    # of real histories best in bo_surrogates_nb201.md)
    "its-mean-rank1-local3-ens5-mlp": ("diffusion-bo", {**ENS5_ROUND, "surrogate_encoder": "mlp"}),
    # with the ensemble of 5: the GCN ensemble's mean guides the sampler, an MLP ensemble ranks
    # the pool and the local region (the study's best ranker, a worse guide)
    "its-mean-rank1-local3-ens5-mlprank": ("diffusion-bo", {**ENS5_ROUND, "ranking_encoder": "mlp"}),
    # with the ensemble of 5: a round right after a new incumbent gives all 10 / 6 of its queries
    # to the new incumbent's neighbours (local_after_gain; the optimum is one edit from the
    # incumbent ~17 queries before a local query finds it, bo_local_diagnosis_nb201.md)
    "its-mean-rank1-local3-ens5-gain10": ("diffusion-bo", {**ENS5_ROUND, "local_after_gain": 10}),
    "its-mean-rank1-local3-ens5-gain6": ("diffusion-bo", {**ENS5_ROUND, "local_after_gain": 6}),
    # with the ensemble of 5: no query computing the same function as a queried or chosen cell
    # (with the ensemble of 3 it reached the CIFAR-10 optimum by 50 on 7/9 seeds vs 5/9)
    "its-mean-rank1-local3-ens5-distinct": ("diffusion-bo", {**ENS5_ROUND, "distinct_functions": True}),
    # 5 random initial cells instead of 10: the initial design rarely holds the optimum, so each
    # random query saved is a query earlier, if the surrogate fitted on 5 cells does not lose it again
    "its-mean-rank1-local3-ens5-init5": ("diffusion-bo", {**ENS5_ROUND, "n_init": 5}),
    # the default round of bo_nb201.md (with stall_switch 20) with a surrogate fitted on more
    # nearly clean inputs (noise levels t = u ** 3: the clean cells it ranks are read at sigma_min)
    "its-mean-rank1-local3-ens5-stall20-noise3": ("diffusion-bo", {**ENS5_ROUND, "stall_switch": 20,
                                                                   "surrogate_noise_power": 3.0}),
    # the default round with the generated pool topped up to 100 distinct unqueried cells (up to 3
    # more sampling rounds at the last scale; one pass holds fewer, random pools 100)
    "its-mean-rank1-local3-ens5-stall20-fill3": ("diffusion-bo", {**ENS5_ROUND, "stall_switch": 20,
                                                                  "fill_rounds": 3}),
    # the default round with its surrogate regressing normal scores of the labels' ranks instead of
    # z-scores (z-scores are dominated by the few broken cells; guided generation's default)
    "its-mean-rank1-local3-ens5-stall20-nscores": ("diffusion-bo", {**ENS5_ROUND, "stall_switch": 20,
                                                                    "surrogate_labels": "normal_scores"}),
    # the default round of bo_nb201.md since normal scores (ImageNet16-120: BANANAS, same surrogate,
    # reaches the optimum on 19/20 reported seeds, diffusion-BO on 15/20) with the fit's noise
    # levels t = u ** 3 (with z-scores: 15/20 at the optimum on the tuning seeds) / with BANANAS'
    # 100 mutation candidates joining the generated pool, so the acquisition sees both
    "its-mean-rank1-local3-ens5-stall20-nscores-noise3": ("diffusion-bo", {**ENS5_ROUND, "stall_switch": 20,
                                                                           "surrogate_labels": "normal_scores",
                                                                           "surrogate_noise_power": 3.0}),
    "its-mean-rank1-local3-ens5-stall20-nscores-mix100": ("diffusion-bo", {**ENS5_ROUND, "stall_switch": 20,
                                                                           "surrogate_labels": "normal_scores",
                                                                           "mix_mutations": 100}),
    # the same round switching to BANANAS' mutations after 10 queries (one round) without a new
    # best instead of 20 (on ImageNet16-120 the tuning runs that miss the optimum end on the local
    # optima 47.08 / 46.71, two or more edits from it)
    "its-mean-rank1-local3-ens5-stall10-nscores": ("diffusion-bo", {**ENS5_ROUND, "stall_switch": 10,
                                                                    "surrogate_labels": "normal_scores"}),
    # that default (stall10, adopted 2026-12-05) switching after 1 query without a new best: mutation
    # pools in every round not right after an improvement (BANANAS' pool leads from ~25 queries on
    # CIFAR-100 and ImageNet16-120 in bo_nb201.md), generated pools after one
    "its-mean-rank1-local3-ens5-stall1-nscores": ("diffusion-bo", {**ENS5_ROUND, "stall_switch": 1,
                                                                   "surrogate_labels": "normal_scores"}),
    # the same with the random initial design not counted as a stall (stall1 drew mutations in the
    # first round, its mean @ 20 on ImageNet16-120 0.43 below the default's)
    "its-mean-rank1-local3-ens5-stall1s-nscores": ("diffusion-bo", {**ENS5_ROUND, "stall_switch": 1,
                                                                    "stall_skip_initial": True,
                                                                    "surrogate_labels": "normal_scores"}),
    # that default (stall10) with 100 guided edits of the 10 best queried cells (candidates.EditAO:
    # re-generated from noise level 0.6, about 2 edits on NB201, under the surrogate mean's
    # guidance) joining the stalled rounds' mutations: the tuning runs that miss ImageNet16-120's
    # optimum end on cells two or more edits from it, out of one-edit mutations' reach
    "its-mean-rank1-local3-ens5-stall10-nscores-edits100": ("diffusion-bo", {**ENS5_ROUND, "stall_switch": 10,
                                                                              "surrogate_labels": "normal_scores",
                                                                              "stall_edits": 100}),
    # that default (stall10) switching after 1 query without a new best once 60 queries are made
    # (stall_switch_late 1 from stall_late_from 60): stall1 / stall1s reached ImageNet16-120's
    # optimum on 16/20 tuning seeds (the default 14) but CIFAR-10's later, where most runs reach it
    # before 60; ImageNet16-120's landscape (nb201_landscape.md: 7 of its 20 best cells are
    # one-edit local optima) is what late mutation rounds address
    "its-mean-rank1-local3-ens5-stall10-nscores-late1at60": ("diffusion-bo", {**ENS5_ROUND, "stall_switch": 10,
                                                                               "surrogate_labels": "normal_scores",
                                                                               "stall_switch_late": 1}),
    # that default (stall10) generating at scales 50 / 25 / 10 instead of 100 / 50 / 25: the
    # scales guided generation chose for normal-score labels (guidance_selection_nb201.md: 35 %
    # distinct cells against 14 % at 100 / 50 / 25, which were chosen for z-scores); the BO
    # surrogate moved to normal scores without re-choosing them, and on ImageNet16-120 its pools
    # put the incumbent in the optimum's steepest-ascent basin on 3 of 40 reported runs after 20
    # queries, BANANAS' on 10 (bo_rounds_nb201.md)
    "its-mean-rank1-local3-ens5-stall10-nscores-s50": ("diffusion-bo", {**ENS5_ROUND, "stall_switch": 10,
                                                                         "surrogate_labels": "normal_scores",
                                                                         "scales": [50, 25, 10]}),
    "ls": ("ls", {}),
    "ls-init5": ("ls", {"n_init": 5}),  # the same change for the reference
    # the reference BO method: its defaults when these tables were made (the round of bo_nb201.md
    # before normal scores)
    "bananas": ("bananas", {"surrogate_labels": "zscore"}),
    "bananas-nscores": ("bananas", {}),  # its defaults: the round of bo_nb201.md since normal scores
}


def sweep(variant: str, seeds: list[int], dataset: str, budget: int = BUDGET) -> SweepConfig:
    out = out_dir(dataset, budget)
    method, params = VARIANTS[variant]
    params = {**PLAIN, **params} if method == "diffusion-bo" else params
    return SweepConfig(methods={method: params}, datasets=[dataset], seeds=seeds,
                       budget=budget, runs_dir=str(out / variant / "runs"), results=str(out / variant / "table"))


def variant_row(v: str, all_runs: list[dict], seeds: set[int], out: Path, bench: NB201Benchmark,
                optimum: float, budget: int) -> dict:
    """One variant's aggregate over exactly `seeds` (like with like across the rows of a table)."""
    runs = [r for r in all_runs if r["spec"]["seed"] in seeds]
    report.check_same_data(runs, out / v / "runs", bench.checksum)
    report.check_same_protocol(runs, out / v / "runs")
    table = report.aggregate(runs, {runs[0]["spec"]["dataset"]: optimum})[runs[0]["spec"]["dataset"]][VARIANTS[v][0]]
    inc = np.array([r["trajectory"]["incumbent"][:budget] for r in runs])
    table["seed_list"] = sorted(r["spec"]["seed"] for r in runs)
    table["final"] = inc[:, -1].tolist()
    table[f"reached_optimum_by_{budget}"] = int(np.isclose(inc[:, -1], optimum, atol=1e-6).sum())
    return table


def table_lines(rows: dict[str, dict], qs: list[int], budget: int) -> list[str]:
    lines = ["| variant | seeds | " + " | ".join(f"best @ {q}" for q in qs)
             + f" | seeds at the optimum by {budget} | queries to the optimum (median [95 % CI]) "
               "| s / run (median) |",
             "|---|---|" + "---|" * len(qs) + "---|---|---|"]
    for v, t in rows.items():
        lines.append(f"| {v} | {t['seeds']} | " + " | ".join(report.cell_text(t["at"][str(q)]) for q in qs)
                     + f" | {t[f'reached_optimum_by_{budget}']}/{t['seeds']} | {report.median_text(t['to_optimum'])} "
                     f"| {t['seconds_median']:.0f} |")
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=seed_range, default="100-109", help="first-last (inclusive)")
    p.add_argument("--variants", type=choice_list(list(VARIANTS)), default=",".join(VARIANTS))
    p.add_argument("--dataset", type=nb201_dataset, default=DATASET,
                   help="NB201 dataset (default: cifar10, the tuning dataset)")
    p.add_argument("--budget", type=at_least(2), default=BUDGET,
                   help="queries per run (default 50; another budget has its own results, suffix _b<budget>)")
    p.add_argument("--aggregate-only", action="store_true")
    args = p.parse_args()
    dataset, budget = args.dataset, args.budget
    out = out_dir(dataset, budget)
    seeds, variants = args.seeds, args.variants
    bench = NB201Benchmark.load()
    optimum = bench.best(dataset)[1]
    if not args.aggregate_only:
        for s in seeds:  # seed by seed across variants, so a partial run compares like with like
            for v in variants:
                config = sweep(v, [s], dataset, budget)
                runs_dir = check_writable(config.runs_dir)
                (spec,) = config.specs()
                if not is_done(spec, runs_dir):  # in this process (one table load); a stale file is an error
                    run_one(spec, config.runs_dir, bench)
                print(v, s, flush=True)
    done = {v: report.load_runs(out / v / "runs") for v in VARIANTS if (out / v / "runs").exists()}
    seed_sets = {v: {r["spec"]["seed"] for r in runs} for v, runs in done.items()}
    common = set.intersection(*seed_sets.values())
    rows = {v: variant_row(v, runs, common, out, bench, optimum, budget) for v, runs in done.items()}
    # variants re-run on more seeds (a choice checked on fresh tuning seeds) get their own table
    most = max(map(len, seed_sets.values()))
    wide = set.intersection(*(s for s in seed_sets.values() if len(s) == most))
    wide_rows = {v: variant_row(v, runs, wide, out, bench, optimum, budget)
                 for v, runs in done.items() if seed_sets[v] >= wide} if len(wide) > len(common) else {}
    meta = {"title": f"Tuning run: diffusion-BO's guide, surrogate and round design (NB201 {dataset})",
            "protocol_version": PROTOCOL, "benchmark": bench.provenance(), "budget": budget,
            "dataset": dataset, "protocol": __doc__.split("\n\n")[1].strip()}
    write_json_atomic(f"{out}.json", {"meta": meta, "optimum": optimum, "variants": rows,
                                      "variants_on_more_seeds": wide_rows},
                      indent=1)
    qs = [10, 20, 50] if budget == BUDGET else sorted({20, 50, 100, budget} - {q for q in (50, 100) if q > budget})
    lines = [f"# {meta['title']}", "", "**Tuning run on seeds outside the reported ones; not a reported result.**", "",
             meta["protocol"], "", f"Dataset of this table: {dataset} (--dataset). Best @ q: mean {report.SPREAD}. "
             f"Queries to the optimum: {report.TO_OPTIMUM}. "
             f"Optimum {optimum:.2f}.", "",
             *table_lines(rows, qs, budget)]
    if wide_rows:
        lines += ["", f"Variants run on more tuning seeds ({len(wide)}: {min(wide)}-{max(wide)}), on the seeds all of "
                  "them share:", "", *table_lines(wide_rows, qs, budget)]
    write_text_atomic(f"{out}.md", "\n".join(lines) + "\n")
    print(to_json(rows and {v: t["at"] for v, t in rows.items()}, indent=1))


if __name__ == "__main__":
    main()
