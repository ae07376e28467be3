"""TransNAS-Bench-101 micro cell space: NB201's cell with 4 operations (4^6 = 4,096 cells).

Operations are TransNAS-Bench-101's: zero, identity, ReLU-Conv1x1-BN and ReLU-Conv3x3-BN, named
as NB201 names the same operations (``none``, ``skip_connect``, ``nor_conv_1x1``,
``nor_conv_3x3``), so cells read alike in both spaces; there is no pooling. Besides the cell
string, ``parse`` accepts TransNAS-Bench-101's own code ``64-41414-a_bc_def`` (digits 0-3 =
those operations, in the cell string's edge order), which is also the six-integer tuple
NASLib's TransNAS-Bench-101 query and its zero-cost file use.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from ..errors import InvalidArchitectureError
from .base import whole_number
from .cell import N_EDGES, CellSpace, format_cell

OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3")  # = TB101 codes 0-3
_CODE = re.compile(r"^64-41414-(\d)_(\d)(\d)_(\d)(\d)(\d)$")


class TNB101MicroSpace(CellSpace):
    """Adapter for TransNAS-Bench-101 micro cells (see the module docstring)."""

    name = "tnb101_micro"
    label = "TransNAS-Bench-101 micro"
    OPS = OPS

    def other_form(self, arch: str) -> tuple[str, ...] | None:
        m = _CODE.match(arch)
        return None if m is None else self._ops_of_codes(tuple(int(g) for g in m.groups()), arch)

    def _ops_of_codes(self, codes: Sequence[int | None], shown: object) -> tuple[str, ...]:
        if len(codes) != N_EDGES or any(c is None or not 0 <= c < len(OPS) for c in codes):
            raise InvalidArchitectureError(
                f"TransNAS-Bench-101 micro code {shown!r} needs {N_EDGES} operation digits in 0..3 "
                "(0 none, 1 skip_connect, 2 nor_conv_1x1, 3 nor_conv_3x3)")
        return tuple(OPS[c] for c in codes)

    def to_op_indices(self, arch: str) -> tuple[int, ...]:
        """The six TransNAS-Bench-101 operation codes of a cell, in string order."""
        return tuple(OPS.index(op) for op in self.ops(arch))

    def from_op_indices(self, op_indices: Sequence[int]) -> str:
        """Cell string of six TransNAS-Bench-101 operation codes (NASLib's zero-cost file keys)."""
        codes = tuple(whole_number(i) for i in op_indices)  # int() floored 1.7, read "1" and True as 1
        return format_cell(self._ops_of_codes(codes, tuple(op_indices)))

    def to_code(self, arch: str) -> str:
        """TransNAS-Bench-101's own string, ``64-41414-a_bc_def``."""
        c = self.to_op_indices(arch)
        return f"64-41414-{c[0]}_{c[1]}{c[2]}_{c[3]}{c[4]}{c[5]}"
