"""Command line: diffusionnag train | sample | search | bench | meta-train | transfer.

Every command that reports numbers can print one JSON object as its last line (--json)
recording what produced them (space, checkpoint, seed, sampler settings, data file checksum).
The parser imports no torch: ``--help`` and argument errors answer at once, and each command
imports what it runs.
"""
from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from . import __version__
from .argtypes import at_least
from .bo.methods import METHODS
from .configio import MAX_SEED
from .errors import ConfigError, DiffusionNAGError
from .guidance.labels import LABEL_KINDS
from .guidance.schedule import check_scales
from .oracles.paths import ALLOW_UNVERIFIED_FLAG, DATA_DIR_ENV
from .resultsio import check_placeable, check_writable, to_json, write_text_atomic
from .spaces import SPACES, get_space

if TYPE_CHECKING:
    from .guidance import Objective
    from .oracles import ArchProperty

DESCRIPTION = ("DiffusionNAG: train a score-based diffusion model over architectures, generate (guided) "
               "architectures, and run NAS on real benchmark data.")


def cmd_train(args: argparse.Namespace) -> dict[str, Any]:
    from .diffusion import DiffusionConfig
    from .diffusion.config import SDE_PRESETS
    from .generation import CONFIGS_DIR, ArchitectureGenerator

    if args.adjacency and args.space != "nb201":
        raise DiffusionNAGError(f"--adjacency is NB201's cell encoding; space {args.space!r} has one encoding: drop it")
    own = SDE_PRESETS.get(args.space)
    if not args.config and own is not None and own != DiffusionConfig().sde:  # defaults are NB201's
        shipped = CONFIGS_DIR / f"{args.space}.yaml"
        raise DiffusionNAGError(f"train --space {args.space} needs --config: the built-in model settings are NB201's "
                                f"(sigma_max {DiffusionConfig().sde.sigma_max:g}), {args.space}'s preset has sigma_max "
                                f"{own.sigma_max:g}; pass --config "
                                + (f"configs/{args.space}.yaml" if shipped.is_file() else f"FILE with `sde: {args.space}`"))
    config = (DiffusionConfig.from_yaml(args.config, args.space, SPACES.names()) if args.config else DiffusionConfig()).with_overrides(
        train={"steps": args.steps, "seed": args.seed},
        model={"positional": False} if args.no_positional else {},
    )
    space = get_space(args.space, **({"adjacency": args.adjacency} if args.adjacency else {}))
    out = _checked_out(args.out, args.overwrite)
    gen = ArchitectureGenerator.train(space, config, fraction=args.train_split, progress=args.progress,
                                      size=args.train_size, device=args.device)
    gen.save(out, overwrite=args.overwrite)
    return {"checkpoint": str(out), "space": space.name, "config": config.to_dict(),
            "split": gen.metadata["split"], "train_seconds": gen.metadata["train_seconds"],
            "final_loss": gen.metadata["losses"][-1], "n_parameters": gen.metadata["n_parameters"]}


def _checked_out(path: str, overwrite: bool) -> Path:
    """``--out`` checked before minutes of training, not after: a file path (not a folder) in a
    writable folder, replaced only with ``--overwrite``."""
    out = Path(path)
    if out.is_dir():
        raise DiffusionNAGError(f"--out {out} is a folder; give a file path such as {out / 'model.pt'}")
    if out.exists() and not overwrite:
        raise DiffusionNAGError(f"{out} exists; pass --overwrite to replace it or choose another --out")
    check_writable(out.parent)
    return out


class GuideSpec(NamedTuple):
    """One parsed ``--guide``: the property's name and the request's settings."""

    name: str
    objective: Objective | None
    weight: float
    predictor: str
    tighten: float


def parse_guide(spec: str) -> GuideSpec:
    """``PROPERTY[:QUALIFIER][@max|@min|@budget=V|@target=V][,weight=W][,softness=S][,predictor=P][,tighten=T]``.

    Without ``@...`` the property's natural direction is used (accuracy up, costs down).
    ``predictor``: ``auto`` (default: the exact expected cost where the property has one),
    ``exact`` or ``learned``. ``tighten``: the term's weight grows as ``(sigma_max / sigma)^T``
    over the sampling steps (0: constant), a penalty that tightens toward the end.
    """
    from .guidance import Objective
    from .guided import PREDICTOR_KINDS

    head, at, rest = spec.partition("@")
    opts = rest.split(",") if at else []
    if not at and "," in head:
        head, *opts = head.split(",")
    if not all(opts):  # "@", "@max,,weight=2", "p," : a typo that may have lost a setting
        raise DiffusionNAGError(f"--guide {spec!r} has an empty setting; separate settings by single commas after "
                                "one @, e.g. latency:pixel3@budget=8,weight=3")
    objective: Objective | None = None
    weight, softness, predictor, tighten = 1.0, None, "auto", 0.0
    direction, value = None, None
    seen: set[str] = set()
    for opt in opts:
        key, eq, val = opt.partition("=")
        kind = "direction" if key in ("max", "min", "budget", "target") else key
        if kind in seen:  # "@max,min" or "weight=2,weight=3": never silently keep the last
            raise DiffusionNAGError(f"--guide {spec!r} sets the {kind} twice; give it once")
        seen.add(kind)
        try:
            if key in ("max", "min") and not eq:
                direction = key
            elif key in ("budget", "target") and eq:
                direction, value = key, float(val)
            elif key == "weight" and eq:
                weight = float(val)
                if not (math.isfinite(weight) and weight > 0):
                    raise DiffusionNAGError(f"weight={val} in --guide {spec!r} must be a finite number > 0 "
                                            "(@max/@min/@budget/@target set the direction)")
            elif key == "tighten" and eq:
                tighten = float(val)
                if not (math.isfinite(tighten) and tighten >= 0):
                    raise DiffusionNAGError(f"tighten={val} in --guide {spec!r} must be a finite number >= 0 "
                                            "(0: a constant weight)")
            elif key == "softness" and eq:
                softness = float(val)
            elif key == "predictor" and val in PREDICTOR_KINDS:
                predictor = val
            else:
                raise ValueError
        except ValueError:
            raise DiffusionNAGError(
                f"bad --guide option {opt!r} in {spec!r}; use @max, @min, @budget=V or @target=V, "
                f"then ,weight=W, ,softness=S, ,predictor={'|'.join(PREDICTOR_KINDS)} and ,tighten=T") from None
    if softness is not None and direction not in ("budget", "target"):
        raise DiffusionNAGError(f"softness in --guide {spec!r} is the width of a @budget=V or @target=V objective; "
                                "@max / @min have none: drop it or use @budget / @target")
    if direction is not None:
        objective = Objective(direction, value, softness)  # type: ignore[arg-type]
    return GuideSpec(head, objective, weight, predictor, tighten)


