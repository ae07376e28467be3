"""The NAS-Bench-201 cell topology with a space-specific operation set.

NB201 and TransNAS-Bench-101 (micro) share one cell: 4 nodes, 6 edges, each edge one
operation, written ``|e1~0|+|e2~0|e3~1|+|e4~0|e5~1|e6~2|`` with edges (1<-0), (2<-0), (2<-1),
(3<-0), (3<-1), (3<-2). Only the operation set differs, so everything below is written once
for any ``OPS``; a space subclasses ``CellSpace`` and names its operations.

Encoding (as in the official DiffusionNAG code): operations sit on graph nodes. Node 0 is the
input, nodes 1-6 are the six cell edges in string order, node 7 is the output; vocabulary
``input``, ``output`` and the space's operations. Adjacency ``"true"`` is the operation graph of
the cell in that row order: 0->{1,2,4}, 1->{3,5}, {2,3}->6, {4,5,6}->7.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import ClassVar

import numpy as np
import torch

from ..errors import ConfigError, InvalidArchitectureError
from .base import SearchSpace, check_rng, check_sample_size

N_EDGES = 6
# (target cell node, source cell node) of each string position.
EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
TRUE_EDGES = ((0, 1), (0, 2), (0, 4), (1, 3), (1, 5), (2, 6), (3, 6), (4, 7), (5, 7), (6, 7))


def format_cell(ops: Sequence[str]) -> str:
    """The cell string of six operation names in string order."""
    o = ops
    return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"


class CellSpace(SearchSpace):
    """Conversions, validity, structure and enumeration of the 6-edge cell over ``OPS``.

    Subclasses set ``name``, ``label`` (how errors name the space), ``OPS`` (must contain
    ``none`` and ``skip_connect``, which ``iso_key`` interprets) and ``ADJACENCIES``."""

    label: ClassVar[str]
    OPS: ClassVar[tuple[str, ...]]
    ADJACENCIES: ClassVar[dict[str, tuple[tuple[int, int], ...]]] = {"true": TRUE_EDGES}
    n_nodes = 8

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "OPS" in cls.__dict__:
            cls.vocab = ("input", "output") + cls.OPS

    def __init__(self, adjacency: str = "true") -> None:
        if not isinstance(adjacency, str) or adjacency not in self.ADJACENCIES:  # a list: unhashable TypeError
            raise ConfigError(
                f"unknown {self.label} adjacency {adjacency!r}; choose one of {sorted(self.ADJACENCIES)}"
            )
        self.adjacency_name = adjacency

    @property
    def size(self) -> int:
        return len(self.OPS) ** N_EDGES

    def options(self) -> dict[str, str]:
        return {"adjacency": self.adjacency_name}

    def adjacency(self) -> torch.Tensor:
        a = torch.zeros(self.n_nodes, self.n_nodes)
        for i, j in self.ADJACENCIES[self.adjacency_name]:
            a[i, j] = 1.0
        return a

    def positions(self) -> torch.Tensor:
        return torch.arange(self.n_nodes)  # node index = a topological order

    # ---- string form -------------------------------------------------------------
    def other_form(self, arch: str) -> tuple[str, ...] | None:
        """The operations of a space-specific alternative string form, or ``None`` when
        ``arch`` is not in it (the default: the cell string is the only form)."""
        return None

    def ops(self, arch: str) -> tuple[str, ...]:
        """The six operation names of a cell string, in string order."""
        if not isinstance(arch, str):
            raise InvalidArchitectureError(f"{self.label} architecture must be a string, got {arch!r}")
        other = self.other_form(arch.strip())
        if other is not None:
            return other
        groups = arch.strip().split("+")
        if len(groups) != 3:
            raise InvalidArchitectureError(
                f"malformed {self.label} string {arch!r}: expected 3 '+'-separated node groups like "
                f"{format_cell([self.OPS[-1]] * N_EDGES)!r}"
            )
        ops: list[str] = []
        for node, group in enumerate(groups, start=1):
            if not (group.startswith("|") and group.endswith("|")):
                raise InvalidArchitectureError(
                    f"malformed {self.label} string {arch!r}: node group {group!r} must be wrapped in '|'"
                )
            tokens = group[1:-1].split("|")
            if len(tokens) != node:
                raise InvalidArchitectureError(
                    f"malformed {self.label} string {arch!r}: node {node} needs {node} incoming edges, "
                    f"got {len(tokens)}"
                )
            for src, token in enumerate(tokens):
                op, sep, idx = token.partition("~")
                if sep != "~" or idx != str(src):
                    raise InvalidArchitectureError(
                        f"malformed {self.label} string {arch!r}: edge {token!r} should read '<op>~{src}'"
                    )
                if op not in self.OPS:
                    raise InvalidArchitectureError(
                        f"unknown {self.label} operation {op!r} in {arch!r}; valid: {', '.join(self.OPS)}"
                    )
                ops.append(op)
        return tuple(ops)

    def parse(self, arch: str) -> str:
        return format_cell(self.ops(arch))

    def from_ops(self, ops: Sequence[str]) -> str:
        """Cell string from six operation names in string order."""
        if len(ops) != N_EDGES or any(o not in self.OPS for o in ops):
            raise InvalidArchitectureError(
                f"need {N_EDGES} {self.label} operations from {self.OPS}, got {tuple(ops)!r}"
            )
        return format_cell(ops)

    # ---- tensors -----------------------------------------------------------------
    def encode_one(self, arch: str) -> np.ndarray:
        x = np.zeros((self.n_nodes, self.n_tokens), dtype=np.float32)
        x[0, 0] = 1.0
        x[-1, 1] = 1.0
        for row, op in enumerate(self.ops(arch), start=1):
            x[row, self.vocab.index(op)] = 1.0
        return x

    def decode_one(self, onehot: np.ndarray) -> str:
        return format_cell([self.vocab[int(np.argmax(onehot[r]))] for r in range(1, N_EDGES + 1)])

    def validity(self, binary: torch.Tensor) -> torch.Tensor:
        """Every row exactly one token; row 0 input, row 7 output; no input/output inside."""
        if binary.dim() != 3 or binary.shape[1:] != (self.n_nodes, self.n_tokens):
            raise InvalidArchitectureError(
                f"{self.label} matrices must be B x {self.n_nodes} x {self.n_tokens}, got {tuple(binary.shape)}"
            )
        b = binary > 0.5
        one_per_row = b.sum(-1).eq(1).all(-1)
        ends = b[:, 0, 0] & b[:, -1, 1]
        inner_io = b[:, 1:-1, :2].any(-1).any(-1)
        return one_per_row & ends & ~inner_io

    # ---- structure ---------------------------------------------------------------
    def iso_key(self, arch: str) -> str:
        """Canonical expression of the cell's output, equal for cells that compute the same
        function: summed branches are sorted, 'skip_connect' is the identity, and branches
        that are identically zero (fed only through 'none') are dropped. On NB201 it is a
        coarsening of NATS-Bench's ``UniqueString`` (same UniqueString => same key), which
        keeps zero branches and some reorderings apart; cells whose output is always zero map
        to ``"zero"``."""
        ops = self.ops(arch)
        terms: list[list[str]] = [["0"]]  # node 0: the input
        for node in (1, 2, 3):
            node_terms: list[str] = []
            for position, (target, source) in enumerate(EDGES):
                if target != node:
                    continue
                op = ops[position]
                src = terms[source]
                if op == "none" or not src:
                    continue
                if op == "skip_connect":
                    node_terms.extend(src)
                else:
                    node_terms.append(f"({'+'.join(sorted(src))})@{op}")
            terms.append(node_terms)
        return "+".join(sorted(terms[3])) or "zero"

    def neighbours(self, arch: str) -> list[str]:
        ops = self.ops(arch)
        return [format_cell(ops[:i] + (op,) + ops[i + 1:])
                for i in range(N_EDGES) for op in self.OPS if op != ops[i]]

    # ---- enumeration / sampling -------------------------------------------------
    def enumerate(self) -> Iterator[str]:
        for ops in itertools.product(self.OPS, repeat=N_EDGES):
            yield format_cell(ops)

    def sample(self, n: int, rng: np.random.Generator) -> list[str]:
        draws = check_rng(rng).integers(0, len(self.OPS), size=(check_sample_size(n), N_EDGES))
        return [format_cell([self.OPS[i] for i in row]) for row in draws]
