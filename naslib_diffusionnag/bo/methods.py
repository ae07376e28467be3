"""Search methods by name, all run through one harness against one black box.

``bananas``, ``bo-random`` and ``diffusion-bo`` share the surrogate (an ensemble of
noise-aware predictors refitted each round) and the acquisition function; they differ only in
the acquisition optimizer (mutation / random / guided diffusion), so a difference in results is
the acquisition optimizer's. ``transfer-bo`` starts that loop from a meta-predictor learned on
other datasets (``transfer.transfer_bo``).

Each method declares its parameters as a frozen dataclass whose defaults are the settings of
the committed results (``benchmarks_results/bo_nb201.md``); ``resolve_params`` checks a
mapping of parameters against it, so a misspelt or foreign parameter, or a value of the wrong
type, is refused when a config is read, not inside a worker. What a method runs (torch, the
diffusion model) is imported when it is built, so naming the methods stays cheap.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast, get_args

from ..configio import require_at_least, require_number, require_one_of, typed_config
from ..errors import ConfigError, DataFormatError
from ..registry import Registry
from ..spaces import get_space

if TYPE_CHECKING:
    import torch

    from ..diffusion import SamplerConfig
    from ..generation import ArchitectureGenerator
    from .candidates import AcquisitionOptimizer
    from .constraints import CostBudget
    from .loop import SearchMethod


def changed(params: Any, *names: str) -> list[str]:
    """Those of ``names`` whose value on ``params`` differs from the field's default."""
    defaults = {f.name: f.default for f in fields(params)}
    return [n for n in names if getattr(params, n) != defaults[n]]


def refuse_unused(params: Any, names: tuple[str, ...], why: str, fix: str = "") -> None:
    """``ConfigError`` when any of ``names`` is set away from its default though ``why`` says
    it would change nothing (the run would record a setting it never used); ``fix``: the other
    way out than leaving it at its default."""
    set_ = changed(params, *names)
    if set_:
        raise ConfigError(f"parameter{'s' if len(set_) > 1 else ''} {', '.join(repr(n) for n in set_)} would change "
                          f"nothing: {why}; {fix + ' or ' if fix else ''}leave {'them' if len(set_) > 1 else 'it'} "
                          "at the default")


MUTATION = ("mutation_top_k", "mutation_edits", "mutation_generations")
"""The parameters of mutation candidates (``_mutations``)."""


@dataclass(frozen=True)
class NoParams:
    """Random search has no parameters."""


@dataclass(frozen=True)
class REParams:
    """Regularised evolution (NASLib's defaults)."""

    population_size: int = 30
    sample_size: int = 10
    random_start: ClassVar[str] = "population_size"

    def __post_init__(self) -> None:
        require_at_least(self, 1, "population_size", "sample_size")
        if self.sample_size > self.population_size:  # the tournament would draw the whole population, unsaid
            raise ConfigError(f"parameter 'sample_size' ({self.sample_size}) is the tournament drawn from the "
                              f"population, and 'population_size' is {self.population_size}: set sample_size <= "
                              "population_size")


@dataclass(frozen=True)
class LSParams:
    """Local search: random cells before the first climb."""

    n_init: int = 10
    random_start: ClassVar[str] = "n_init"

    def __post_init__(self) -> None:
        require_at_least(self, 1, "n_init")