def _property_options(args: argparse.Namespace, space: str, out: dict[str, Any]) -> dict[str, Any]:
    """What ``space_property`` needs besides a name, from the flags that belong to one space:
    NB201's properties share one benchmark file (``--data``, recorded under ``benchmark``);
    MBv3's oracles are queried at an input resolution (``--resolution``). Every space's data
    files must be the documented ones unless ``--allow-unverified-data``."""
    from .oracles import NB201Benchmark

    if space != "mbv3" and args.resolution is not None:
        raise DiffusionNAGError(f"--resolution is the input resolution of MBv3's oracles; space is {space!r}")
    if space == "nb201":
        bench = NB201Benchmark.load(args.data, args.allow_unverified_data)
        out["benchmark"] = bench.provenance()
        return {"bench": bench, "allow_unverified": args.allow_unverified_data}
    if space == "mbv3":
        if args.data:
            raise DiffusionNAGError("--data is NB201's benchmark file; MBv3's oracles read ../shared/data/mbv3 "
                                    f"(or ${DATA_DIR_ENV}/mbv3)")
        out["resolution"] = args.resolution or 224
        return {"resolution": out["resolution"], "allow_unverified": args.allow_unverified_data}
    return {}


def cmd_sample(args: argparse.Namespace) -> dict[str, Any]:
    from .generation import ArchitectureGenerator, check_distinct_count
    from .guidance import Objective
    from .guided import FittedGuidance, GuideRequest, fit_guidance, generate, summarize
    from .metrics import generation_metrics
    from .oracles import space_property
    from .oracles.properties import accuracy_for, natural_direction

    _check_sample_flags(args)
    specs = [parse_guide(spec) for spec in args.guide or []]  # a typo fails before data or a checkpoint loads
    gen = ArchitectureGenerator.load(args.space, args.checkpoint, device=args.device)
    space = gen.space.name
    sampler = gen.config.with_overrides(
        sampler={"steps": args.steps, "corrector_steps": args.corrector_steps, "snr": args.snr}
    ).sampler
    out: dict[str, Any] = {"space": space, "seed": args.seed, "device": str(gen.device),
                           "checkpoint": str(args.checkpoint or "pretrained"),
                           "sampler": {"steps": sampler.steps, "corrector_steps": sampler.corrector_steps,
                                       "snr": sampler.snr}}
    options = _property_options(args, space, out) if args.dataset or args.guide else {}
    accuracy = accuracy_for(space, args.dataset) if args.dataset or args.guide else None  # before sampling
    if args.distinct:
        check_distinct_count(args.n, gen.space, "--distinct --n")
    requests: list[GuideRequest] = []
    for parsed in specs:
        prop = space_property(space, parsed.name, **options)
        if any(r.prop.name == prop.name for r in requests):  # two objectives on one property: never merged
            raise DiffusionNAGError(f"--guide names {prop.name} twice; give one --guide per property (one objective "
                                    "each, e.g. latency:pixel3@budget=8)")
        requests.append(GuideRequest(prop, parsed.objective or Objective(natural_direction(prop.name)),  # type: ignore[arg-type]
                                     parsed.weight, parsed.predictor, parsed.tighten))  # type: ignore[arg-type]
    # JSON key -> property: the accuracy --dataset names (or the space's only one, when guided)
    # as true_accuracy, then every guided property as true_<name>; made (and checked) before sampling
    guided = {r.prop.name: r.prop for r in requests}
    reported: dict[str, ArchProperty] = {}
    if accuracy is not None:
        name, out["dataset"] = accuracy
        reported["true_accuracy"] = guided[name] if name in guided else space_property(space, name, **options)
    reported.update({f"true_{p.name}": p for p in guided.values() if p is not reported.get("true_accuracy")})
    if requests and all(r.exact for r in requests):
        unused = [f for f, v in (("--label-transform", args.label_transform), ("--n-labels", args.n_labels))
                  if v is not None]
        if unused:  # exact guidance draws no labels and fits nothing
            raise DiffusionNAGError(f"{', '.join(unused)} set(s) how a learned predictor is fitted, and every --guide "
                                    "here uses the exact expected value (no labels): drop them, or add "
                                    "predictor=learned to a --guide")
    projection = _projection(args, requests, gen)  # checked before any label is drawn
    fitted = FittedGuidance([], [])
    if requests:
        fitted = fit_guidance(gen, requests, args.n_labels or 100, args.seed, args.label_transform or "auto",
                              args.scale, args.progress)
        out["guide"] = fitted.records
    result, valid = generate(gen, args.n, args.seed, fitted.terms, fitted.scales, sampler, args.distinct, args.progress)
    if requests:
        out["scales"] = _scales_used(fitted.scales, args.n, len(result.archs) if args.distinct else None)
    if projection is not None:
        out["before_projection"] = summarize(valid, {r.prop.name: r.prop for r in requests}, fitted.budgets())
        moved = projection(valid)
        out["projected_moved"] = sum(a != b for a, b in zip(valid, moved, strict=True))
        valid = list(dict.fromkeys(moved)) if args.distinct else moved  # two samples can land on one subnet
    out.update(generation_metrics(result.archs, gen.training_archs()))
    out["training_split"] = {k: gen.metadata["split"][k] for k in ("kind", "fraction", "size")
                             if k in gen.metadata["split"]}
    if args.distinct:
        out.update({"samples_drawn": len(result.archs), "n_distinct": len(valid)})
        if len(valid) < args.n:
            advice = ("lower the guidance scale for more diversity" if requests else  # unguided: no scale to lower
                      "sample with more --steps (few steps make invalid samples) or a better-trained checkpoint")
            print(f"warning: only {len(valid)} distinct valid architectures after {len(result.archs)} samples; "
                  f"{advice}", file=sys.stderr)
    out["iso_uniqueness"] = (len({gen.space.iso_key(a) for a in valid}) / len(valid)) if valid else None
    out.update({"seconds": result.seconds, "nfe": result.nfe,
                "valid_per_second": len(valid) / result.seconds if result.seconds else 0.0})
    if reported:
        out["properties"] = {key: {"property": p.name, "metric": p.metric, "source": p.source, "sha256": p.checksum}
                             for key, p in reported.items()}
    out.update(summarize(valid, reported, fitted.budgets()))
    if requests and reported:
        base, base_valid = generate(gen, args.n, args.seed, sampler=sampler, distinct=args.distinct)
        out["unguided"] = {**generation_metrics(base.archs), "seconds": base.seconds,
                           **summarize(base_valid, reported, fitted.budgets())}
    out["archs"] = valid
    return out


