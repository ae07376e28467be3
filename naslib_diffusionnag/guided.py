"""Guided generation as a library: the pipeline behind ``diffusionnag sample --guide``.

Requests (a property, what to want of it, a weight) are checked before any compute, fitted
into guidance terms from labels drawn with a seed, then turned into architectures (every
valid sample, or N distinct ones) and summarised against the properties' real values. The
CLI and the benchmarks call these functions rather than each re-assembling the steps.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .configio import require_int, require_number
from .diffusion import SamplerConfig
from .errors import ConfigError
from .generation import ArchitectureGenerator, Generation, check_seed
from .guidance import GuidanceTerm, Objective, PredictorConfig
from .guidance.guide import check_weight
from .guidance.schedule import check_scales, default_guidance
from .metrics import summary_stats
from .oracles.properties import ArchProperty, draw_labels
from .spaces.base import arch_list

PredictorKind = Literal["auto", "exact", "learned"]
PREDICTOR_KINDS: tuple[str, ...] = ("auto", "exact", "learned")


@dataclass(frozen=True)
class GuideRequest:
    """One property to guide toward, with what to want of it and how strongly. ``predictor``:
    ``exact`` guides by the property's exact expected value over the soft architecture (a
    hardware cost with a table or count, ``prop.soft``; no labels), ``learned`` fits a
    noise-aware predictor on labels, ``auto`` is exact where the property has it. ``tighten``:
    the term's weight grows as ``(sigma_max / sigma)^tighten`` over the steps (``GuidanceTerm``)."""

    prop: ArchProperty
    objective: Objective
    weight: float = 1.0
    predictor: PredictorKind = "auto"
    tighten: float = 0.0

    def __post_init__(self) -> None:
        """Refuse what is wrong in the request itself at once, not after a predictor is fitted."""
        if not all(hasattr(self.prop, a) for a in ("name", "space", "evaluate", "soft")):  # a name string failed later
            raise ConfigError(f"GuideRequest's property is {self.prop!r}; give an ArchProperty, e.g. "
                              "space_property('nb201', 'accuracy:cifar10')")
        name = self.prop.name
        if not isinstance(self.objective, Objective):
            raise ConfigError(f"objective of {name} is {self.objective!r}; give an Objective, e.g. Objective('max') "
                              "or Objective('budget', 10.0)")
        if self.predictor not in PREDICTOR_KINDS:
            raise ConfigError(f"predictor={self.predictor!r} for {name}; use one of {', '.join(PREDICTOR_KINDS)}")
        if self.predictor == "exact" and self.prop.soft is None:
            raise ConfigError(f"{name} has no exact expected value (only hardware costs with a table or count "
                              "do); use predictor=learned")
        check_weight(name, self.weight, self.tighten)

    @property
    def exact(self) -> bool:
        """Whether this request is guided by the exact expected value."""
        return self.predictor == "exact" or (self.predictor == "auto" and self.prop.soft is not None)

    def check(self, n_labels: int) -> None:
        """Refuse what would make the run meaningless before any predictor is fitted: more
        labels than the property has values, a budget no architecture can meet."""
        prop, objective = self.prop, self.objective
        require_int("n_labels", n_labels, 2, hint=" (a predictor needs at least 2 labelled architectures)")
        if prop.domain is not None and n_labels > len(prop.domain):
            raise ConfigError(f"{n_labels} labels is more than the {len(prop.domain):,} architectures {prop.name} "
                              f"has values for; use at most {len(prop.domain):,}")
        if objective.direction not in ("budget", "target") or objective.value is None:
            return
        lowest = highest = None
        if prop.domain is not None:
            values = prop.evaluate(list(prop.domain))
            lowest, highest = float(np.nanmin(values)), float(np.nanmax(values))
        if prop.soft is not None:
            lowest, highest = prop.soft.minimum(), prop.soft.maximum()
        what = objective.direction
        if lowest is not None and objective.value < lowest:
            raise ConfigError(f"{what} {objective.value:g} for {prop.name} is below its smallest value "
                              f"({lowest:.4g}): no architecture can " + ("meet it" if what == "budget" else "reach it"))
        if what == "target" and highest is not None and objective.value > highest:
            raise ConfigError(f"target {objective.value:g} for {prop.name} is above its largest value "
                              f"({highest:.4g}): no architecture can reach it")
        if what == "budget" and highest is not None and objective.value >= highest:
            raise ConfigError(f"budget {objective.value:g} for {prop.name} is at or above its largest value "
                              f"({highest:.4g}): every architecture meets it, so it would guide nothing while the "
                              "run is reported as guided; lower it or drop the @budget")
        if what == "budget" and objective.value <= 0:
            raise ConfigError(f"budget {objective.value:g} for {prop.name} must be > 0 (it bounds a cost)")