@dataclass(frozen=True)
class BOParams:
    """The shared BO settings: random initial queries, queries per round, acquisition
    function (``ACQUISITIONS``) and UCB's ``beta``, surrogate ensemble size (5, chosen on tuning
    seeds with the ranking term and local queries; 3 in every result before bo_nb201.md's
    ensemble-5 sweep, which their benchmarks pin), fit steps, architecture encoder (``gcn``:
    every committed result; ``mlp``) and weight of the pairwise ranking term in its fit (1,
    chosen on tuning seeds in benchmarks_results/bo_guide_nb201*.md and used by bo_nb201.md; 0:
    squared error only, the round of every earlier result, which their benchmarks pin), how its
    fit draws noise levels (``surrogate_noise_power``: t = u ** p, > 1 fits more nearly clean
    inputs, where the candidates it ranks are read; 1, uniform t, every committed result),
    what its members regress (``surrogate_labels``: ``normal_scores`` of the labels' ranks, which
    spend the fit on ordering the good cells rather than on the few broken ones, chosen on tuning
    seeds in bo_guide_nb201*_b150.md and used by bo_nb201.md; or ``zscore``, every result before
    it, which their benchmarks pin; both monotone, so every acquisition ranks alike),
    candidates per round;
    where candidates are mutations: of how many of the best queried, by up to how many edits, and
    over how many generations evolved on the surrogate mean (1: plain mutation, every committed
    result before mbv3.md part b5; ``candidates.EvolutionAO``);
    a hard budget on an exactly known cost (``budget_property`` <= ``budget``, e.g.
    ``latency:note10`` <= 30 on MBv3: nothing over it is queried, ``constraints.CostBudget``) with
    its initial design (``projected``: the model's samples moved into the budget, mbv3.md b5;
    ``generated`` under the cost penalty, b4; or ``uniform`` draws within it),
    the diffusion sampler's steps wherever the method generates (None: the checkpoint's sampler),
    how many of each round's ``k`` queries go to the acquisition's best one-edit neighbours
    of the incumbent (``local_queries``: 3 chosen with the ranking term; 0 before) or of the best
    ``local_parents`` queried cells (1: the incumbent alone, every committed result), whether that
    region widens to two-edit neighbours once it is nearly spent (``local_widen``; off in every
    committed result), what ranks that region (``local_acquisition``: None, the round's
    acquisition, every committed result; or an ``ACQUISITIONS`` name such as ``mean``), how many
    go there in a round right after a new incumbent (``local_after_gain``; None: ``local_queries``,
    every committed result), and whether a round
    skips cells computing the same function as a queried or chosen one (``distinct_functions``,
    ``loop.BayesianOptimization``; off in every committed result)."""

    n_init: int = 10
    random_start: ClassVar[str | None] = "n_init"
    generates: ClassVar[bool] = False  # whether its candidates come from the diffusion sampler
    k: int = 10
    acquisition: str = "its"
    beta: float = 2.0
    ensemble: int = 5
    predictor_steps: int = 300
    surrogate_encoder: str = "gcn"
    surrogate_rank_weight: float = 1.0
    surrogate_noise_power: float = 1.0
    surrogate_labels: str = "normal_scores"
    candidates: int = 100
    mutation_top_k: int = 10
    mutation_edits: int = 1
    mutation_generations: int = 1
    budget_property: str | None = None
    budget: float | None = None
    budget_initial: str = "projected"
    sampler_steps: int | None = None
    local_queries: int = 3
    local_parents: int = 1
    local_widen: bool = False
    distinct_functions: bool = False
    local_acquisition: str | None = None
    local_after_gain: int | None = None

    def __post_init__(self) -> None:
        from ..guidance.labels import LABEL_KINDS
        from ..guidance.predictors import ENCODERS
        from .acquisition import ACQUISITIONS  # its math libraries load when a config is resolved

        require_at_least(self, 1, "k", "ensemble", "predictor_steps", "candidates", "sampler_steps",
                         "mutation_top_k", "mutation_edits", "mutation_generations", "local_parents")
        # the first surrogate is fitted on the initial queries: one label gave a bare ValueError a round later
        require_at_least(self, 2, "n_init")
        require_at_least(self, 0, "beta", "surrogate_rank_weight", "local_queries")
        if not 0 < self.surrogate_noise_power < float("inf"):
            raise ConfigError(f"parameter 'surrogate_noise_power' must be a finite number > 0 (1: the fit's "
                              f"noise levels drawn uniformly in t), got {self.surrogate_noise_power}")
        require_one_of("surrogate_labels", self.surrogate_labels, LABEL_KINDS)
        if self.beta != 2.0 and self.acquisition != "ucb":  # 2.0: the field's default
            raise ConfigError(f"parameter 'beta' ({self.beta}) is UCB's, and 'acquisition' is {self.acquisition!r}: "
                              "set acquisition: ucb or leave beta at its default")
        if self.local_queries > self.k:
            raise ConfigError(f"parameter 'local_queries' ({self.local_queries}; default 3) cannot exceed 'k' "
                              f"({self.k}), the queries of a round it is a share of: set local_queries <= k")
        if self.local_after_gain is not None and not 0 <= self.local_after_gain <= self.k:
            raise ConfigError(f"parameter 'local_after_gain' ({self.local_after_gain}) is a share of a round's 'k' "
                              f"({self.k}) queries: set 0 <= local_after_gain <= k, or leave it unset")
        if ((self.local_parents > 1 or self.local_widen or self.local_acquisition is not None)
                and not (self.local_queries or self.local_after_gain)):
            raise ConfigError(f"parameters 'local_parents' ({self.local_parents}), 'local_widen' ({self.local_widen}) "
                              f"and 'local_acquisition' ({self.local_acquisition!r}) choose where local queries come "
                              "from and how they are ranked, but 'local_queries' is 0 (and 'local_after_gain' unset "
                              "or 0): set local_queries >= 1 or leave local_parents at 1, local_widen off and "
                              "local_acquisition unset")
        from .constraints import DESIGNS

        require_one_of("budget_initial", self.budget_initial, DESIGNS)
        if (self.budget_property is None) != (self.budget is None):
            raise ConfigError("parameters 'budget_property' and 'budget' go together (e.g. budget_property: "
                              f"latency:note10, budget: 30); got {self.budget_property!r} and {self.budget!r}")
        if self.budget is None:
            refuse_unused(self, ("budget_initial", *(() if self.generates else ("sampler_steps",))),
                          "without a cost budget the initial design is random"
                          + ("" if self.generates else " and nothing is sampled from the diffusion model"),
                          "set one (budget_property, budget)")
        require_one_of("acquisition", self.acquisition, ACQUISITIONS.names())
        if self.local_acquisition is not None:
            require_one_of("local_acquisition", self.local_acquisition, ACQUISITIONS.names())
        require_one_of("surrogate_encoder", self.surrogate_encoder, ENCODERS)