def _check_sample_flags(args: argparse.Namespace) -> None:
    """Refuse flags that would change nothing (a user who passes them expects an effect)."""
    if args.corrector_steps == 0 and args.snr is not None:
        raise DiffusionNAGError("--snr sets the Langevin corrector's step size, and --corrector-steps 0 turns the "
                                "corrector off: drop one of them")
    if not args.guide:
        unused = [f for f, v in (("--scale", args.scale), ("--label-transform", args.label_transform),
                                 ("--n-labels", args.n_labels)) if v is not None]
        if unused:
            raise DiffusionNAGError(f"{', '.join(unused)} set(s) how guidance is fitted, and there is no --guide: "
                                    "add --guide PROPERTY or drop them")
        if not args.dataset:
            unused = [f for f, v in (("--data", args.data), ("--resolution", args.resolution),
                                     ("--allow-unverified-data", args.allow_unverified_data or None)) if v is not None]
            if unused:
                raise DiffusionNAGError(f"{', '.join(unused)} set(s) the benchmark or oracle that measures "
                                        "architectures, and nothing is measured without --dataset or --guide: add "
                                        "one or drop them")


def _scales_used(scales: Sequence[float], n: int, drawn: int | None) -> list[float]:
    """The guidance scales sampling used: a round per scale with samples (``scale_schedule``:
    fewer samples than scales drop the last rounds), or with ``--distinct`` rounds of ``n``
    (``drawn`` samples in all; the last scale repeats)."""
    from .guidance.schedule import scale_schedule

    if drawn is None:
        return [s for s, _ in scale_schedule(scales, n)]
    return [float(scales[min(r, len(scales) - 1)]) for r in range(drawn // n)]


def _projection(args: argparse.Namespace, requests: list[Any], gen: Any) -> Any:
    """``--project``: the map moving samples within the one ``@budget`` on an exact cost
    (``projection.project_within``); None without the flag."""
    if not args.project:
        return None
    from .projection import project_within, tensor_cost

    budgets = [r for r in requests if r.objective.direction == "budget"]
    if len(budgets) != 1 or budgets[0].prop.soft is None:
        raise ConfigError("--project needs exactly one --guide PROPERTY@budget=V on a cost known exactly "
                          "(latency, FLOPs or params), e.g. --guide latency:note10@budget=25 --project; got "
                          f"{len(budgets)} budget(s)" + ("" if len(budgets) != 1 else f" on {budgets[0].prop.name}"))
    r = budgets[0]
    cost = tensor_cost(gen.space, r.prop.soft)
    return lambda archs: project_within(gen.space, cost, float(r.objective.value), archs)


def cmd_search(args: argparse.Namespace) -> dict[str, Any]:
    from tqdm.auto import tqdm

    from .bo.loop import check_budget
    from .bo.methods import build_method, check_budget_for, resolve_params
    from .oracles import NB201Benchmark, canonical_dataset

    budget = check_budget(args.budget, get_space(args.space))
    dataset = canonical_dataset(args.dataset)
    if args.checkpoint and args.method not in ("diffusion-bo", "transfer-bo"):
        raise DiffusionNAGError(f"--checkpoint is the score network of diffusion-bo / transfer-bo; --method "
                                f"{args.method} generates nothing: drop it or choose one of those")
    if args.meta_checkpoint and args.method != "transfer-bo":
        raise DiffusionNAGError(f"--meta-checkpoint is transfer-bo's meta-predictor; --method {args.method} has "
                                "none: drop it or use --method transfer-bo")
    params: dict[str, Any] = ({"target": dataset, "meta_checkpoint": args.meta_checkpoint}
                              if args.method == "transfer-bo" else {})
    if args.cost_budget:
        params.update(_cost_budget(args.cost_budget, args.method))
    check_budget_for(args.method, resolve_params(args.method, params), budget, args.space, params_settable=False)
    bench = NB201Benchmark.load(args.data, args.allow_unverified_data)
    optimizer = build_method(args.method, args.space, checkpoint=args.checkpoint, device=args.device, params=params,
                             progress=args.progress)
    with tqdm(total=budget, desc=f"{args.method} queries", unit="arch", disable=not args.progress) as bar:
        def black_box(arch: str) -> float:
            bar.update(1)
            bar.refresh()  # a burst of quick queries before a minutes-long round would otherwise stay undrawn
            return bench.query(arch, dataset)

        traj = optimizer.run(black_box, budget, args.seed)
    arch, value = traj.best()
    return {"method": args.method, "space": args.space, "dataset": dataset, "seed": args.seed, "device": args.device,
            "budget": budget, "cost_budget": args.cost_budget, "queries": len(traj.archs), "best_arch": arch,
            "best_test_accuracy": value,
            "optimum": bench.best(dataset)[1], "seconds": traj.times[-1] if traj.times else 0.0,
            "metric": bench.metric[dataset], "benchmark": bench.provenance(), "incumbent": traj.incumbent(),
            "trajectory": {"archs": traj.archs, "values": traj.values, "times": traj.times, "asks": traj.asks}}


def _cost_budget(spec: str, method: str) -> dict[str, Any]:
    """``PROPERTY=VALUE`` (e.g. ``latency:pixel3=10``) as the BO parameters of a hard cost budget."""
    from .bo.methods import BOParams

    prop, eq, value = spec.rpartition("=")
    try:
        budget = float(value) if eq and prop else None
    except ValueError:
        budget = None
    if budget is None:
        raise ConfigError(f"--cost-budget {spec!r}: use PROPERTY=VALUE, e.g. latency:pixel3=10 (ms) or flops:cifar10=100")
    if not issubclass(METHODS.get(method).params, BOParams) or method == "transfer-bo":
        raise ConfigError(f"--cost-budget needs a BO method that takes a budget (diffusion-bo, bananas, bo-random), "
                          f"not {method}")
    return {"budget_property": prop, "budget": budget}


def cmd_bench(args: argparse.Namespace) -> dict[str, Any]:
    import platform
    from collections import Counter

    from .bo import report
    from .bo.sweep import SweepConfig, check_backend, check_report_owner, finished_runs, run_sweep
    from .oracles import NB201Benchmark

    if args.aggregate_only:
        unused = [f for f, v in (("--workers", args.workers), ("--backend", args.backend)) if v is not None]
        if unused:
            raise DiffusionNAGError(f"{', '.join(unused)} set(s) how runs execute, and --aggregate-only runs none: "
                                    "drop them or --aggregate-only")
    workers, backend = args.workers or 1, args.backend or "process"
    check_backend(backend)  # before any folder is made
    config = SweepConfig.from_yaml(args.config)
    results = Path(config.results)
    check_placeable(results.parent)  # before the sweep, not after hours of runs; created once the data loads
    check_report_owner(results, config.runs_dir, args.config, config.datasets)
    bench = NB201Benchmark.load(config.data, config.allow_unverified_data)
    if not args.aggregate_only:
        check_writable(results.parent)
        run_sweep(config, workers=workers, backend=backend, progress=args.progress)
    runs = finished_runs(config)
    if not runs:  # refused before the report's folder is made (an empty one was left behind)
        raise DiffusionNAGError(f"no finished runs of {args.config}'s methods, datasets and seeds in "
                                f"{config.runs_dir}; run the sweep first (without --aggregate-only)")
    check_writable(results.parent)
    if len(runs) < len(config.specs()):
        print(f"warning: {len(runs)} of the config's {len(config.specs())} runs are finished; the report shows "
              "those (each table states its seeds)", file=sys.stderr)
    report.check_same_data(runs, config.runs_dir, bench.checksum)
    report.check_same_protocol(runs, config.runs_dir)
    report.check_black_box(runs, config.runs_dir, bench.query)
    optima = {d: bench.best(d)[1] for d in {r["spec"]["dataset"] for r in runs}}
    table, ranks = report.aggregate(runs, optima), report.standing(runs)
    machines = Counter(f"{r.get('machine', {}).get('cpu', 'unknown CPU')} ({r.get('machine', {}).get('cores', '?')} "
                       f"cores), torch {r.get('torch', '?')}" for r in runs)
    where = "; ".join(f"{n} runs on {m}" for m, n in machines.most_common())
    meta = {"config": str(args.config), "runs_dir": config.runs_dir, "package_version": __version__, "python": platform.python_version(),
            "benchmark": bench.provenance(), "n_runs": len(runs), "machines": dict(machines),
            "protocol": (f"Produced by `diffusionnag bench --config {args.config}`. Black box: "
                         f"{bench.metric['cifar10'].split(',')[0]} from {bench.source.name} (sha256 "
                         f"{bench.checksum[:12]}…), one value per query. Incumbent = best value among the "
                         f"queries so far; {report.SPREAD}. Queries to optimum: {report.TO_OPTIMUM}. "
                         "s / run: median wall time of one "
                         f"run on one CPU thread, one worker process per core ({where}).")}
    write_text_atomic(f"{results}.json", to_json({"meta": meta, "optima": optima, "table": table, "standing": ranks},
                                                 indent=1) + "\n")
    write_text_atomic(f"{results}.md", report.to_markdown(table, optima, meta, ranks))
    plots = report.plot(table, optima, results.parent, results.name)
    return {"runs": len(runs), "results": [f"{results}.json", f"{results}.md", *plots],
            "summary": {d: {m: v["at"] for m, v in t.items()} for d, t in table.items()}}


def cmd_meta_train(args: argparse.Namespace) -> dict[str, Any]:
    from .generation import ArchitectureGenerator
    from .transfer import build_meta_predictor

    out = _checked_out(args.out, args.overwrite)
    if args.checkpoint and out.exists() and out.resolve() == Path(args.checkpoint).expanduser().resolve():
        raise DiffusionNAGError(f"--out {out} is the --checkpoint it reads (the score network): the meta-predictor "
                                "would replace it; give another --out")
    descriptor, config = _meta_training(args)
    if args.probes is not None and descriptor != "few-shot":
        raise DiffusionNAGError(f"--probes sets the few-shot descriptor's probe cells, and the descriptor is "
                                f"{descriptor}: add --descriptor few-shot or drop --probes")
    gen = ArchitectureGenerator.load(args.space, args.checkpoint)
    trained = build_meta_predictor(args.sources, gen, descriptor, config, args.seed,
                                   **({"n_probes": args.probes} if args.probes else {}),
                                   progress=args.progress, allow_unverified=args.allow_unverified_data)
    trained.save(out, overwrite=args.overwrite)
    return {"meta_checkpoint": str(out), **{k: v for k, v in trained.metadata.items() if k != "tasks"},
            "n_tasks": len(trained.metadata["tasks"])}


def _meta_training(args: argparse.Namespace) -> tuple[str, Any]:
    """The descriptor and meta-predictor config of meta-training, from flags left unset
    (None) to mean their defaults, so ``transfer --meta-checkpoint`` can refuse them."""
    from .transfer import MetaPredictorConfig

    # unset flags keep MetaPredictorConfig's defaults: the settings transfer_nb201.md reports
    config = MetaPredictorConfig(**({"steps": args.steps} if args.steps else {}), task_input=args.task_input or "full")
    return args.descriptor or "class-names", config


def cmd_transfer(args: argparse.Namespace) -> dict[str, Any]:
    from .transfer import transfer_nas

    if args.meta_checkpoint is not None:  # meta-training settings: the checkpoint carries its own
        given = [f"--{k.replace('_', '-')}" for k in ("descriptor", "task_input", "steps") if getattr(args, k)]
        if given:
            raise DiffusionNAGError(f"{', '.join(given)} set(s) how to meta-train, and --meta-checkpoint is already "
                                    "meta-trained (its settings are in its metadata and the JSON protocol): drop "
                                    f"{' and '.join(given)}, or meta-train now with --sources")
    descriptor, config = _meta_training(args)
    result = transfer_nas(args.target, args.sources, args.space, args.meta_checkpoint, descriptor,
                          args.class_names, args.task_features, args.n, args.train_top, args.seed,
                          args.scale or (100.0, 50.0, 25.0), args.checkpoint, config, args.progress,
                          args.allow_unverified_data)
    return result.to_dict()


def _add_transfer_parsers(sub: Any, spaces: list[str]) -> None:
    """``meta-train`` and ``transfer``: Transferable NAS (naslib_diffusionnag.transfer)."""
    sources_help = ("source tasks, comma list or repeated: meta-train-db (DiffusionNAG's NB201 meta-training "
                    "set, as CSV), official:DIR (its official .pt files in DIR; needs the [official] extra), nb201:<dataset> "
                    "(a whole table), nb201:<dataset>@K (K cells drawn with --seed); with --space tnb101_micro: "
                    "tnb101:<task>[@K] (TransNAS-Bench-101 micro tasks, few-shot descriptors)")
    for name in ("meta-train", "transfer"):
        text = ("meta-train a dataset-aware predictor on source tasks" if name == "meta-train"
                else "find architectures for a target dataset from what source tasks know")
        p = sub.add_parser(name, help=text, description=text, formatter_class=_HelpFormatter)
        p.add_argument("--space", default="nb201", choices=spaces)
        p.add_argument("--sources", action="append", required=name == "meta-train", help=sources_help)
        p.add_argument("--descriptor", choices=["class-names", "few-shot"],
                       help="what describes a task: its class-name embeddings (default) or a few probe cells' "
                            "accuracies")
        p.add_argument("--task-input", choices=["full", "zero", "shuffle"],
                       help="ablation: feed each task its descriptor (full, default), zeros, or another task's")
        p.add_argument("--steps", type=at_least(1),
                       help="meta-training iterations (default: MetaPredictorConfig.steps, as the transfer benchmark)")
        p.add_argument("--seed", type=seed_type, default=0, help="seed of the run")
        p.add_argument("--checkpoint", help="score-network checkpoint (default: the shipped one)")
        p.add_argument("--json", action="store_true", help="print a JSON object as the last line")
        p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True, help="show progress bars")
        p.add_argument(ALLOW_UNVERIFIED_FLAG, action="store_true",
                       help="accept data files (meta-training set, NB201 or TransNAS-Bench-101 table) that are not the documented ones; "
                            "results then record their checksums")
        if name == "meta-train":
            p.add_argument("--probes", type=at_least(1), help="few-shot: probe cells drawn with --seed (default 10)")
            p.add_argument("--out", required=True, help="meta-predictor checkpoint to write")
            p.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
            continue
        p.add_argument("--target", required=True, help="target dataset (cifar10, cifar100, ImageNet16-120, "
                       "aircraft, pets, or any name with --class-names / --task-features)")
        p.add_argument("--meta-checkpoint", help="meta-predictor from `diffusionnag meta-train` (instead of --sources)")
        d = p.add_mutually_exclusive_group()
        d.add_argument("--class-names", help="file with the target's class names, one per line")
        d.add_argument("--task-features", help="target's per-class features, classes x samples x d (.pt / .npy)")
        p.add_argument("--n", type=at_least(1), default=100, help="distinct cells to generate")
        p.add_argument("--train-top", type=at_least(1), default=10, help="cells to 'train' (benchmark look-up), best ranked first")
        p.add_argument("--scale", type=scale_list, default=None,
                       help="guidance scales, one round each (default 100,50,25)")


def _describe_values(label: str, summary: dict[str, Any], within: float | None) -> str:
    if summary.get("n_known") == 0:  # a user's table that lists none of them: "mean nan" before
        return f"{label}: none of these architectures has a value in the property's table"
    text = f"{label}: mean {summary['mean']:.2f}, max {summary['max']:.2f}, mean of the {summary.get('top5_count', 5)} largest {summary['top5_mean']:.2f}"
    return text + (f", {100 * within:.1f} % within budget" if within is not None else "")


def _percent(share: float | None) -> str:
    """A share as a percentage; None (a share of no samples) as n/a."""
    return "n/a" if share is None else f"{100 * share:.2f} %"


def _sample_lines(out: dict[str, Any]) -> list[str]:
    """What a JSON reader of ``sample`` sees, as sentences: generation quality (novelty
    explained when the model was trained on the whole space), then every reported property
    for the generated architectures and, when guided, for the unguided run beside them."""
    lines = [f"{out['valid']}/{out['n']} valid ({_percent(out['validity'])}), uniqueness "
             f"{_percent(out['uniqueness'])}, novelty {_percent(out['novelty'])}, "
             f"{out['seconds']:.2f} s, nfe {out['nfe']}"]
    split = out.get("training_split", {})
    if out["novelty"] == 0 and split.get("kind") != "sample" and split.get("fraction") == 1.0:
        lines.append(f"  (novelty is 0 by construction: this model was trained on all {split.get('size', 0):,} "
                     "architectures of the space, so every valid one is in its training set)")
    if "n_distinct" in out:
        lines.append(f"{out['n_distinct']} distinct architectures from {out['samples_drawn']} samples")
    for g in out.get("guide", []):
        how = ("exact expected value, no labels" if g["predictor"] == "exact"
               else f"predictor fitted on {g['n_labels']} labels, {g['label_transform']}")
        lines.append(f"guided by {g['property']} ({g['objective']}, weight {g['weight']:g}; {how}), "
                     f"scales {out['scales']}")
    for key, prop in out.get("properties", {}).items():
        name = prop["property"]
        within = out.get(f"within_budget_{name}")
        lines.append(_describe_values(f"{name} [{prop['metric']}]", out[key], within))
        if "unguided" in out:
            base = out["unguided"]
            lines.append("  " + _describe_values("unguided, same size and seed", base[key],
                                                 base.get(f"within_budget_{name}")))
    return lines


def _print_human(cmd: str, out: dict[str, Any]) -> None:
    if cmd == "search":
        print(f"{out['method']} on {out['dataset']}: best {out['best_test_accuracy']:.2f} "
              f"(optimum {out['optimum']:.2f}) after {out['queries']} queries, {out['seconds']:.1f} s\n"
              f"{out['best_arch']}")
        return
    if cmd == "bench":
        print(f"{out['runs']} runs aggregated into: {', '.join(out['results'])}")
        return
    if cmd == "meta-train":
        print(f"saved {out['meta_checkpoint']} ({out['n_tasks']} tasks from {', '.join(out['datasets'])}, "
              f"{out['train_seconds']:.0f} s)")
        return
    if cmd == "transfer":
        best = out["best_after"]
        print(f"{out['target']} from {', '.join(s['source'] for s in out['sources'])}: "
              + (f"best after 1/{len(best)} trained: {best['1']:.2f}/{best[str(len(best))]:.2f} "
                 f"(optimum {out['optimum']:.2f})" if best else "accuracy not measurable offline")
              + "\n" + "\n".join(out["ranked"]))
        return
    if cmd == "train":
        print(f"saved {out['checkpoint']} ({out['n_parameters']} parameters, "
              f"{out['train_seconds']:.0f} s, final loss {out['final_loss']:.4f})")
        return
    print("\n".join(_sample_lines(out)))


def name_type(text: str) -> str:
    """argparse type: a non-blank name (an empty ``--dataset ""`` was read as unset and skipped)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must be a name, got an empty string")
    return text


#: --seed: what numpy's and torch's generators take (derived seeds add round offsets to it)
seed_type = at_least(0, MAX_SEED)


def scale_list(text: str) -> list[float]:
    """argparse type for --scale: one scale or a decreasing comma list."""
    try:
        return check_scales([float(v) for v in text.split(",")])
    except ValueError as e:
        message = str(e) if isinstance(e, ConfigError) else f"not a comma list of numbers: {text!r}"
        raise argparse.ArgumentTypeError(message) from None


class _Parser(argparse.ArgumentParser):
    """Argument errors as one line that names the problem and where help is, not a usage dump;
    a single-valued option given twice is refused (argparse keeps the last value silently, so a
    bad first value was dropped unseen), and so is a shortened option name (``--bud`` for
    ``--budget`` slipped past that check)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)  # subcommand parsers are made by this class too
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None) -> tuple[argparse.Namespace, list[str]]:
        self._refuse_repeats(sys.argv[1:] if args is None else list(args))
        return super().parse_known_args(args, namespace)

    def _refuse_repeats(self, args: list[str]) -> None:
        multi = (argparse._AppendAction, argparse._CountAction, argparse._HelpAction, argparse._VersionAction)
        single = {s: a.dest for a in self._actions if not isinstance(a, multi) for s in a.option_strings}
        seen: dict[str, str] = {}
        for token in args:
            if token == "--":
                break
            name = token.split("=", 1)[0]
            if name in single:
                first = seen.get(single[name])
                if first is not None:
                    self.error(f"{name} is given twice; give it once" if first == name else
                               f"{first} and {name} both set {single[name].replace('_', '-')}; give one of them")
                seen[single[name]] = name


