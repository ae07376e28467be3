"""Adapters between NASLib search-space graphs and this package's architecture strings.

An adapter knows one NASLib space (``get_type()``) and the matching space of ours: it reads a
NASLib graph into our string (then our tensors via ``SearchSpace.encode``), builds a NASLib
graph from a string, and makes a *proxy*: a light stand-in that NASLib's predictors and
encodings accept, so thousands of generated candidates are scored without ``clone()`` (a
0.1-0.3 s deepcopy per graph); only the architectures actually queried become graphs.
New NASLib spaces join by subclassing ``GraphAdapter`` and registering it in ``ADAPTERS``.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from ..errors import ConfigError, InvalidArchitectureError
from ..registry import Registry
from ..spaces import SearchSpace, get_space


class GraphAdapter(ABC):
    """NASLib graph <-> architecture string of ``space_name``."""

    naslib_type: str
    space_name: str

    def __init__(self) -> None:
        self.space: SearchSpace = get_space(self.space_name)

    @abstractmethod
    def spec(self, graph: Any) -> Any:
        """The graph's NASLib spec (what ``set_spec`` takes), as plain Python values."""

    @abstractmethod
    def to_arch(self, graph: Any) -> str:
        """Our architecture string of a NASLib graph (or proxy)."""

    @abstractmethod
    def from_arch(self, arch: str) -> Any:
        """The NASLib spec of one of our architecture strings."""

    @abstractmethod
    def proxy(self, arch: str) -> Any:
        """A clone-free stand-in accepted by NASLib's predictors (``encode``/``get_hash``)."""

    def to_graph(self, arch: str, template: Any) -> Any:
        """A fresh NASLib graph for ``arch``: ``template.clone()`` then ``set_spec``. A
        NASLib graph can be set only once, so the template must be an unset space."""
        spec = self.from_arch(arch)  # a malformed arch is named before the template is touched
        if not callable(getattr(template, "clone", None)):  # None: "'NoneType' object has no attribute 'clone'"
            raise ConfigError(f"template must be an unset NASLib {self.naslib_type} search space to clone (e.g. "
                              f"NasBench201SearchSpace()), got {type(template).__name__}")
        graph = template.clone()
        graph.set_spec(spec)
        return graph


class NB201Adapter(GraphAdapter):
    """NAS-Bench-201 through ``get_op_indices`` / ``set_spec``: NASLib's op indices
    (skip, none, conv3, conv1, avgpool) on its edge order map to our cell strings."""

    naslib_type = "nasbench201"
    space_name = "nb201"

    def spec(self, graph: Any) -> list[int]:
        kind = graph.get_type() if callable(getattr(graph, "get_type", None)) else self.naslib_type
        if kind != self.naslib_type:
            raise ConfigError(f"a NASLib {kind} graph given to the {self.naslib_type} adapter; use get_adapter(graph)")
        try:
            indices = graph.get_op_indices()
        except (AttributeError, TypeError):  # NASLib's own error for a graph with no spec set
            raise InvalidArchitectureError(f"the NASLib {kind} graph has no architecture set: sample one "
                                           "(sample_random_architecture) or set_spec it first") from None
        # numpy scalars to Python ones, nothing coerced: from_op_indices refuses what is not an index
        return [i.item() if hasattr(i, "item") else i for i in indices]

    def to_arch(self, graph: Any) -> str:
        return self.space.from_op_indices(self.spec(graph))

    def from_arch(self, arch: str) -> list[int]:
        return list(self.space.to_op_indices(self.space.parse(arch)))

    def proxy(self, arch: str) -> _NB201Proxy:
        return _NB201Proxy(self.from_arch(arch))


class _NB201Proxy:
    """What NASLib's nb201 encodings read of a graph: its op indices (and its hash)."""

    def __init__(self, op_indices: Sequence[int]) -> None:
        self.op_indices = [int(i) for i in op_indices]

    def get_op_indices(self) -> list[int]:
        return self.op_indices

    def get_hash(self) -> tuple[int, ...]:
        return tuple(self.op_indices)

    def get_type(self) -> str:
        return NB201Adapter.naslib_type

    def encode(self, encoding_type: Any = None) -> Any:
        from naslib.search_spaces.nasbench201.encodings import encode_201

        return encode_201(self) if encoding_type is None else encode_201(self, encoding_type=encoding_type)


ADAPTERS: Registry[type[GraphAdapter]] = Registry(
    "NASLib search-space adapter",
    hint=". Add one by subclassing naslib_diffusionnag.naslib.GraphAdapter and registering it in ADAPTERS")
ADAPTERS.register(NB201Adapter.naslib_type, NB201Adapter)


def get_adapter(search_space: Any | str) -> GraphAdapter:
    """The adapter for a NASLib search space object (by ``get_type()``) or type name."""
    if not isinstance(search_space, str) and not callable(getattr(search_space, "get_type", None)):
        raise ConfigError(f"get_adapter takes a NASLib search space (or its type name), got "
                          f"{type(search_space).__name__}")
    kind = search_space if isinstance(search_space, str) else search_space.get_type()
    return ADAPTERS.get(kind)()