@dataclass(frozen=True)
class DiffusionBOParams(BOParams):
    """BO settings plus the guidance-scale schedule of the diffusion acquisition optimizer, what it climbs: the surrogate ``mean``
    (the committed runs) or the ``acquisition`` function itself, how many one-edit
    mutations of the best queried cells join each round's generated candidates (0: none), and
    after how many queries without a new best the round's candidates are BANANAS' mutations
    instead of generated cells until the next improvement (``stall_switch``, 0: never; 20 once it
    was never worse at 150 queries on any of 60 tuning runs, 10 since it passed the normal-score
    round's adoption rule on tuning seeds 100-119, ``bo_guide_nb201*_b150.md`` (bo_nb201.md's runs
    up to commit cb0283f used 20); ``candidates.StallSwitchAO``; ``stall_skip_initial``: the
    random initial design does not count as stalled, so the first round is generated whatever
    the patience, off in every committed result; ``stall_switch_late``: the patience from
    ``stall_late_from`` queries on, None (``stall_switch`` throughout) in every committed result;
    ``stall_edits``: that many guided edits of the
    best queried cells, ``candidates.EditAO`` re-generating them from noise level ``edit_t``, join
    the stalled round's mutations, 0 in every committed result), and the encoder of a second ensemble that
    the acquisition binds to (it ranks what is queried) while the first one's mean guides the
    sampler (``ranking_encoder``; None: one ensemble does both, every committed result), and how
    many extra sampling rounds top the generated pool up to ``candidates`` distinct unqueried
    cells (``fill_rounds``, ``candidates.DiffusionAO``; 0: one pass, every committed result)."""

    generates: ClassVar[bool] = True
    scales: tuple[float, ...] = (100.0, 50.0, 25.0)
    guide: str = "mean"
    mix_mutations: int = 0
    stall_switch: int = 10
    stall_skip_initial: bool = False
    stall_switch_late: int | None = None
    stall_late_from: int = 60
    stall_edits: int = 0
    edit_t: float = 0.6
    ranking_encoder: str | None = None
    fill_rounds: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        require_at_least(self, 0, "mix_mutations", "stall_switch", "fill_rounds", "stall_edits")
        require_at_least(self, 1, "stall_switch_late", "stall_late_from")
        if self.stall_switch_late is not None and not self.stall_switch:
            raise ConfigError("parameter 'stall_switch_late' is the stall switch's patience late in the search, and "
                              "'stall_switch' is 0 (never switch): set stall_switch or drop stall_switch_late")
        if self.stall_late_from != 60 and self.stall_switch_late is None:  # 60: the field's default
            raise ConfigError(f"parameter 'stall_late_from' ({self.stall_late_from}) says when 'stall_switch_late' "
                              "takes over, and stall_switch_late is unset: set it or leave stall_late_from at 60")
        require_number("parameter 'edit_t'", self.edit_t, lambda v: 0 < v <= 1, "in (0, 1]",
                       " (the noise level the best cells are taken to before re-generation; 0.6: ~2 edits on NB201)")
        if self.stall_edits and not self.stall_switch:
            raise ConfigError("parameter 'stall_edits' adds guided edits to the pool a stalled search switches to, "
                              "and 'stall_switch' is 0 (never switch): set stall_switch or drop stall_edits")
        if self.edit_t != 0.6 and not self.stall_edits:
            raise ConfigError(f"parameter 'edit_t' ({self.edit_t}) sets the guided edits' noise level, and "
                              "'stall_edits' is 0 (no edits): set stall_edits or leave edit_t at its default")
        if self.stall_skip_initial and not self.stall_switch:
            raise ConfigError("parameter 'stall_skip_initial' sets when the stall switch starts counting, and "
                              "'stall_switch' is 0 (never switch): set stall_switch or drop stall_skip_initial")
        from ..guidance.schedule import check_scales
        from .loop import Guide  # the loop's own list of guides

        try:
            check_scales(self.scales)  # the sampler's own rule, before a sweep starts rather than in a worker
        except ConfigError as e:
            raise ConfigError(f"parameter 'scales': {e}") from None
        if not any(self.scales):
            raise ConfigError(f"parameter 'scales' is all 0 ({list(self.scales)}): the pool would be unguided samples "
                              "under diffusion-bo's name; give a scale > 0 (default 100, 50, 25)")
        if not (self.stall_switch or self.mix_mutations):
            refuse_unused(self, MUTATION, "diffusion-bo makes mutations only when stalled (stall_switch) or to mix "
                                          "them in (mix_mutations), and both are 0", "set one of those")

        require_one_of("guide", self.guide, get_args(Guide))
        if self.ranking_encoder is not None:
            from ..guidance.predictors import ENCODERS

            require_one_of("ranking_encoder", self.ranking_encoder, ENCODERS)
            if self.guide != "mean":
                raise ConfigError(f"parameter 'ranking_encoder' ({self.ranking_encoder!r}) gives the acquisition its own "
                                  f"surrogate while the first one's mean guides the sampler, but 'guide' is "
                                  f"{self.guide!r}: set guide: mean or leave ranking_encoder unset")


