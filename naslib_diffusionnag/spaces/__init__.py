"""Search spaces: adapters between architectures and ``(X, A)`` tensors, by name.

The built-in spaces are registered lazily, so listing their names (the CLI's choices) imports
no torch; ``get_space`` imports the one it builds."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..lazy import lazy_exports
from ..registry import Registry

if TYPE_CHECKING:
    from .base import SearchSpace

SPACES: Registry[Callable[..., SearchSpace]] = Registry(
    "search space", hint=" (a new space subclasses SearchSpace and registers its class in SPACES)")
SPACES.register_lazy("nb201", f"{__name__}.nb201:NB201Space")
SPACES.register_lazy("mbv3", f"{__name__}.mbv3:MBv3Space")
SPACES.register_lazy("tnb101_micro", f"{__name__}.tnb101:TNB101MicroSpace")


def get_space(name: str, **options: Any) -> SearchSpace:
    """The search space registered as ``name`` (options go to its constructor; one it does not
    take is refused by name, not by a TypeError from inside it)."""
    import inspect

    from ..errors import ConfigError

    cls = SPACES.get(name)
    takes = [p for p in inspect.signature(cls).parameters if p not in ("self", "args", "kwargs")]
    unknown = sorted(set(options) - set(takes))
    if unknown:
        raise ConfigError(f"search space {name!r} takes no option {', '.join(map(repr, unknown))}; "
                          + (f"its options: {', '.join(takes)}" if takes else "it takes none"))
    return cls(**options)


__getattr__, __dir__ = lazy_exports(__name__, globals(),
                                    {"SearchSpace": "base", "CellSpace": "cell", "MBv3Space": "mbv3", "NB201Space": "nb201",
                                     "TNB101MicroSpace": "tnb101"})

__all__ = ["SPACES", "CellSpace", "MBv3Space", "NB201Space", "SearchSpace", "TNB101MicroSpace", "get_space"]
