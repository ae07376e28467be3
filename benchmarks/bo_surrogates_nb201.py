"""Surrogate study (issue 12, item 3): which surrogate ranks the candidates of a late BO round?

Protocol: NB201, CIFAR-10 and CIFAR-100 (black box and truth: 200-epoch test accuracy from
../shared/data/nb201/nats_bench.csv). Histories: the first n = 20 / 30 / 40 queries of the
committed diffusion-BO tuning runs (round of bo_nb201.md, budget 150, tuning seeds 100-109:
benchmarks_results/bo_guide_nb201{,_cifar100}_b150/its-mean-rank1-local3-ens5/runs), i.e. the
data a real run had when its surrogate was refitted. Each surrogate is fitted on that history
(fit seed from SeedSequence([seed, n])) and ranks, by its mean prediction, two candidate sets
built from the history: *local*, the incumbent's unqueried one-edit neighbours (where the
round's 3 local queries go), and *pool*, 100 unqueried cells drawn (seed [seed, n]) from the
benchmark's 1,000 best (a stand-in for a good generated pool: the generated pools of
bo_candidates_nb201.md hold a top-10 cell from round 3 on). Scores per set: hit = the set's best
true cell is among the surrogate's top k (k = 3 local, 7 pool: the queries a round spends on
it), regret = the set's best true accuracy minus the best of those k, and Spearman between
prediction and truth on the set. "random" is the exact chance of a hit for k cells drawn
uniformly (expected regret not computed). Surrogates: the committed one (directed-GCN
ensemble of 5, z-scored labels, pairwise ranking weight 1, 300 steps) and one change each
(ensemble 3 / 10, ranking weight 0, 600 steps, the MLP encoder), and a Gaussian process on
NB201's one-hot + path encoding (30 + 180 features; RBF kernel, length scale and noise by
marginal likelihood on a grid; exact GP, labels z-scored), which is not differentiable in the
noisy sampler input and so could rank but not guide; and a GP on a graph kernel, the
Weisfeiler-Lehman subtree kernel of NAS-BOWL (Ru et al., ICLR 2021) on the cell as a node-labelled
DAG (input, one node per operation that is not ``none``, output; labels refined from the
predecessors' labels for h = 1..3 iterations, counts of every label up to h, normalised dot
product; h and noise by marginal likelihood; exact GP, labels z-scored), which can rank but not
guide either. Each (dataset, seed, n) is cached in benchmarks/.cache/bo_surrogates_nb201 and
resumes; a surrogate added later is computed on the same (regenerated) candidate sets and merged
into the cached case. Writes benchmarks_results/bo_surrogates_nb201.{json,md}.

    python benchmarks/bo_surrogates_nb201.py [--datasets cifar10,cifar100] [--seeds 100-109]
"""
from __future__ import annotations

import argparse
import math
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from scipy.stats import spearmanr

from naslib_diffusionnag.argtypes import nb201_datasets, seed_range
from naslib_diffusionnag.bo import PosteriorMean, report
from naslib_diffusionnag.bo.surrogate import EnsembleSurrogate
from naslib_diffusionnag.generation import ArchitectureGenerator
from naslib_diffusionnag.guidance import PredictorConfig
from naslib_diffusionnag.oracles import NB201Benchmark
from naslib_diffusionnag.resultsio import read_json, write_json_atomic, write_text_atomic

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks_results"
CACHE = ROOT / "benchmarks" / ".cache" / "bo_surrogates_nb201"
HISTORY_SIZES = (20, 30, 40)
TOP_K = {"local": 3, "pool": 7}
POOL, POOL_FROM = 100, 1000
#: name -> (encoder, ensemble size, ranking weight, fit steps); the first is the committed one
ENSEMBLES = {"gcn-ens5-rank1 (committed)": ("gcn", 5, 1.0, 300), "gcn-ens3-rank1": ("gcn", 3, 1.0, 300),
             "gcn-ens10-rank1": ("gcn", 10, 1.0, 300), "gcn-ens5-rank0": ("gcn", 5, 0.0, 300),
             "gcn-ens5-rank1-600steps": ("gcn", 5, 1.0, 600), "mlp-ens5-rank1": ("mlp", 5, 1.0, 300)}