@dataclass(frozen=True)
class RandomBOParams(BOParams):
    """BO with uniformly random candidates: BOParams without the mutation settings it never uses."""

    def __post_init__(self) -> None:
        super().__post_init__()
        refuse_unused(self, MUTATION, "bo-random's candidates are uniform random cells, not mutations")


#: where transfer-BO's candidates come from each round (``transfer.transfer_bo``)
CANDIDATES_FROM = ("mutation", "diffusion", "diffusion+mutation")


@dataclass(frozen=True)
class TransferBOParams(BOParams):
    """BO settings plus what transfer-BO starts from: the ``target`` dataset (required: it is
    described to the meta-predictor and kept out of its sources), a meta-predictor checkpoint
    from ``diffusionnag meta-train`` or else the ``sources`` to meta-train on now, how many
    cells the warm start generates to pick its first queries from, and where each round's
    candidates come from (``CANDIDATES_FROM``). Its surrogate is the meta-predictor plus a
    residual ensemble (of 3, as in transfer_nb201.md) fitted by squared error to z-scores, and its rounds
    query the acquisition's best candidates only: no ranking term, local queries or function
    de-duplication."""

    random_start: ClassVar[str | None] = None  # its first n_init queries are the pipeline's ranked cells
    ensemble: int = 3
    surrogate_rank_weight: float = 0.0
    local_queries: int = 0
    surrogate_labels: str = "zscore"
    target: str = ""
    meta_checkpoint: str | None = None
    sources: str = "meta-train-db"
    n_generate: int = 100
    candidates_from: str = "mutation"

    def __post_init__(self) -> None:
        # first, so that a setting transfer-bo refuses is named as such (BOParams' own checks
        # would suggest fixes that it then refuses)
        if (self.budget is not None or self.sampler_steps is not None or self.local_queries or self.local_parents > 1
                or self.local_widen or self.surrogate_rank_weight or self.surrogate_noise_power != 1
                or self.surrogate_labels != "zscore"
                or self.distinct_functions or self.local_acquisition is not None or self.local_after_gain is not None):
            raise ConfigError("transfer-bo takes no 'budget'/'budget_property', 'sampler_steps', 'local_queries', "
                              "'local_parents', 'local_widen', 'local_acquisition', 'local_after_gain', "
                              "'surrogate_rank_weight', 'surrogate_noise_power', 'surrogate_labels' or "
                              "'distinct_functions' (its "
                              "candidates come from the meta-predictor's pipeline, its surrogate from the "
                              "meta-predictor); use diffusion-bo or bananas for those")
        refuse_unused(self, MUTATION, "transfer-bo's mutation candidates are BANANAS' one-edit mutations of the 10 "
                                      "best queried cells")
        super().__post_init__()
        require_at_least(self, 1, "n_generate")
        require_one_of("candidates_from", self.candidates_from, CANDIDATES_FROM)
        if not self.target:
            raise ConfigError("parameter 'target' is required: the dataset searched (e.g. cifar10)")


