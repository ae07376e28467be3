"""Benchmark sweeps: methods x datasets x seeds in worker processes, resumable.

Each finished run is written atomically to its own JSON (method, dataset, seed, budget,
parameters as given and resolved, protocol version, data-file and checkpoint checksums,
package/python/torch versions, trajectory), so an interrupted
sweep resumes where it stopped, a killed worker only costs its own run (the pool is rebuilt and
the unfinished runs resubmitted), and nothing finished is redone or overwritten.
"""
from __future__ import annotations

import fcntl
import functools
import importlib.util
import json
import multiprocessing as mp
import os
import platform
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from .. import __version__
from ..configio import MAX_SEED, read_yaml_mapping
from ..errors import ConfigError, DiffusionNAGError, MissingDependencyError, UnknownNameError
from ..oracles import NB201Benchmark, canonical_dataset
from ..resultsio import check_writable, read_json, write_json_atomic
from ..spaces import get_space
from .loop import check_budget
from .methods import (
    METHODS,
    build_method,
    check_budget_for,
    checkpoint_record,
    recorded_params,
    resolve_params,
)
from .report import read_run

PROTOCOL = 2
"""Version of what a run computes for a given spec, recorded in every run file. 1 (runs
without the field, the committed ``benchmarks_results/bo_nb201``): hand-made seed formulas,
numpy acquisitions, per-method loops. 2: seeds derived by ``SeedSequence.spawn``, torch
acquisitions bound to the surrogate, one ask/tell loop. Runs of different protocols are never
resumed into nor aggregated with each other (``report.check_same_protocol``)."""
#: the most seeds one sweep takes (each is a run per method and dataset; more is a typo, and a
#: count of 10 ** 12 would exhaust memory listing them)
MAX_SWEEP_SEEDS = 100_000


@dataclass(frozen=True)
class RunSpec:
    method: str
    dataset: str
    seed: int
    budget: int
    space: str = "nb201"
    params: dict[str, Any] = field(default_factory=dict)
    data: str | None = None  # benchmark file (default ../shared/data/nb201/nats_bench.csv)

    @property
    def run_id(self) -> str:
        return f"{self.dataset}__{self.method}__s{self.seed}"


