"""naslib-diffusionnag: DiffusionNAG (An et al., ICLR 2024) for the NASLib ecosystem.

The package is layered so that each arrow points one way:
``spaces`` (architectures <-> tensors) and ``oracles`` (real benchmark data) feed
``diffusion`` (SDE, score network, losses, sampler), which knows nothing of either.

The names below are the public API. They are imported on first use, so ``import
naslib_diffusionnag`` (and the CLI's ``--help``) does not pay for torch::

    import naslib_diffusionnag as dn
    gen = dn.ArchitectureGenerator.load("nb201")
    acc = dn.space_property("nb201", "accuracy:cifar10")
    fitted = dn.fit_guidance(gen, [dn.GuideRequest(acc, dn.Objective("max"))], n_labels=100, seed=0)
    run, archs = dn.generate(gen, 100, seed=0, terms=fitted.terms, scales=fitted.scales, distinct=True)
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .lazy import lazy_exports

try:
    __version__ = version("naslib-diffusionnag")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"

# public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    "ArchitectureGenerator": "generation", "Generation": "generation",
    "DiffusionConfig": "diffusion", "SamplerConfig": "diffusion",
    "SearchSpace": "spaces", "get_space": "spaces", "SPACES": "spaces",
    "NB201Benchmark": "oracles", "ArchProperty": "oracles", "space_property": "oracles",
    "GuidanceTerm": "guidance", "Objective": "guidance", "PredictorConfig": "guidance",
    "GuideRequest": "guided", "FittedGuidance": "guided", "fit_guidance": "guided", "generate": "guided",
    "summarize": "guided",
    "build_method": "bo.methods",
    "DiffusionNAGError": "errors", "ConfigError": "errors", "CheckpointError": "errors",
    "DataFormatError": "errors", "DataNotFoundError": "errors", "InvalidArchitectureError": "errors",
    "UnknownNameError": "errors",
}

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)


__all__ = ["__version__", *_EXPORTS]