Build = Callable[..., "SearchMethod"]


@dataclass(frozen=True)
class Method:
    """A search method: its parameter dataclass, ``build(space_name, params, checkpoint,
    device, progress)`` (``progress``: bars for work done while building, e.g. meta-training),
    and whether it loads a diffusion checkpoint (whose sha256 its runs record)."""

    params: type
    build: Build
    uses_checkpoint: bool = True


MakeAO = Callable[["ArchitectureGenerator", Any, "CostBudget | None"], "AcquisitionOptimizer"]
"""``(generator, params, budget or None) -> acquisition optimizer`` of a BO method."""


def _sampler(gen: ArchitectureGenerator, p: BOParams) -> SamplerConfig | None:
    """The sampler ``p.sampler_steps`` asks for (None: the checkpoint's own)."""
    return gen.config.with_overrides(sampler={"steps": p.sampler_steps}).sampler if p.sampler_steps else None


def _bo(make_ao: MakeAO) -> Build:
    """``build`` of a BO method: the shared surrogate and acquisition, ``make_ao``'s candidates,
    and the hard cost budget when the parameters set one."""

    def build(space_name: str, p: BOParams, checkpoint: str | None, device: torch.device | str,
              progress: bool = False) -> SearchMethod:
        from ..generation import ArchitectureGenerator
        from ..guidance import PredictorConfig
        from ..guidance.labels import LabelKind
        from ..guidance.predictors import Encoder
        from ..oracles.properties import space_property
        from .constraints import CostBudget, Design
        from .loop import BayesianOptimization, Guide
        from .surrogate import EnsembleSurrogate

        gen = ArchitectureGenerator.load(space_name, checkpoint, device=device)
        budget = (CostBudget(gen, space_property(space_name, p.budget_property), p.budget, sampler=_sampler(gen, p),
                             initial=cast(Design, p.budget_initial))
                  if p.budget_property is not None and p.budget is not None else None)
        def ensemble(encoder: str) -> EnsembleSurrogate:
            return EnsembleSurrogate(gen, p.ensemble, PredictorConfig(
                encoder=cast(Encoder, encoder), steps=p.predictor_steps,
                label_transform=cast(LabelKind, p.surrogate_labels),
                rank_weight=p.surrogate_rank_weight, noise_power=p.surrogate_noise_power))

        surrogate = ensemble(p.surrogate_encoder)
        return BayesianOptimization(gen.space, surrogate, p.acquisition, make_ao(gen, p, budget), p.n_init, p.k,
                                    p.beta, cast(Guide, p.guide) if isinstance(p, DiffusionBOParams) else "mean",
                                    constraint=budget, local_queries=p.local_queries,
                                    local_parents=p.local_parents, local_widen=p.local_widen,
                                    distinct_functions=p.distinct_functions, local_acquisition=p.local_acquisition,
                                    local_after_gain=p.local_after_gain,
                                    ranker=(ensemble(p.ranking_encoder) if isinstance(p, DiffusionBOParams)
                                            and p.ranking_encoder else None))

    return build


def _mutations(gen: ArchitectureGenerator, p: BOParams, n: int, budget: CostBudget | None) -> AcquisitionOptimizer:
    """``n`` mutation candidates per round: plain (BANANAS) or evolved on the surrogate mean over
    ``p.mutation_generations`` generations, children over the budget dropped as they are made."""
    from .candidates import EvolutionAO, MutationAO

    if p.mutation_generations == 1:
        return MutationAO(gen.space, n, p.mutation_top_k, p.mutation_edits)
    return EvolutionAO(gen.space, gen.clean_inputs, n, p.mutation_top_k, p.mutation_edits, p.mutation_generations,
                       budget.feasible if budget else None)


