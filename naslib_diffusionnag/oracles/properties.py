"""Properties of architectures, one interface for every search space.

NB201's properties are tables over cells (benchmark files, a user's CSV); MBv3's are functions
of an architecture (OFA's accuracy predictor, per-layer latency tables, analytic counts).
Guidance, the CLI and its reports need only what both offer, ``ArchProperty``: a name, what
the numbers are, where they come from, and values for a list of architectures. So the guided
sampler and the reports are written once, not once per space.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..errors import ConfigError
from ..registry import Registry
from ..spaces.base import SearchSpace
from . import mbv3_properties, nb201_properties

if TYPE_CHECKING:
    from ..guidance.exact import SoftCost


class ArchProperty(Protocol):
    """A property of a search space's architectures (``PropertyTable``, ``OracleProperty``)."""

    @property
    def name(self) -> str:
        """``kind[:qualifier]``, e.g. ``accuracy:cifar10``, ``latency:note10``."""
        ...

    @property
    def space(self) -> str:
        """The search space whose architectures have these values (``nb201``, ``mbv3``)."""
        ...

    @property
    def metric(self) -> str:
        """What the numbers are: unit, and whether measured or predicted, by what."""
        ...

    @property
    def source(self) -> str:
        """The file the values come from, or how they are computed."""
        ...

    @property
    def checksum(self) -> str | None:
        """sha256 of ``source``; None when no file is read."""
        ...

    @property
    def domain(self) -> Sequence[str] | None:
        """The architectures that have a value (a table's rows), or None when every
        architecture of the space has one (a function)."""
        ...

    def evaluate(self, archs: Sequence[str]) -> np.ndarray:
        """``B`` float values for ``B`` architecture strings, NaN where there is none."""
        ...

    @property
    def soft(self) -> SoftCost | None:
        """The exact expected value over a soft architecture (``oracles.soft_cost``) for a
        hardware cost known on every architecture; None otherwise (guidance then fits a predictor)."""
        ...


# Without an explicit objective, guidance wants accuracy up and costs down.
DEFAULT_DIRECTION = {"accuracy": "max", "latency": "min", "flops": "min", "params": "min"}


def natural_direction(name: str) -> str:
    """``max`` or ``min`` for a property name (``max`` for a user's own values)."""
    return DEFAULT_DIRECTION.get(name.partition(":")[0], "max")


def draw_labels(prop: ArchProperty, space: SearchSpace, k: int,
                rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """``k`` architectures and their values, drawn with ``rng``: distinct rows of a table (at
    most all of them), or uniform samples of the space for a function. These are the only
    labels a guiding predictor sees."""
    if prop.domain is not None:
        domain = list(prop.domain)
        idx = rng.choice(len(domain), size=min(k, len(domain)), replace=False)
        archs = [domain[i] for i in idx]
    else:
        archs = space.sample(k, rng)
    return archs, prop.evaluate(archs)


@dataclass(frozen=True)
class SpaceProperties:
    """One search space's properties: ``make(name, allow_unverified=False, **options) ->
    ArchProperty`` (``allow_unverified``: accept data files that are not the documented ones),
    and ``accuracy_for(--dataset) -> (accuracy property name, canonical dataset) or None``."""

    make: Callable[..., ArchProperty]
    accuracy_for: Callable[[str | None], tuple[str, str] | None]

    @property
    def options(self) -> list[str]:
        """The options of this space that ``make`` takes besides the property's name (not
        ``allow_unverified``, which every space takes)."""
        return [o for o in list(inspect.signature(self.make).parameters)[1:] if o != "allow_unverified"]


PROPERTIES: Registry[SpaceProperties] = Registry(
    "search space with measurable properties (--dataset, --guide)",
    hint=": sample the others without --dataset / --guide (a developer adds a space's properties by "
         "registering a SpaceProperties in oracles.PROPERTIES)")
PROPERTIES.register("nb201", SpaceProperties(nb201_properties.nb201_property, nb201_properties.accuracy_for))
PROPERTIES.register("mbv3", SpaceProperties(mbv3_properties.mbv3_property, mbv3_properties.accuracy_for))


def space_property(space_name: str, name: str, *, allow_unverified: bool = False, **options: Any) -> ArchProperty:
    """The property ``name`` of ``space_name``'s architectures. ``options`` go to the space's
    factory: NB201 ``bench``, ``data_dir`` (``nb201_property``); MBv3 ``resolution``,
    ``width`` (``mbv3_property``). Unknown names raise ``UnknownNameError`` listing valid ones,
    an option of another space a ``ConfigError`` saying which space it belongs to. Data files
    that are not the documented ones (``paths.KNOWN_SHA256``) are refused unless
    ``allow_unverified``."""
    props = PROPERTIES.get(space_name)
    if not isinstance(name, str):  # None or a number failed in a string method, unnamed
        raise ConfigError(f"a property name is a string such as 'accuracy:cifar10' or 'latency:pixel3', got {name!r}")
    for option in options:
        if option not in props.options:
            owners = [s for s in PROPERTIES.names() if option in PROPERTIES.get(s).options]
            owned = (f"{option!r} is an option of {' and '.join(owners)} properties" if owners
                     else f"no space takes {option!r}")
            raise ConfigError(f"{space_name} properties take the options {', '.join(props.options)}; {owned}")
    return props.make(name, allow_unverified=allow_unverified, **options)


def accuracy_for(space_name: str, dataset: str | None) -> tuple[str, str] | None:
    """``(accuracy property name, canonical dataset)`` for ``--dataset``. Without a dataset:
    the space's only accuracy when it has one (MBv3: ImageNet), else None (NB201 has three)."""
    return PROPERTIES.get(space_name).accuracy_for(dataset)