@dataclass
class SweepConfig:
    methods: dict[str, dict[str, Any]]
    datasets: list[str]
    seeds: list[int]
    budget: int
    runs_dir: str  # no default: a default would be the committed sweep's, which another sweep
    results: str  # would then write its runs and report into
    space: str = "nb201"
    data: str | None = None
    allow_unverified_data: bool = False  # run on a benchmark file other than the documented one

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> SweepConfig:
        """The sweep in ``path``, every setting checked before a run starts (a mistake found
        inside a worker costs the runs computed before it)."""
        p = Path(path)
        raw = read_yaml_mapping(p, "configs/bo_nb201.yaml")
        unknown = set(raw) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise ConfigError(f"{p}: unknown keys {sorted(unknown)}; valid keys: "
                              f"{', '.join(cls.__dataclass_fields__)}")
        missing = {"methods", "datasets", "budget", "runs_dir", "results"} - set(raw)
        if missing:
            raise ConfigError(f"{p}: missing keys {sorted(missing)}; see configs/bo_nb201.yaml (runs_dir and results "
                              "say where this sweep's runs and report go)")

        def fail(key: str, want: str) -> ConfigError:
            return ConfigError(f"{p}: {key} is {raw[key]!r}; it must be {want}")

        seeds = raw.get("seeds", 1)
        if isinstance(seeds, bool) or not (isinstance(seeds, int) and 1 <= seeds <= MAX_SWEEP_SEEDS
                                           or isinstance(seeds, list) and 1 <= len(seeds) <= MAX_SWEEP_SEEDS
                                           and all(isinstance(s, int) and not isinstance(s, bool)
                                                   and 0 <= s <= MAX_SEED for s in seeds)):
            raise ConfigError(f"{p}: seeds is {seeds!r}; it must be a count from 1 to {MAX_SWEEP_SEEDS:,} (seeds "
                              f"0 to count - 1) or a list of 1 to {MAX_SWEEP_SEEDS:,} seeds from 0 to {MAX_SEED}")
        raw["seeds"] = list(range(seeds)) if isinstance(seeds, int) else seeds
        if not isinstance(raw["methods"], dict) or not raw["methods"]:
            raise fail("methods", "a mapping of method names to their parameters")
        for m, v in raw["methods"].items():
            if v is not None and not isinstance(v, dict):
                raise ConfigError(f"{p}: methods.{m} is {v!r}; it must be a mapping of its parameters "
                                  f"(write {m}: {{}} for its defaults)")
        raw["methods"] = {m: (v or {}) for m, v in raw["methods"].items()}
        bad = set(raw["methods"]) - set(METHODS.names())
        if bad:
            raise ConfigError(f"{p}: unknown methods {sorted(bad)}; choose from {', '.join(METHODS.names())}")
        for m, params in raw["methods"].items():  # every parameter checked before any run starts
            if not isinstance(params, dict):
                raise ConfigError(f"{p}: parameters of {m} are {params!r}; they must be a mapping")
            try:
                resolve_params(m, params)
            except ConfigError as e:
                raise ConfigError(f"{p}: {e}") from None
        if not isinstance(raw["datasets"], list) or not raw["datasets"]:
            raise fail("datasets", "a non-empty list such as [cifar10, cifar100, ImageNet16-120]")
        raw["datasets"] = [canonical_dataset(d) for d in raw["datasets"]]
        for key, values in (("datasets", raw["datasets"]), ("seeds", raw["seeds"])):
            repeated = sorted({v for v in values if values.count(v) > 1}, key=str)
            if repeated:  # one run per (method, dataset, seed): a repeat would be silently merged
                raise ConfigError(f"{p}: {key} lists {', '.join(map(str, repeated))} more than once"
                                  + (" (after aliases such as cifar-10 -> cifar10)" if key == "datasets" else "")
                                  + "; list each once")
        for key in ("runs_dir", "results", "space"):
            if key in raw and not (isinstance(raw[key], str) and raw[key].strip()):
                raise fail(key, "a non-empty string")
        if raw["results"].endswith(("/", os.sep)):  # read as a folder, it wrote <folder>.json beside it
            raise fail("results", "the path prefix of the report, without a trailing slash (.../bo_nb201 -> "
                       "bo_nb201.json, bo_nb201.md, bo_nb201_<dataset>.png)")
        if raw.get("space", "nb201") != "nb201":  # the sweep's black box is the NB201 table
            raise fail("space", "nb201 (the only space whose benchmark table a sweep queries; "
                       "MBv3 searches run through benchmarks/mbv3.py)")
        if raw.get("data") is not None and not isinstance(raw["data"], str):
            raise fail("data", "the path of a benchmark file")
        if not isinstance(raw.get("allow_unverified_data", False), bool):
            raise fail("allow_unverified_data", "true or false")
        try:
            check_budget(raw["budget"], get_space(raw.get("space", "nb201")))
            for m, params in raw["methods"].items():
                check_budget_for(m, resolve_params(m, params), raw["budget"], raw.get("space", "nb201"))
        except (ConfigError, UnknownNameError) as e:
            raise ConfigError(f"{p}: {e}") from None
        return cls(**raw)

    def specs(self) -> list[RunSpec]:
        return [RunSpec(m, d, s, self.budget, self.space, params, self.data)
                for d in self.datasets for m, params in self.methods.items() for s in self.seeds]


@functools.lru_cache(maxsize=2)
def worker_benchmark(data: str | None) -> NB201Benchmark:
    """The benchmark a worker process queries, loaded once per process and data file: reading
    and checksumming the table takes seconds, longer than a whole random-search run. It is
    only read; ``worker_benchmark.cache_clear()`` drops it."""
    return NB201Benchmark.load(data, allow_unverified=True)  # checked when the sweep started


def run_one(spec: RunSpec, runs_dir: str, bench: NB201Benchmark | None = None) -> str:
    """Run one search against ``bench`` (default: ``worker_benchmark(spec.data)``) and write
    its JSON, which records the method's resolved parameters, the protocol version and the
    diffusion checkpoint's sha256; returns the file path. The
    benchmark file was verified (or allowed) when the sweep started; workers read the same file."""
    torch.set_num_threads(1)
    bench = worker_benchmark(spec.data) if bench is None else bench
    optimizer = build_method(spec.method, spec.space, spec.params)
    start = time.perf_counter()
    traj = optimizer.run(lambda a: bench.query(a, spec.dataset), spec.budget, spec.seed)
    seconds = time.perf_counter() - start
    best_arch, best_value = traj.best()
    record = {
        "spec": asdict(spec), "resolved_params": asdict(resolve_params(spec.method, spec.params)),
        "protocol": PROTOCOL, "checkpoint": checkpoint_record(spec.method, spec.space), "seconds": seconds, "best_arch": best_arch, "best_value": best_value,
        "benchmark": bench.provenance(), "metric": bench.metric[spec.dataset],
        "package_version": __version__, "python": platform.python_version(), "torch": str(torch.__version__),
        "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "threads": torch.get_num_threads()},
        "trajectory": traj.to_dict(),
    }
    return str(write_json_atomic(Path(runs_dir) / f"{spec.run_id}.json", record))