@dataclass
class FittedGuidance:
    """Guidance terms ready for the sampler, the scale schedule to use them with, and what
    each term was fitted on (for the JSON record)."""

    terms: list[GuidanceTerm]
    scales: list[float]
    records: list[dict[str, Any]] = field(default_factory=list)

    def budgets(self) -> dict[str, float]:
        """Property name -> budget, for the within-budget share of a report."""
        return {t.name: float(t.objective.value) for t in self.terms
                if t.objective.direction == "budget" and t.objective.value is not None}


def fit_guidance(gen: ArchitectureGenerator, requests: Sequence[GuideRequest], n_labels: int, seed: int,
                 label_transform: str = "auto", scales: Sequence[float] | None = None,
                 progress: bool = False) -> FittedGuidance:
    """One guide per request: the exact expected cost where the request asks for it (no
    labels), else a noise-aware predictor fitted on ``n_labels`` architectures drawn with
    ``seed`` (only those labels are seen). ``label_transform``/``scales`` default to the
    benchmarked choice for the requests' directions (``default_guidance``)."""
    if isinstance(requests, GuideRequest):  # not iterable: a TypeError before
        raise ConfigError("fit_guidance takes a list of GuideRequest; wrap the one request in a list: [request]")
    if isinstance(requests, str):  # iterated, its characters were echoed back as the requests
        raise ConfigError(f"fit_guidance takes GuideRequest objects, got the string {requests!r}; build one: "
                          f"[GuideRequest(space_property(space, {requests!r}), Objective(...))]")
    try:  # a generator was used up by the check below and fitted nothing
        requests = list(requests)
    except TypeError:
        raise ConfigError(f"fit_guidance takes a list of GuideRequest objects, got {requests!r}") from None
    if not requests or not all(isinstance(r, GuideRequest) for r in requests):
        raise ConfigError(f"fit_guidance takes one or more GuideRequest(property, objective), got {list(requests)!r}; "
                          "for unguided samples call generate without terms")
    names = [r.prop.name for r in requests]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice is not None:  # as the CLI refuses --guide naming a property twice: its weight doubled silently
        raise ConfigError(f"fit_guidance's requests name {twice} twice; give one request per property (its weight "
                          "sets how strongly)")
    for request in requests:
        prop, space = request.prop, gen.space.name
        if prop.space != space:  # its labels would be architectures the generator cannot encode
            raise ConfigError(f"{prop.name} is a property of {prop.space} architectures, but the generator makes "
                              f"{space} ones; use a property of {space}: space_property({space!r}, ...)")
        request.check(n_labels)
    auto_transform, auto_scales = default_guidance([r.objective.direction for r in requests])
    transform = auto_transform if label_transform == "auto" else label_transform
    chosen = check_scales(scales) if scales else auto_scales
    rng = np.random.default_rng(check_seed(seed))
    fitted = FittedGuidance([], chosen)
    for r in requests:
        record = {"property": r.prop.name, "objective": r.objective.describe(), "weight": r.weight,
                  "tighten": r.tighten, "metric": r.prop.metric, "source": r.prop.source, "sha256": r.prop.checksum}
        if r.exact:
            assert r.prop.soft is not None  # checked above
            fitted.terms.append(GuidanceTerm(r.prop.name, gen.exact_predictor(r.prop.soft), r.objective, r.weight,
                                             r.tighten))
            fitted.records.append({**record, "predictor": "exact", "n_labels": 0})
            continue
        archs, values = draw_labels(r.prop, gen.space, n_labels, rng)
        if np.ptp(values) == 0:
            raise ConfigError(f"the {len(archs)} labels of {r.prop.name} drawn with seed {seed} all equal "
                              f"{values[0]:g}; a predictor cannot learn a direction from them: draw more labels "
                              "or use another seed")
        predictor = gen.fit_predictor(archs, values, PredictorConfig(label_transform=transform),  # type: ignore[arg-type]
                                      seed=seed, progress=progress)
        fitted.terms.append(GuidanceTerm(r.prop.name, predictor, r.objective, r.weight, r.tighten))
        fitted.records.append({**record, "predictor": "learned", "n_labels": len(archs), "label_transform": transform})
    return fitted