NAMES = [*ENSEMBLES, "gp-path-rbf", "gp-wl"]
OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))  # the order of NB201's architecture string
PATHS = (((0, 3),), ((0, 1), (1, 3)), ((0, 2), (2, 3)), ((0, 1), (1, 2), (2, 3)))  # input -> output


def path_features(ops: tuple[str, ...]) -> np.ndarray:
    """One-hot operation per edge, then per input-output path a one-hot of its operation
    sequence (all zero when the path holds ``none``: no signal flows along it)."""
    on_edge = dict(zip(EDGES, ops, strict=True))
    parts = [np.eye(len(OPS))[[OPS.index(o) for o in ops]].ravel()]
    for path in PATHS:
        v = np.zeros(len(OPS) ** len(path))
        seq = [on_edge[e] for e in path]
        if "none" not in seq:
            v[sum(OPS.index(o) * len(OPS) ** i for i, o in enumerate(reversed(seq)))] = 1.0
        parts.append(v)
    return np.concatenate(parts)


def fit_gp(grams: dict, y: np.ndarray) -> tuple:
    """Exact GP regression on z-scored labels: the (key, alpha) of the Gram matrix in ``grams``
    and noise in a grid with the smallest negative log marginal likelihood."""
    z = (y - y.mean()) / (y.std() + 1e-9)
    best = None
    for key, gram in grams.items():
        for noise in (1e-3, 1e-2, 1e-1, 0.3):
            chol = np.linalg.cholesky(gram + noise * np.eye(len(z)))
            alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, z))
            nll = 0.5 * z @ alpha + np.log(np.diag(chol)).sum()
            if best is None or nll < best[0]:
                best = (nll, key, alpha)
    return best[1], best[2]