def cpu_name() -> str:
    """The CPU model, recorded with every run so timings state where they were taken."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _same_run(record: dict[str, Any], spec: RunSpec) -> bool:
    """Whether a run file holds ``spec``'s run: same spec apart from how the parameters are
    spelt, and the same resolved parameters (a parameter left to a default that has since
    changed is another run; spelling out a default is the same one). A parameter the record
    lacks was added later, with a default that kept the behaviour the run had (its first
    default, ``FIRST_DEFAULTS`` where it has changed since): the run matches when the spec
    resolves it to that value."""
    done, want = dict(record.get("spec") or {}), asdict(spec)
    if "resolved_params" not in record:  # written before resolved parameters were recorded
        return done == want
    resolved = resolve_params(spec.method, spec.params)
    done.pop("params", None), want.pop("params")
    return (done == want
            and json.loads(json.dumps(recorded_params(record))) == json.loads(json.dumps(asdict(resolved))))


def is_done(spec: RunSpec, runs_dir: Path) -> bool:
    """Whether ``runs_dir`` holds ``spec``'s finished run; a file there of another setting or
    protocol is an error (never resumed into or overwritten)."""
    path = runs_dir / f"{spec.run_id}.json"
    if not path.exists():
        return False
    record = read_run(path)
    if not _same_run(record, spec):
        raise DiffusionNAGError(
            f"{path} was made with another setting ({record.get('spec')}, resolved "
            f"{record.get('resolved_params')}); it is never overwritten: use another runs_dir or delete the file")
    if record.get("protocol", 1) != PROTOCOL:
        raise DiffusionNAGError(
            f"{path} was made under protocol {record.get('protocol', 1)}, this version runs protocol {PROTOCOL} "
            "(other seeds and acquisitions for the same spec); it is never resumed into or overwritten: "
            "use another runs_dir")
    return True


def check_report_owner(results: Path, runs_dir: str, config: str | os.PathLike[str],
                       datasets: Sequence[str] = ()) -> None:
    """Refuse to replace another sweep's tables and plots: two configs naming one ``results``
    would silently overwrite each other's report, whether or not they share ``runs_dir`` (a
    report names its config and runs_dir; older reports only their config). Without that JSON,
    a Markdown table or a plot (one per dataset in ``datasets``) already at the report's paths
    is someone else's file: nothing says this sweep made it."""
    old = results.with_name(results.name + ".json")
    if not old.is_file():
        stray = [q for q in (results.with_name(results.name + ".md"),
                             *(results.with_name(f"{results.name}_{d}.png") for d in datasets)) if q.exists()]
        if stray:
            raise DiffusionNAGError(f"{stray[0]} exists and no {old.name} beside it says which sweep made it, so "
                                    f"the report would overwrite it; move it away or set `results:` in {config} to "
                                    "another path")
        return
    try:
        previous = read_json(old)
    except DiffusionNAGError:
        previous = {}
    meta = previous.get("meta", {}) if isinstance(previous, dict) else {}
    meta = meta if isinstance(meta, dict) else {}
    ours = {"config": config, **({"runs_dir": runs_dir} if "runs_dir" in meta else {})}
    if not all(meta.get(k) is not None and Path(meta[k]).resolve() == Path(v).resolve() for k, v in ours.items()):
        raise DiffusionNAGError(f"{old} is another sweep's report (made from {meta.get('config', 'an unknown config')}"
                                f", runs in {meta.get('runs_dir', 'an unrecorded folder')}); set `results:` in "
                                f"{config} to another path, or delete that report to replace it")


def finished_runs(config: SweepConfig) -> list[dict[str, Any]]:
    """The finished runs of ``config``'s own specs (its methods, datasets, seeds, budget), each
    checked to be of its settings and protocol (``is_done``): what a report of this config may
    show. Other files in ``runs_dir`` (another config's runs) are left out, not mixed in."""
    runs_dir = Path(config.runs_dir)
    return [read_run(runs_dir / f"{s.run_id}.json") for s in config.specs() if is_done(s, runs_dir)]