class _HelpFormatter(argparse.HelpFormatter):
    """Shows each option's default where it has one worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        shown = action.default is not None and not isinstance(action.default, bool) \
            and action.default != argparse.SUPPRESS
        if shown and "default" not in text:
            text += " (default: %(default)s)"
        return text


def _device(name: str) -> str:
    """``--device``: a torch device name this machine has (``generation.check_device``),
    refused by the parser otherwise."""
    from .generation import check_device

    try:
        check_device(name)
    except ConfigError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return name


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="diffusionnag", description=DESCRIPTION, formatter_class=_HelpFormatter)
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)
    spaces = SPACES.names()
    device = argparse.ArgumentParser(add_help=False)
    device.add_argument("--device", type=_device, default=None,
                        help="torch device for the score network and predictors, e.g. cpu, cuda, cuda:1 "
                             "(default: cuda if available, else cpu); results are reproducible per device")

    def add(name: str, help: str, parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, formatter_class=_HelpFormatter,
                              parents=list(parents))

    def add_data_flags(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data", help="NB201 benchmark file (default ../shared/data/nb201/nats_bench.csv)")
        p.add_argument(ALLOW_UNVERIFIED_FLAG, action="store_true",
                       help="accept a benchmark file that is not the documented one (its checksum differs); "
                            "results then record its checksum")

    progress = {"action": argparse.BooleanOptionalAction, "default": True, "help": "show progress bars"}

    tr = add("train", "train a score network on a search space", [device])
    tr.add_argument("--space", required=True, choices=spaces)
    tr.add_argument("--train-split", type=float, default=1.0,
                    help="seeded fraction of the enumerated space to train on (default 1.0)")
    tr.add_argument("--train-size", type=at_least(1),
                    help="spaces too large to enumerate (mbv3): number of uniformly sampled training "
                         "architectures (default 100000)")
    tr.add_argument("--out", required=True, help="checkpoint path to write")
    tr.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    tr.add_argument("--config", help="YAML with sde/model/train/sampler sections (configs/)")
    tr.add_argument("--steps", type=at_least(1), help="training iterations (overrides the config)")
    tr.add_argument("--seed", type=seed_type, help="training seed (overrides the config)")
    tr.add_argument("--no-positional", action="store_true", help="ablation: no positional embedding")
    tr.add_argument("--adjacency", help="NB201 only: 'true' (default) or 'official'")
    tr.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    tr.add_argument("--progress", **progress)

    sa = add("sample", "generate architectures and report their quality", [device])
    sa.add_argument("--space", required=True, choices=spaces)
    sa.add_argument("--n", type=at_least(1), default=1000, help="number of samples (with --distinct: of "
                                                               "distinct architectures)")
    sa.add_argument("--seed", type=seed_type, default=0, help="seed of the sampler and of the label draw")
    sa.add_argument("--steps", type=at_least(1), help="sampler steps (default: the checkpoint's config)")
    sa.add_argument("--corrector-steps", type=at_least(0),
                    help="Langevin steps per sampler step (default: the checkpoint's config)")
    sa.add_argument("--snr", type=float, help="Langevin signal-to-noise ratio (default: the checkpoint's config)")
    sa.add_argument("--checkpoint", help="checkpoint path (default: the shipped one)")
    sa.add_argument("--dataset", type=name_type, help="also report the accuracy of the generated architectures on this "
                                       "dataset: NB201 benchmark test accuracy (cifar10, cifar100, "
                                       "ImageNet16-120); MBv3 imagenet, OFA's predicted top-1 (also when guided)")
    add_data_flags(sa)
    sa.add_argument("--resolution", type=at_least(1),
                    help="MBv3: input resolution of the accuracy / latency / FLOPs oracles (default 224)")
    sa.add_argument("--guide", action="append", metavar="SPEC",
                    help="guide toward a property, repeatable: PROPERTY[:QUALIFIER][@max|@min|@budget=V|"
                         "@target=V][,weight=W][,predictor=auto|exact|learned][,tighten=T]; NB201: accuracy:<dataset>, "
                         "latency:<device>, flops:<dataset>, params:<dataset>, file:<csv arch,value>; MBv3: "
                         "accuracy, latency:note10, latency:i7, flops, params. Latency / FLOPs / params are "
                         "guided by their exact expected value (no labels) unless predictor=learned")
    sa.add_argument("--n-labels", type=at_least(2),
                    help="fit each guiding predictor on this many labelled architectures drawn with --seed "
                         "(NB201: cells of the table; MBv3: uniform samples labelled by the oracle; default 100)")
    sa.add_argument("--label-transform", choices=("auto", *LABEL_KINDS),
                    help="what the predictors regress: normal scores of the labels' ranks or z-scores; "
                         "auto (default): normal scores when every property is @max/@min, z-scores when "
                         "one has a @budget/@target")
    sa.add_argument("--scale", type=scale_list, default=None,
                    help="guidance scale, or a comma list of decreasing scales, one round each "
                         "(default: 50,25,10 with normal-score labels, 100,50,25 with z-scores)")
    sa.add_argument("--project", action="store_true",
                    help="move every sample over the one @budget on an exact cost within it by cost-lowering "
                         "edits (the sampler's last step; JSON: before_projection, projected_moved)")
    sa.add_argument("--distinct", action="store_true",
                    help="generate rounds of N until N distinct valid architectures exist (the official "
                         "generation loop; the last scale repeats), and report those N")
    sa.add_argument("--progress", **progress)
    sa.add_argument("--json", action="store_true", help="print a JSON object as the last line")

    se = add("search", "run one NAS method against the NB201 benchmark", [device])
    se.add_argument("--space", default="nb201", choices=["nb201"],
                    help="search space with a benchmark black box (NB201 for now)")
    se.add_argument("--dataset", required=True, help="cifar10, cifar100 or ImageNet16-120")
    se.add_argument("--budget", type=at_least(1), default=100, help="number of distinct architectures queried")
    se.add_argument("--seed", type=seed_type, default=0, help="seed of the run")
    se.add_argument("--method", default="diffusion-bo", choices=METHODS.names(), help="search method")
    se.add_argument("--checkpoint", help="score-network checkpoint for diffusion-bo (default: shipped)")
    se.add_argument("--cost-budget", metavar="PROPERTY=VALUE",
                    help="BO methods: a hard budget on an exactly known cost, e.g. latency:pixel3=10; nothing over "
                         "it is queried")
    add_data_flags(se)
    se.add_argument("--progress", **progress)
    se.add_argument("--meta-checkpoint", help="transfer-bo: meta-predictor from `diffusionnag meta-train` "
                    "(default: meta-train on meta-train-db first, a few minutes)")
    se.add_argument("--json", action="store_true", help="print a JSON object as the last line")

    be = add("bench", "run a resumable sweep of methods x datasets x seeds and aggregate it")
    be.add_argument("--config", required=True, help="sweep YAML (configs/bo_nb201.yaml)")
    be.add_argument("--workers", type=at_least(1), help="parallel worker processes (default: 1)")
    be.add_argument("--backend", choices=["process", "ray"], help="where runs execute (default: process)")
    be.add_argument("--progress", **progress)
    be.add_argument("--aggregate-only", action="store_true", help="only aggregate the runs on disk")
    be.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    _add_transfer_parsers(sub, spaces)
    parser.commands = sub.choices  # type: ignore[attr-defined]
    return parser


COMMANDS = {"train": cmd_train, "sample": cmd_sample, "search": cmd_search, "bench": cmd_bench,
            "meta-train": cmd_meta_train, "transfer": cmd_transfer}


# options whose size sets how much memory a command takes at once, named by the out-of-memory error
MEMORY_SIZES = ("n", "train_size", "n_labels")


def _out_of_memory(e: BaseException) -> bool:
    """Whether ``e`` is an allocation failure (Python's, or torch's on CPU or GPU), which the
    CLI reports in one line instead of a traceback through the sampler."""
    if isinstance(e, MemoryError):
        return True
    import torch

    return isinstance(e, torch.OutOfMemoryError) or "can't allocate memory" in str(e)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # named by the subcommand's parser, whose --help lists what it takes
        parser.commands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    if getattr(args, "device", "") is None:  # resolved here, not in the parser: --help needs no torch
        import torch

        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        out = COMMANDS[args.command](args)
    except (DiffusionNAGError, ValueError) as e:
        print(f"diffusionnag {args.command}: error: {e}", file=sys.stderr)
        return 2
    except (MemoryError, RuntimeError) as e:
        if not _out_of_memory(e):
            raise
        sizes = [f"--{n.replace('_', '-')}" for n in MEMORY_SIZES if getattr(args, n, None) is not None]
        detail = (str(e).splitlines() or [type(e).__name__])[0][:200]  # a bare MemoryError has no message
        print(f"diffusionnag {args.command}: error: out of memory ({detail}); this machine "
              f"cannot hold the work asked for at once: ask for less ({', '.join(sizes) or 'smaller inputs'})",
              file=sys.stderr)
        return 2
    if args.json:
        print(to_json(out))
    else:
        _print_human(args.command, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
