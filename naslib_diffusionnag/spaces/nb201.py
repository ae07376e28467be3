"""NAS-Bench-201 cell space: 4 cell nodes, 6 edges, 5 operations (5^6 = 15,625 cells).

Encoding (as in the official DiffusionNAG code): operations sit on graph nodes. Node 0 is
the input, nodes 1-6 are the six cell edges in the order of the NB201 string
``|e1~0|+|e2~0|e3~1|+|e4~0|e5~1|e6~2|``, i.e. (1<-0), (2<-0), (2<-1), (3<-0), (3<-1),
(3<-2), and node 7 is the output. Vocabulary: input, output, none, skip_connect,
nor_conv_1x1, nor_conv_3x3, avg_pool_3x3.

Adjacency. ``"true"`` (our default) is the operation graph of the cell in that row order:
0->{1,2,4}, 1->{3,5}, {2,3}->6, {4,5,6}->7. ``"official"`` is the matrix hard-coded in the
official code (0->1,2,3; 1->4,5; 2->6; 3->7; 4->6; 5->7; 6->7), which is the same graph with
nodes 3 and 4 swapped and so does not match the row order; use it only to reproduce the
released behaviour.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import numpy as np
import torch

from ..errors import ConfigError, InvalidArchitectureError
from .base import SearchSpace

OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
VOCAB: tuple[str, ...] = ("input", "output") + OPS
N_EDGES = 6
# (target cell node, source cell node) of each string position.
EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))

# NASLib: op index -> name, and its edge order (1,2),(1,3),(1,4),(2,3),(2,4),(3,4) in its
# 1-based node numbering, i.e. edges 0->1, 0->2, 0->3, 1->2, 1->3, 2->3.
NASLIB_OPS: tuple[str, ...] = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
NASLIB_EDGE_TO_POSITION: tuple[int, ...] = (0, 1, 3, 2, 4, 5)

_TRUE_EDGES = ((0, 1), (0, 2), (0, 4), (1, 3), (1, 5), (2, 6), (3, 6), (4, 7), (5, 7), (6, 7))
_OFFICIAL_EDGES = ((0, 1), (0, 2), (0, 3), (1, 4), (1, 5), (2, 6), (3, 7), (4, 6), (5, 7), (6, 7))
ADJACENCIES = {"true": _TRUE_EDGES, "official": _OFFICIAL_EDGES}


def _format(ops: Sequence[str]) -> str:
    o = ops
    return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"


class NB201Space(SearchSpace):
    """Adapter for NAS-Bench-201 cells (see the module docstring for the encoding)."""

    name = "nb201"
    vocab = VOCAB
    n_nodes = 8

    def __init__(self, adjacency: str = "true") -> None:
        if adjacency not in ADJACENCIES:
            raise ConfigError(
                f"unknown NB201 adjacency {adjacency!r}; choose one of {sorted(ADJACENCIES)}"
            )
        self.adjacency_name = adjacency

    @property
    def size(self) -> int:
        return len(OPS) ** N_EDGES

    def options(self) -> dict[str, str]:
        return {"adjacency": self.adjacency_name}

    def adjacency(self) -> torch.Tensor:
        a = torch.zeros(self.n_nodes, self.n_nodes)
        for i, j in ADJACENCIES[self.adjacency_name]:
            a[i, j] = 1.0
        return a

    def positions(self) -> torch.Tensor:
        return torch.arange(self.n_nodes)  # node index = a topological order

    # ---- string form -------------------------------------------------------------
    def ops(self, arch: str) -> tuple[str, ...]:
        """The six operation names of a cell string, in string order."""
        if not isinstance(arch, str):
            raise InvalidArchitectureError(f"NB201 architecture must be a string, got {arch!r}")
        groups = arch.strip().split("+")
        if len(groups) != 3:
            raise InvalidArchitectureError(
                f"malformed NB201 string {arch!r}: expected 3 '+'-separated node groups like "
                f"{_format(['nor_conv_3x3'] * 6)!r}"
            )
        ops: list[str] = []
        for node, group in enumerate(groups, start=1):
            if not (group.startswith("|") and group.endswith("|")):
                raise InvalidArchitectureError(
                    f"malformed NB201 string {arch!r}: node group {group!r} must be wrapped in '|'"
                )
            tokens = group[1:-1].split("|")
            if len(tokens) != node:
                raise InvalidArchitectureError(
                    f"malformed NB201 string {arch!r}: node {node} needs {node} incoming edges, "
                    f"got {len(tokens)}"
                )
            for src, token in enumerate(tokens):
                op, sep, idx = token.partition("~")
                if sep != "~" or idx != str(src):
                    raise InvalidArchitectureError(
                        f"malformed NB201 string {arch!r}: edge {token!r} should read "
                        f"'<op>~{src}'"
                    )
                if op not in OPS:
                    raise InvalidArchitectureError(
                        f"unknown NB201 operation {op!r} in {arch!r}; valid: {', '.join(OPS)}"
                    )
                ops.append(op)
        return tuple(ops)

    def parse(self, arch: str) -> str:
        return _format(self.ops(arch))

    def from_ops(self, ops: Sequence[str]) -> str:
        """Cell string from six operation names in string order."""
        if len(ops) != N_EDGES or any(o not in OPS for o in ops):
            raise InvalidArchitectureError(
                f"need {N_EDGES} NB201 operations from {OPS}, got {tuple(ops)!r}"
            )
        return _format(ops)

    # ---- NASLib op-index tuple -------------------------------------------------
    def to_op_indices(self, arch: str) -> tuple[int, ...]:
        """NASLib's ``get_op_indices()`` tuple of a cell string."""
        ops = self.ops(arch)
        return tuple(NASLIB_OPS.index(ops[p]) for p in NASLIB_EDGE_TO_POSITION)

    def from_op_indices(self, op_indices: Sequence[int]) -> str:
        """Cell string of a NASLib op-index tuple."""
        idx = tuple(int(i) for i in op_indices)
        if len(idx) != N_EDGES or any(not 0 <= i < len(NASLIB_OPS) for i in idx):
            raise InvalidArchitectureError(
                f"NASLib NB201 op indices must be {N_EDGES} integers in 0..4, got {tuple(op_indices)!r}"
            )
        ops = [""] * N_EDGES
        for naslib_edge, position in enumerate(NASLIB_EDGE_TO_POSITION):
            ops[position] = NASLIB_OPS[idx[naslib_edge]]
        return _format(ops)

    # ---- tensors -----------------------------------------------------------------
    def encode_one(self, arch: str) -> np.ndarray:
        x = np.zeros((self.n_nodes, self.n_tokens), dtype=np.float32)
        x[0, 0] = 1.0
        x[-1, 1] = 1.0
        for row, op in enumerate(self.ops(arch), start=1):
            x[row, VOCAB.index(op)] = 1.0
        return x

    def decode_one(self, onehot: np.ndarray) -> str:
        return _format([VOCAB[int(np.argmax(onehot[r]))] for r in range(1, N_EDGES + 1)])

    def validity(self, binary: torch.Tensor) -> torch.Tensor:
        """Every row exactly one token; row 0 input, row 7 output; no input/output inside."""
        if binary.dim() != 3 or binary.shape[1:] != (self.n_nodes, self.n_tokens):
            raise InvalidArchitectureError(
                f"NB201 matrices must be B x {self.n_nodes} x {self.n_tokens}, "
                f"got {tuple(binary.shape)}"
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
        that are identically zero (fed only through 'none') are dropped. It is a coarsening
        of NATS-Bench's ``UniqueString`` (same UniqueString => same key), which keeps zero
        branches and some reorderings apart; cells whose output is always zero map to
        ``"zero"``."""
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
        return [_format(ops[:i] + (op,) + ops[i + 1:]) for i in range(N_EDGES) for op in OPS if op != ops[i]]

    # ---- enumeration / sampling -------------------------------------------------
    def enumerate(self) -> Iterator[str]:
        for ops in itertools.product(OPS, repeat=N_EDGES):
            yield _format(ops)

    def sample(self, n: int, rng: np.random.Generator) -> list[str]:
        draws = rng.integers(0, len(OPS), size=(n, N_EDGES))
        return [_format([OPS[i] for i in row]) for row in draws]