class PathGP:
    """Exact GP regression with an RBF kernel on ``path_features``; length scale and noise by
    marginal likelihood over a grid."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> PathGP:
        self.x = x
        self.ell, self.alpha = fit_gp({ell: self.kernel(x, x, ell) for ell in (1.0, 1.5, 2.0, 3.0, 4.0)}, y)
        return self

    @staticmethod
    def kernel(a: np.ndarray, b: np.ndarray, ell: float) -> np.ndarray:
        return np.exp(-((a[:, None, :] - b[None, :, :]) ** 2).sum(-1) / (2 * ell ** 2))

    def mean(self, x: np.ndarray) -> np.ndarray:
        return self.kernel(x, self.x, self.ell) @ self.alpha


def wl_features(ops: tuple[str, ...], h: int) -> Counter[str]:
    """Weisfeiler-Lehman subtree label counts (iterations 0..h) of the cell as a node-labelled DAG:
    a node per operation edge (``none`` dropped: nothing flows), fed by the operations ending
    where it starts (or the input node), feeding the output node when it ends at node 3."""
    kept = [(e, o) for e, o in zip(EDGES, ops, strict=True) if o != "none"]
    labels = ["in", *[o for _, o in kept], "out"]
    preds: list[list[int]] = [[]]
    for (start, _), _ in kept:
        preds.append([0] if start == 0 else [1 + j for j, ((_, end), _) in enumerate(kept) if end == start])
    preds.append([1 + j for j, ((_, end), _) in enumerate(kept) if end == 3])
    counts = Counter(labels)
    for _ in range(h):
        labels = [f"{lab}({','.join(sorted(labels[q] for q in ps))})" for lab, ps in zip(labels, preds, strict=True)]
        counts.update(labels)
    return counts


class WLGP:
    """Exact GP regression with the normalised WL subtree kernel (``wl_features``); the number
    of iterations h and the noise by marginal likelihood over a grid."""

    def fit_ops(self, ops: list[tuple[str, ...]], y: np.ndarray) -> WLGP:
        embedded = {}
        for h in (1, 2, 3):
            vocabulary = {lab: i for i, lab in enumerate(sorted({lab for o in ops for lab in wl_features(o, h)}))}
            embedded[h] = (self.embed(ops, h, vocabulary), vocabulary)
        self.h, self.alpha = fit_gp({h: x @ x.T for h, (x, _) in embedded.items()}, y)
        self.x, self.vocabulary = embedded[self.h]
        return self

    @staticmethod
    def embed(ops: list[tuple[str, ...]], h: int, vocabulary: dict[str, int]) -> np.ndarray:
        """Unit-norm label-count vectors over the training cells' labels (labels a new cell
        has and no training cell has add only to its own norm)."""
        feats = [wl_features(o, h) for o in ops]
        x = np.zeros((len(feats), len(vocabulary)))
        norms = np.zeros(len(feats))
        for i, f in enumerate(feats):
            norms[i] = math.sqrt(sum(c * c for c in f.values()))
            for lab, c in f.items():
                if lab in vocabulary:
                    x[i, vocabulary[lab]] = c
        return x / norms[:, None]

    def mean_ops(self, ops: list[tuple[str, ...]]) -> np.ndarray:
        return self.embed(ops, self.h, self.vocabulary) @ self.x.T @ self.alpha


def summary_cell(values: list[float]) -> dict[str, float | None]:
    """Mean and 95 % t-interval half-width over histories (``report.mean_ci``)."""
    mean, _, ci = report.mean_ci(np.asarray(values, dtype=float))
    return {"mean": float(mean), "ci95": None if ci is None else float(ci)}


def chance_of_hit(values: np.ndarray, k: int) -> float:
    """P(k cells drawn uniformly without replacement include one of the set's best)."""
    n, m = len(values), int(np.isclose(values, values.max(), atol=1e-9).sum())
    return 1.0 - math.comb(n - m, k) / math.comb(n, k) if k < n else 1.0


def scores(pred: np.ndarray, true: np.ndarray, k: int) -> dict[str, float]:
    top = np.argsort(-pred, kind="stable")[:k]
    return {"hit": float(true[top].max() >= true.max() - 1e-9), "regret": float(true.max() - true[top].max()),
            "spearman": float(spearmanr(pred, true).statistic)}


def case(gen: ArchitectureGenerator, acc: dict[str, float], top: list[str], dataset: str, seed: int,
         n: int) -> dict:
    """Every surrogate's scores on one history (cached)."""
    path = CACHE / f"{dataset}__s{seed}__n{n}.json"
    cached = read_json(path) if path.exists() else None
    missing = [name for name in NAMES if cached is None or name not in cached["surrogates"]]
    if not missing:
        return cached
    folder = "bo_guide_nb201" + ("" if dataset == "cifar10" else f"_{dataset}") + "_b150"
    run = read_json(RESULTS / folder / "its-mean-rank1-local3-ens5" / "runs" / f"{dataset}__diffusion-bo__s{seed}.json")
    archs, values = run["trajectory"]["archs"][:n], run["trajectory"]["values"][:n]
    known, incumbent = set(archs), archs[int(np.argmax(values))]
    seq = np.random.SeedSequence([seed, n])
    rng = np.random.default_rng(seq)
    local = [a for a in gen.space.neighbours(incumbent) if a not in known]
    pool_from = [a for a in top[:POOL_FROM] if a not in known]
    pool = [pool_from[i] for i in rng.choice(len(pool_from), POOL, replace=False)]
    sets = {"local": local, "pool": pool}
    preds: dict[str, np.ndarray] = {}
    for name, (encoder, size, rank, steps) in ENSEMBLES.items():
        if name not in missing:
            continue
        surrogate = EnsembleSurrogate(gen, size, PredictorConfig(encoder=encoder, steps=steps, label_transform="zscore",
                                                                 rank_weight=rank))
        surrogate.fit(archs, values, seed=int(seq.generate_state(1)[0]))
        with torch.no_grad():
            preds[name] = PosteriorMean(surrogate)(*surrogate.inputs(local + pool)).numpy()
    if "gp-path-rbf" in missing:
        gp = PathGP().fit(np.array([path_features(gen.space.ops(a)) for a in archs]), np.asarray(values))
        preds["gp-path-rbf"] = gp.mean(np.array([path_features(gen.space.ops(a)) for a in local + pool]))
    if "gp-wl" in missing:
        wl = WLGP().fit_ops([gen.space.ops(a) for a in archs], np.asarray(values))
        preds["gp-wl"] = wl.mean_ops([gen.space.ops(a) for a in local + pool])
    out: dict = cached or {"dataset": dataset, "seed": seed, "n": n, "incumbent": incumbent, "random": {},
                           "surrogates": {}}
    if out["incumbent"] != incumbent or (cached and cached["sizes"] != {s: len(c) for s, c in sets.items()}):
        raise RuntimeError(f"{path}: the regenerated candidate sets differ from the cached ones; delete the "
                           "cache to recompute every surrogate")
    out["sizes"] = {s: len(c) for s, c in sets.items()}
    for s, cands in sets.items():
        true = np.array([acc[a] for a in cands])
        out["random"][s] = chance_of_hit(true, TOP_K[s])
        lo = 0 if s == "local" else len(local)
        for name, p in preds.items():
            out["surrogates"].setdefault(name, {})[s] = scores(p[lo: lo + len(cands)], true, TOP_K[s])
    write_json_atomic(path, out, indent=1)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--datasets", type=nb201_datasets, default="cifar10,cifar100")
    p.add_argument("--seeds", type=seed_range, default="100-109", help="first-last (inclusive)")
    p.add_argument("--aggregate-only", action="store_true", help="tables from the cached cases only")
    args = p.parse_args()
    torch.set_num_threads(1)
    datasets = args.datasets
    bench = NB201Benchmark.load()
    CACHE.mkdir(parents=True, exist_ok=True)
    if not args.aggregate_only:
        gen = ArchitectureGenerator.load("nb201")
        for dataset in datasets:
            acc = {a: bench.query(a, dataset) for a in gen.space.enumerate()}
            top = sorted(acc, key=acc.__getitem__, reverse=True)
            for seed in args.seeds:
                for n in HISTORY_SIZES:
                    case(gen, acc, top, dataset, seed, n)
                    print(dataset, seed, n, flush=True)
    cases = [read_json(f) for f in sorted(CACHE.glob("*.json"))]
    if not cases:  # tables of nothing would replace the committed ones
        raise SystemExit(f"error: no cached case in {CACHE}; run without --aggregate-only first")
    summary: dict = {}
    lines = ["# Which surrogate ranks a late BO round's candidates? (NB201, tuning seeds)", "",
             "**Tuning study on seeds outside the reported ones; not a reported result.**", "",
             __doc__.split("\n\n")[1].strip(), "",
             f"Cells: mean over histories (seeds x n in {list(HISTORY_SIZES)}); ± = 95 % CI of that mean "
             "(t quantile, n-1 dof; sd with ddof=1; the histories of one seed are not independent).", ""]
    for dataset in sorted({c["dataset"] for c in cases}):
        mine = [c for c in cases if c["dataset"] == dataset]
        lines += [f"## {dataset} ({len(mine)} histories)", "",
                  "| surrogate | local: hit@3 | local: regret | local: Spearman | pool: hit@7 | pool: regret "
                  "| pool: Spearman |", "|---|---|---|---|---|---|---|"]
        rows = {"random (chance)": {s: {"hit": summary_cell([c["random"][s] for c in mine])} for s in TOP_K}}
        for name in NAMES:
            rows[name] = {s: {m: summary_cell([c["surrogates"][name][s][m] for c in mine])
                              for m in ("hit", "regret", "spearman")} for s in TOP_K}
        for name, r in rows.items():
            cells = [report.cell_text(r[s][m]) if m in r[s] else "–" for s in TOP_K
                     for m in ("hit", "regret", "spearman")]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
        summary[dataset] = rows
    write_json_atomic(RESULTS / "bo_surrogates_nb201.json",
                      {"meta": {"protocol": __doc__.split("\n\n")[1].strip(), "benchmark": bench.provenance()},
                       "summary": summary, "cases": cases}, indent=1)
    write_text_atomic(RESULTS / "bo_surrogates_nb201.md", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
