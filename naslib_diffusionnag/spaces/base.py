"""The search-space interface: an adapter between architectures and diffusion tensors.

An architecture is a node-attributed DAG ``(X, A)``: ``X`` (``N x F``) is a one-hot
operator matrix over the space's vocabulary and ``A`` (``N x N``, upper triangular) is fixed
for the whole space. Only ``X`` is diffused. Architectures travel through the package as
their canonical string, the form users read and benchmarks are keyed by.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from numbers import Real
from typing import TypeVar

import numpy as np
import torch

from ..configio import require_int
from ..errors import ConfigError, SpaceTooLargeError


def check_sample_size(n: object) -> int:
    """``n`` for ``sample``: an int >= 0 (numpy would only say "negative dimensions are not
    allowed", or that a float "cannot be interpreted as an integer")."""
    return require_int("the number of architectures to sample", n, 0)


def check_rng(rng: object) -> np.random.Generator:
    """The random generator ``sample`` / ``mutate`` draw from (a seed, None or a legacy
    RandomState failed as an AttributeError on ``integers``)."""
    if not isinstance(rng, np.random.Generator):
        raise ConfigError(f"rng must be a numpy Generator, e.g. numpy.random.default_rng(0), got {type(rng).__name__}")
    return rng


def whole_number(value: object) -> int | None:
    """``value`` as an int when it is a whole number (an int, or an integral float from a numpy
    array), else None: ``int()`` would floor 1.7 or read "1" and True as a valid choice."""
    if isinstance(value, bool) or not isinstance(value, Real) or not float(value).is_integer():
        return None
    return int(value)


A = TypeVar("A")


def arch_list(archs: Sequence[A]) -> list[A]:
    """``archs`` (architecture strings, or a table's indices) as a list; one string is refused:
    iterated, its characters would be read as architectures and the error would name a '|' or a
    digit, not the missing list."""
    if isinstance(archs, (str, bytes)):
        raise ConfigError(f"expected a list of architecture strings, got one string {archs[:60]!r}; wrap it: [arch]")
    if isinstance(archs, Mapping) or not isinstance(archs, Iterable):  # a dict would give its keys; None a TypeError
        raise ConfigError(f"expected a list of architecture strings, got {type(archs).__name__}")
    return list(archs)


class SearchSpace(ABC):
    """Conversions, validity, enumeration and sampling for one search space."""

    name: str
    vocab: tuple[str, ...]  # column names of X
    n_nodes: int

    @property
    def n_tokens(self) -> int:
        return len(self.vocab)

    def options(self) -> dict[str, str]:
        """Constructor options, stored in checkpoints so a model meets its own space."""
        return {}

    @property
    @abstractmethod
    def size(self) -> int:
        """Number of distinct valid architectures (strings) in the space."""

    @abstractmethod
    def adjacency(self) -> torch.Tensor:
        """``N x N`` float 0/1 matrix; ``A[i, j] = 1`` when node ``i`` feeds node ``j``."""

    @abstractmethod
    def positions(self) -> torch.Tensor:
        """``N`` long tensor: the index each node gets in the positional embedding."""

    @abstractmethod
    def parse(self, arch: str) -> str:
        """Validate an architecture string and return its canonical form.

        Raises ``InvalidArchitectureError`` naming what is wrong.
        """

    @abstractmethod
    def encode_one(self, arch: str) -> np.ndarray:
        """``N x F`` one-hot (0/1 float32) operator matrix of a canonical architecture."""

    @abstractmethod
    def decode_one(self, onehot: np.ndarray) -> str:
        """Inverse of ``encode_one`` for a matrix that passed ``validity``."""

    @abstractmethod
    def validity(self, binary: torch.Tensor) -> torch.Tensor:
        """``B`` bool: which ``B x N x F`` 0/1 matrices encode an architecture of the space."""

    @abstractmethod
    def iso_key(self, arch: str) -> str:
        """A key equal for architectures that compute the same function."""

    @abstractmethod
    def sample(self, n: int, rng: np.random.Generator) -> list[str]:
        """``n`` architectures drawn uniformly (with replacement) from the space."""

    @abstractmethod
    def neighbours(self, arch: str) -> list[str]:
        """Every architecture one elementary edit away (one operation changed), for mutation
        and local search."""

    def mutate(self, arch: str, rng: np.random.Generator) -> str:
        """One random neighbour (a one-edit mutation, as in BANANAS / regularised evolution)."""
        options = self.neighbours(arch)
        return options[int(check_rng(rng).integers(len(options)))]

    def enumerate(self) -> Iterator[str]:
        """Every architecture, in a fixed order; only for spaces small enough to list."""
        raise SpaceTooLargeError(
            f"search space {self.name!r} has {self.size:.3g} architectures and cannot be "
            "enumerated; draw a training set with sample() instead"
        )

    def encode(self, archs: Sequence[str]) -> torch.Tensor:
        """``B x N x F`` float32 0/1 tensor for a list of architecture strings."""
        mats = [self.encode_one(self.parse(a)) for a in arch_list(archs)]
        if not mats:
            return torch.zeros(0, self.n_nodes, self.n_tokens)
        return torch.from_numpy(np.stack(mats))

    @staticmethod
    def discretize(x01: torch.Tensor) -> torch.Tensor:
        """Per-entry 0.5 threshold of a sample in data scale (never an argmax: an argmax
        would hide rows with zero or several active entries and fake validity)."""
        return (x01 >= 0.5).to(torch.float32)

    def decode(self, binary: torch.Tensor) -> list[str | None]:
        """Architecture string per ``B x N x F`` 0/1 matrix (a tensor or array), ``None`` where
        invalid. Read through the 0.5 threshold first, so validity and the string judge the same
        matrix (an argmax read a NaN entry as the row's operation after validity had skipped it)."""
        binary = self.discretize(torch.as_tensor(np.asarray(binary) if not isinstance(binary, torch.Tensor) else binary))
        ok = self.validity(binary)
        mats = binary.detach().cpu().numpy()
        return [self.decode_one(m) if v else None for m, v in zip(mats, ok.tolist(), strict=True)]