def generate(gen: ArchitectureGenerator, n: int, seed: int, terms: Sequence[GuidanceTerm] = (),
             scales: Sequence[float] | None = None, sampler: SamplerConfig | None = None, distinct: bool = False,
             progress: bool = False) -> tuple[Generation, list[str]]:
    """The run and the architectures it yields: every valid sample, or with ``distinct`` the
    first ``n`` distinct ones (rounds of ``n`` until they exist; the official loop). Guided
    by ``terms`` at ``scales`` (both or neither: terms without scales, or scales without
    terms, would sample unguided under a guided call)."""
    if (terms and scales is None) or (not terms and scales):
        raise ConfigError("guided generation takes terms and scales together (e.g. FittedGuidance.terms and "
                          ".scales); for unguided samples pass neither")
    # terms with every scale 0: refused by the generator's check_guidance, as any call of it is
    if distinct:
        unguided = [0.0]
        made = gen.sample_distinct(n, seed, terms, scales if terms and scales else unguided, round_size=n, sampler=sampler,
                                   progress=progress)
        return made, made.distinct[:n]
    if terms:
        assert scales is not None
        made = gen.sample_guided(n, seed, terms, scales, sampler, progress=progress)
    else:
        made = gen.sample(n, seed, sampler, progress=progress)
    return made, made.valid


def summarize(archs: Sequence[str], props: Mapping[str, ArchProperty],
              budgets: Mapping[str, float]) -> dict[str, Any]:
    """Per key: summary of the property's values over ``archs`` (mean/std over all, max/top-5
    over distinct architectures, ``n_known`` = how many have a value); then the share within
    each budget as ``within_budget_<property>`` (budgets keyed by property name; None where no
    architecture has a value)."""
    archs = arch_list(archs)
    for what, given in (("props", props), ("budgets", budgets)):
        if not isinstance(given, Mapping):  # a list failed on .items()
            raise ConfigError(f"summarize's {what} is a mapping (e.g. {{'acc': space_property(space, "
                              f"'accuracy:cifar10')}} / {{'latency:pixel3': 10.0}}), got {type(given).__name__}")
    out: dict[str, Any] = {}
    known: dict[str, np.ndarray] = {}
    for key, prop in props.items():
        values = prop.evaluate(archs)
        known[prop.name] = values[np.isfinite(values)]
        first = dict(zip(archs, values.tolist(), strict=True))  # one value per distinct architecture
        distinct = [v for v in first.values() if np.isfinite(v)]
        out[key] = dict(summary_stats(known[prop.name].tolist(), distinct), n_known=int(known[prop.name].size))
    for name, budget in budgets.items():
        if name not in known:
            raise ConfigError(f"a budget for {name!r}: budgets are keyed by property name, and the properties "
                              f"summarized are {', '.join(known) or 'none'}: key it by one of them, add that "
                              "property to props, or drop the budget")
        require_number(f"the budget for {name}", budget, lambda _: True, "")
        v = known[name]
        out[f"within_budget_{name}"] = float(np.mean(v <= budget)) if v.size else None
    return out


__all__ = ["FittedGuidance", "GuideRequest", "fit_guidance", "generate", "summarize"]
