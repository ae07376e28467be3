"""DiffusionNAG inside NASLib: a ``MetaOptimizer`` and a BANANAS with a diffusion acquisition
optimizer. Importing this module imports NASLib (use ``naslib_diffusionnag.naslib``'s lazy
names instead).

Both read their settings from NASLib's config (``config.search``): NASLib's keys ``epochs``,
``num_init``, ``k``, ``num_ensemble``, ``acq_fn_type``, ``num_candidates``, plus
``diffusion_checkpoint`` (default: the shipped one), ``diffusion_scales`` (guidance-scale
schedule over rounds), ``diffusion_predictor_steps`` (fit steps of each guidance predictor),
``diffusion_guide`` (``mean`` or ``acquisition``) and ``diffusion_beta`` (UCB's beta); see
``settings.py``. Both run the rounds of our ``diffusion-bo`` searcher, not a copy of them.
``diffusionnag`` with ``transfer_meta_checkpoint`` (a meta-predictor from ``diffusionnag
meta-train`` whose sources exclude the dataset) runs our ``transfer-bo`` searcher instead.
"""
from __future__ import annotations

from typing import Any

import torch
from naslib.optimizers import Bananas
from naslib.optimizers.core.metaclasses import MetaOptimizer
from naslib.search_spaces.core.query_metrics import Metric

from ..bo import AskQueue
from ..errors import ConfigError
from ..oracles import canonical_dataset
from .adapter import GraphAdapter, get_adapter
from .dataset_api import DATASET_API_INFO_KEY
from .settings import plugin_method, uses_transfer

_HISTORY = 100  # NASLib's optimizers keep (roughly) the best 100 models in ``history``


def _queryable(search_space: Any, dataset_api: Any, dataset: str, who: str) -> None:
    """A tabular space and an nb201 ``dataset_api`` of the dataset searched, checked here: a
    missing api or one of another dataset failed only at the first query (KeyError)."""
    if not getattr(search_space, "QUERYABLE", False):
        raise ConfigError(f"{who} needs a queryable (tabular) NASLib search space; "
                          f"{type(search_space).__name__} is not")
    if not isinstance(dataset_api, dict) or "nb201_data" not in dataset_api:
        raise ConfigError(f"{who} needs NASLib's nb201 dataset_api (e.g. build_nb201_dataset_api({dataset!r})), "
                          f"got {type(dataset_api).__name__}")
    made_for = (dataset_api.get(DATASET_API_INFO_KEY) or {}).get("dataset")
    if made_for is not None and made_for != canonical_dataset(dataset):
        raise ConfigError(f"the dataset_api holds {made_for} values, and the search is on {dataset}: "
                          f"build it for {dataset}")


class DiffusionNAG(MetaOptimizer):
    """DiffusionNAG's BO-NAS (the ``diffusion-bo`` method of ``naslib_diffusionnag.bo``) as a
    NASLib optimizer: one query per epoch; ``num_init`` random graphs from NASLib's own sampler
    (so a seed shares them with NASLib's optimizers), then the searcher's proposals (rounds of
    ``k``), handed out one per epoch by the run loop's ``AskQueue``. Candidates stay strings;
    only the queried ones become NASLib graphs, queried through NASLib's ``query``. As
    transfer-BO (``search.transfer_meta_checkpoint``), its first ``num_init`` queries are the
    transfer pipeline's top cells instead of random graphs (the searcher's warm start)."""

    using_step_function = False

    def __init__(self, config: Any) -> None:
        super().__init__()
        self.config = config
        self.dataset = config.dataset
        self.epochs = int(config.search.epochs)
        self.num_init = int(config.search.num_init)
        self.transfer = uses_transfer(config.search)
        self.seed = int(config.search.get("seed", config.get("seed", 0)))
        self.performance_metric = Metric.VAL_ACCURACY
        self.history = torch.nn.ModuleList()
        self.train_data: list[torch.nn.Module] = []

    def adapt_search_space(self, search_space: Any, scope: Any = None, dataset_api: Any = None) -> None:
        _queryable(search_space, dataset_api, self.dataset, "DiffusionNAG")
        self.search_space = search_space.clone()
        self.scope = scope if scope else search_space.OPTIMIZER_SCOPE
        self.dataset_api = dataset_api
        self.adapter: GraphAdapter = get_adapter(search_space)
        method = plugin_method(self.config.search, self.adapter.space_name, self.dataset)
        self.queue = AskQueue(method.searcher(self.seed))

    def new_epoch(self, epoch: int) -> None:
        if epoch < self.num_init and not self.transfer:
            graph = self.search_space.clone()
            graph.sample_random_architecture(dataset_api=self.dataset_api)
        else:
            history = [(m.arch_str, float(m.accuracy)) for m in self.train_data]
            graph = self.adapter.to_graph(self.queue.next(history, self.epochs - epoch), self.search_space)
        self._record(graph)

    def _record(self, graph: Any) -> None:
        model = torch.nn.Module()
        model.arch = graph
        model.arch_str = self.adapter.to_arch(graph)
        model.accuracy = graph.query(self.performance_metric, self.dataset, dataset_api=self.dataset_api)
        self.train_data.append(model)
        if len(self.history) < _HISTORY:
            self.history.append(model)
        else:  # NASLib's rule: replace the first model the new one beats
            for i, p in enumerate(self.history):
                if model.accuracy > p.accuracy:
                    self.history[i] = model
                    break

    def get_final_architecture(self) -> Any:
        return max(self.train_data, key=lambda m: m.accuracy).arch

    def train_statistics(self, report_incumbent: bool = True) -> tuple[Any, Any, Any, Any]:
        arch = self.get_final_architecture() if report_incumbent else self.train_data[-1].arch
        return tuple(arch.query(m, self.dataset, dataset_api=self.dataset_api)  # type: ignore[return-value]
                     for m in (Metric.TRAIN_ACCURACY, Metric.VAL_ACCURACY, Metric.TEST_ACCURACY,
                               Metric.TRAIN_TIME))

    def test_statistics(self) -> Any:
        return self.get_final_architecture().query(Metric.RAW, self.dataset, dataset_api=self.dataset_api)

    def get_op_optimizer(self) -> Any:
        raise NotImplementedError("DiffusionNAG is a discrete optimizer; it has no op optimizer")

    def get_checkpointables(self) -> dict[str, torch.nn.Module]:
        return {"model": self.history}

    def get_model_size(self) -> float:
        return 0.0  # NASLib reports the MB of the trained weights; a tabular search has none