def _diffusion_ao(gen: ArchitectureGenerator, p: DiffusionBOParams, budget: CostBudget | None) -> AcquisitionOptimizer:
    from .candidates import DiffusionAO, EditAO, StallSwitchAO, UnionAO

    ao: AcquisitionOptimizer = DiffusionAO(gen, p.candidates, list(p.scales), _sampler(gen, p),
                                           [budget.term()] if budget else [], p.fill_rounds)
    if p.mix_mutations:
        ao = UnionAO([ao, _mutations(gen, p, p.mix_mutations, budget)])
    if p.stall_switch:
        fallback = _mutations(gen, p, p.candidates, budget)
        if p.stall_edits:
            fallback = UnionAO([fallback, EditAO(gen, p.stall_edits, p.mutation_top_k, p.edit_t, list(p.scales),
                                                 _sampler(gen, p), [budget.term()] if budget else [])])
        ao = StallSwitchAO(ao, fallback, **stall_rule(p))
    return ao


def stall_rule(p: DiffusionBOParams) -> dict[str, Any]:
    """``StallSwitchAO``'s patience settings from diffusion-BO's parameters (also what
    ``candidates.stalled`` takes to replay a finished run's rounds)."""
    return {"patience": p.stall_switch, "grace": p.n_init if p.stall_skip_initial else 0,
            "late_patience": p.stall_switch_late, "late_from": p.stall_late_from}


def _transfer_bo(space_name: str, p: TransferBOParams, checkpoint: str | None,
                 device: torch.device | str, progress: bool = False) -> SearchMethod:
    """BO warm-started by a meta-predictor; the leakage guard checks its sources against the target."""
    from ..generation import ArchitectureGenerator
    from ..transfer import build_meta_predictor, prepare, transfer_bo
    from ..transfer.meta_train import TrainedMetaPredictor

    gen = ArchitectureGenerator.load(space_name, checkpoint, device=device)
    trained = (TrainedMetaPredictor.load(p.meta_checkpoint, gen.space) if p.meta_checkpoint else
               build_meta_predictor([p.sources], gen, target=p.target, progress=progress))
    return transfer_bo(prepare(p.target, trained, gen), p.n_init, p.k, p.ensemble, p.predictor_steps,
                       p.candidates, p.acquisition, p.n_generate, p.beta, p.candidates_from)


def _random_search(space_name: str, p: NoParams, checkpoint: str | None, device: torch.device | str,
                   progress: bool = False) -> SearchMethod:
    from .loop import RandomSearch

    return RandomSearch(get_space(space_name))


def _evolution(space_name: str, p: REParams, checkpoint: str | None, device: torch.device | str,
               progress: bool = False) -> SearchMethod:
    from .loop import RegularizedEvolution

    return RegularizedEvolution(get_space(space_name), p.population_size, p.sample_size)


def _local_search(space_name: str, p: LSParams, checkpoint: str | None, device: torch.device | str,
                  progress: bool = False) -> SearchMethod:
    from .loop import LocalSearch

    return LocalSearch(get_space(space_name), p.n_init)


def _mutation_ao(gen: ArchitectureGenerator, p: BOParams, budget: CostBudget | None) -> AcquisitionOptimizer:
    return _mutations(gen, p, p.candidates, budget)


def _random_ao(gen: ArchitectureGenerator, p: BOParams, budget: CostBudget | None) -> AcquisitionOptimizer:
    from .candidates import RandomAO

    return RandomAO(gen.space, p.candidates)


METHODS: Registry[Method] = Registry("search method")
METHODS.register("rs", Method(NoParams, _random_search, uses_checkpoint=False))
METHODS.register("re", Method(REParams, _evolution, uses_checkpoint=False))
METHODS.register("ls", Method(LSParams, _local_search, uses_checkpoint=False))
METHODS.register("bananas", Method(BOParams, _bo(_mutation_ao)))
METHODS.register("bo-random", Method(RandomBOParams, _bo(_random_ao)))
METHODS.register("diffusion-bo", Method(DiffusionBOParams, _bo(_diffusion_ao)))
METHODS.register("transfer-bo", Method(TransferBOParams, _transfer_bo))