def _die_with_parent(parent: int) -> None:
    """Pool initializer: end this worker when the sweep's process is gone (killed, not only
    exited), so no orphan keeps computing and writing runs nobody waits for."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


@contextmanager
def sweep_lock(runs_dir: Path) -> Iterator[None]:
    """One sweep per runs folder at a time: a second one would compute every pending run
    again (the results would agree, the hours would be lost)."""
    lock_path = runs_dir / ".sweep.lock"
    with open(lock_path, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            owner = f.read().strip() or "another process"
            raise DiffusionNAGError(
                f"another sweep ({owner}) is running on {runs_dir}; wait for it to finish, or give this "
                "one another runs_dir") from None
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()}")
        f.flush()
        try:
            yield
        finally:
            f.truncate(0)
            fcntl.flock(f, fcntl.LOCK_UN)


def check_backend(backend: str) -> None:
    """Refuse an unknown backend, or Ray when it is not installed, before any folder is made."""
    if backend not in ("process", "ray"):
        raise ConfigError(f"unknown backend {backend!r}; use 'process' or 'ray'")
    if backend == "ray" and importlib.util.find_spec("ray") is None:
        raise MissingDependencyError("the ray backend needs Ray: pip install 'ray>=2.9' (or use --backend process)")


def run_sweep(config: SweepConfig, workers: int = 1, backend: str = "process", max_restarts: int = 3,
              progress: bool = True) -> list[str]:
    """Run every unfinished spec; returns the run files of the whole sweep."""
    check_backend(backend)
    if workers < 1:
        raise ConfigError(f"workers is {workers}; use at least 1 worker process")
    runs_dir = check_writable(config.runs_dir)
    NB201Benchmark.load(config.data, config.allow_unverified_data)  # refuse a wrong data file before any run
    with sweep_lock(runs_dir):
        return _run_pending(config, runs_dir, workers, backend, max_restarts, progress)


def _run_pending(config: SweepConfig, runs_dir: Path, workers: int, backend: str, max_restarts: int,
                 progress: bool) -> list[str]:
    specs = config.specs()
    bar = tqdm(total=len(specs), desc="sweep", disable=not progress)
    failures: list[str] = []
    for restart in range(max_restarts + 1):
        pending = [s for s in specs if not is_done(s, runs_dir)]
        bar.n = len(specs) - len(pending)
        bar.refresh()
        if not pending:
            break
        if backend == "ray":
            failures = _run_ray(pending, runs_dir, workers, bar)
            break
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                     initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
                futures = {pool.submit(run_one, s, str(runs_dir)): s for s in pending}
                failures = []
                for fut in as_completed(futures):
                    try:
                        fut.result()
                    except BrokenProcessPool:
                        raise
                    except Exception as e:  # a run's own error: report it, keep the others going
                        failures.append(f"{futures[fut].run_id}: {type(e).__name__}: {e}")
                    bar.update(1)
            break
        except BrokenProcessPool:
            tqdm.write(f"sweep: a worker died; restarting the pool (restart {restart + 1}/{max_restarts})",
                       file=sys.stderr)
    bar.close()
    missing = [s.run_id for s in specs if not (runs_dir / f"{s.run_id}.json").exists()]
    if failures or missing:
        raise DiffusionNAGError("sweep incomplete: " + "; ".join(failures or [f"missing runs {missing}"]))
    return [str(runs_dir / f"{s.run_id}.json") for s in specs]


def _run_ray(pending: list[RunSpec], runs_dir: Path, workers: int, bar: tqdm) -> list[str]:
    try:
        import ray
    except ImportError:
        raise DiffusionNAGError("the ray backend needs Ray: pip install 'ray>=2.9' (or use --backend process)") from None
    ray.init(ignore_reinit_error=True, num_cpus=workers, include_dashboard=False)
    remote = ray.remote(num_cpus=1, max_retries=2)(run_one)
    refs = {remote.remote(s, str(runs_dir)): s for s in pending}
    failures = []
    while refs:
        done, _ = ray.wait(list(refs), num_returns=1)
        spec = refs.pop(done[0])
        try:
            ray.get(done[0])
        except Exception as e:
            failures.append(f"{spec.run_id}: {e}")
        bar.update(1)
    return failures