class BananasDiffusion(Bananas):
    """NASLib's BANANAS with ``acq_fn_optimization: diffusion``: each round's candidates are
    generated by the diffusion model guided by an ensemble of noise-aware predictors fitted on
    the same labelled architectures as BANANAS' own ensemble. NASLib's ensemble, acquisition
    function and top-k choice then rank them unchanged. Guidance needs a predictor that is
    differentiable in the noisy tensors and conditioned on the noise level, which NASLib's
    predictors are not, hence the separate guidance ensemble. Candidates reach NASLib's
    predictors as clone-free proxies; only the ``k`` chosen become graphs. Other values of
    ``acq_fn_optimization`` behave exactly as NASLib's BANANAS."""

    def __init__(self, config: Any, zc_api: Any = None, acq_fn_optimization: str | None = None) -> None:
        super().__init__(config, zc_api)
        if acq_fn_optimization is not None:
            self.acq_fn_optimization = acq_fn_optimization
        if self.acq_fn_optimization == "diffusion" and (self.zc or self.semi):
            raise ConfigError("acq_fn_optimization 'diffusion' does not support zero-cost or semi-supervised "
                              "predictors (their candidates must be instantiated networks); unset search.zc "
                              "or pick another predictor_type")
        if uses_transfer(config.search):
            raise ConfigError("search.transfer_meta_checkpoint is read by optimizer diffusionnag (transfer-BO), not "
                              "by bananas_diffusion; choose optimizer diffusionnag or unset the key")
        if config.search.get("diffusion_local_queries"):
            raise ConfigError("search.diffusion_local_queries is read by optimizer diffusionnag (its rounds choose "
                              "the queries), not by bananas_diffusion (NASLib's BANANAS chooses them); set it to 0")
        self.seed = int(config.search.get("seed", config.get("seed", 0)))

    def adapt_search_space(self, search_space: Any, scope: Any = None, dataset_api: Any = None) -> None:
        _queryable(search_space, dataset_api, self.dataset, "BANANAS with diffusion candidates")
        super().adapt_search_space(search_space, scope, dataset_api)
        self.adapter: GraphAdapter = get_adapter(search_space)
        if self.acq_fn_optimization == "diffusion":
            self.searcher = plugin_method(self.config.search, self.adapter.space_name).searcher(self.seed)

    def _get_new_candidates(self, ytrain: Any) -> list[torch.nn.Module]:
        if self.acq_fn_optimization != "diffusion":
            return super()._get_new_candidates(ytrain)
        history = [(self.adapter.to_arch(m.arch), float(m.accuracy)) for m in self.train_data]
        candidates = []
        for arch in self.searcher.round(history)[1]:  # the diffusion-bo round's candidate step
            model = torch.nn.Module()
            model.arch = self.adapter.proxy(arch)
            model.arch_hash = model.arch.get_hash()
            model.arch_str = arch
            candidates.append(model)
        if not candidates:  # the generator proposed nothing new: NASLib's random candidates
            candidates = [self._sample_new_model() for _ in range(self.k)]
        return candidates

    def _get_best_candidates(self, candidates: list[torch.nn.Module], acq_fn: Any) -> list[torch.nn.Module]:
        chosen = super()._get_best_candidates(candidates, acq_fn)
        for model in chosen:  # materialise only what will be queried
            if hasattr(model, "arch_str"):
                model.arch = self.adapter.to_graph(model.arch_str, self.search_space)
        return chosen