#: parameters whose default changed after they were introduced -> the value runs recorded
#: before they existed had (their first default): a run file that lacks one ran with this
FIRST_DEFAULTS: dict[str, Any] = {"surrogate_rank_weight": 0.0, "local_queries": 0, "ensemble": 3, "stall_switch": 0,
                                  "surrogate_labels": "zscore"}


def first_defaults(name: str) -> dict[str, Any]:
    """``FIRST_DEFAULTS`` for method ``name``: the ones among its parameters (a benchmark pins
    them to re-run its committed runs as they were; ``stall_switch`` is diffusion-BO's alone, so
    the whole dict is refused by the other BO methods)."""
    taken = {f.name for f in fields(METHODS.get(name).params)}
    return {k: v for k, v in FIRST_DEFAULTS.items() if k in taken}


def recorded_params(record: Mapping[str, Any]) -> dict[str, Any]:
    """Every parameter of the run a run file holds: its resolved ones, and one it lacks (added
    later) at the default that kept the behaviour the run had (its first default,
    ``FIRST_DEFAULTS`` where it has changed since)."""
    cls = METHODS.get(record["spec"]["method"]).params
    resolved = record.get("resolved_params")
    if not isinstance(resolved, Mapping):
        spec = record["spec"]
        raise DataFormatError(f"the run file of {spec['method']} on {spec.get('dataset')} with seed {spec.get('seed')} "
                              "records no resolved parameters (made before they were recorded), so what it ran "
                              "cannot be checked: re-run it with this version or leave it out")
    return {f.name: resolved.get(f.name, FIRST_DEFAULTS.get(f.name, f.default)) for f in fields(cls)}


def resolve_params(name: str, params: Mapping[str, Any] | None = None) -> Any:
    """Method ``name``'s parameter dataclass with ``params`` over its defaults; ``ConfigError``
    for a parameter it does not take or a value of the wrong type."""
    return typed_config(METHODS.get(name).params, params or {}, f"method {name!r}")


def check_budget_for(name: str, params: Any, budget: int, space_name: str, params_settable: bool = True) -> None:
    """Refuse a budget that method ``name`` (``params`` resolved) spends on its random start
    alone (the run would be random search reported under the method's name), a hard cost
    budget that cannot hold ``budget`` queries (found minutes into the run before), and a
    candidate pool larger than the space. With
    ``params_settable`` False (the ``search`` command) the fix offered is the budget alone."""
    space = get_space(space_name)
    for pool in ("candidates", "mix_mutations"):
        if getattr(params, pool, 0) > space.size:  # a pool of distinct unqueried cells: never filled, a hang
            raise ConfigError(f"parameter {pool!r} ({getattr(params, pool):,}) asks for more distinct architectures "
                              f"per round than the {space.name} space has ({space.size:,}); set it lower")
    field = getattr(params, "random_start", None)
    start = getattr(params, field) if field else None
    if start is not None and budget <= start:
        raise ConfigError(f"budget {budget} <= {name}'s {field} {start}: every query would be a random start "
                          f"cell, so the run would be random search under {name}'s name; raise the budget above "
                          f"{start}" + (f" or set {field} below {budget}" if params_settable else ""))
    if getattr(params, "budget_property", None) is not None:
        from ..oracles.properties import space_property
        from .constraints import check_cost_budget

        check_cost_budget(space, space_property(space_name, params.budget_property), params.budget,
                          budget)


def build_method(name: str, space_name: str = "nb201", params: Mapping[str, Any] | None = None,
                 checkpoint: str | None = None, device: torch.device | str = "cpu",
                 progress: bool = False) -> SearchMethod:
    """The optimizer ``name`` (see ``METHODS``) with ``params`` over its defaults; a diffusion
    model (``checkpoint``, default: the shipped one) runs on ``device``; ``progress`` shows bars
    for work done while building (transfer-BO's meta-training)."""
    return METHODS.get(name).build(space_name, resolve_params(name, params), checkpoint, device, progress)


def checkpoint_record(name: str, space_name: str = "nb201", checkpoint: str | None = None) -> dict[str, str] | None:
    """The diffusion checkpoint method ``name`` loads (default: the shipped one) with its
    sha256, for the run record; None for a method that loads none."""
    from ..generation import pretrained_path
    from ..oracles.paths import sha256

    if not METHODS.get(name).uses_checkpoint:
        return None
    path = Path(checkpoint) if checkpoint is not None else pretrained_path(space_name)
    return {"path": str(path), "sha256": sha256(path)}
