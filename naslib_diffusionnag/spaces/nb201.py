"""NAS-Bench-201 cell space: 4 cell nodes, 6 edges, 5 operations (5^6 = 15,625 cells).

The cell, its string and its tensor encoding are ``cell.CellSpace``'s. Vocabulary: input,
output, none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3.

Adjacency. ``"true"`` (our default) is the operation graph of the cell in row order:
0->{1,2,4}, 1->{3,5}, {2,3}->6, {4,5,6}->7. ``"official"`` is the matrix hard-coded in the
official code (0->1,2,3; 1->4,5; 2->6; 3->7; 4->6; 5->7; 6->7), which is the same graph with
nodes 3 and 4 swapped and so does not match the row order; use it only to reproduce the
released behaviour.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..errors import InvalidArchitectureError
from .base import whole_number
from .cell import EDGES, N_EDGES, TRUE_EDGES, CellSpace, format_cell

OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
VOCAB: tuple[str, ...] = ("input", "output") + OPS

# NASLib: op index -> name, and its edge order (1,2),(1,3),(1,4),(2,3),(2,4),(3,4) in its
# 1-based node numbering, i.e. edges 0->1, 0->2, 0->3, 1->2, 1->3, 2->3.
NASLIB_OPS: tuple[str, ...] = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
NASLIB_EDGE_TO_POSITION: tuple[int, ...] = (0, 1, 3, 2, 4, 5)

_OFFICIAL_EDGES = ((0, 1), (0, 2), (0, 3), (1, 4), (1, 5), (2, 6), (3, 7), (4, 6), (5, 7), (6, 7))
ADJACENCIES = {"true": TRUE_EDGES, "official": _OFFICIAL_EDGES}

__all__ = ["ADJACENCIES", "EDGES", "N_EDGES", "NASLIB_EDGE_TO_POSITION", "NASLIB_OPS", "NB201Space", "OPS", "VOCAB"]


class NB201Space(CellSpace):
    """Adapter for NAS-Bench-201 cells (see the module docstring for the encoding)."""

    name = "nb201"
    label = "NB201"
    OPS = OPS
    ADJACENCIES = ADJACENCIES

    # ---- NASLib op-index tuple -------------------------------------------------
    def to_op_indices(self, arch: str) -> tuple[int, ...]:
        """NASLib's ``get_op_indices()`` tuple of a cell string."""
        ops = self.ops(arch)
        return tuple(NASLIB_OPS.index(ops[p]) for p in NASLIB_EDGE_TO_POSITION)

    def from_op_indices(self, op_indices: Sequence[int]) -> str:
        """Cell string of a NASLib op-index tuple."""
        idx = tuple(whole_number(i) for i in op_indices)  # int() would read 1.7, "1" or True as op 1
        if len(idx) != N_EDGES or any(i is None or not 0 <= i < len(NASLIB_OPS) for i in idx):
            raise InvalidArchitectureError(
                f"NASLib NB201 op indices must be {N_EDGES} integers in 0..4, got {tuple(op_indices)!r}"
            )
        ops = [""] * N_EDGES
        for naslib_edge, position in enumerate(NASLIB_EDGE_TO_POSITION):
            ops[position] = NASLIB_OPS[idx[naslib_edge]]
        return format_cell(ops)
