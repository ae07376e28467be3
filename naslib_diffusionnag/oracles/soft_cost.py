"""Exact expected costs of soft architectures: hardware cost as a differentiable function.

A soft architecture gives every entry of the ``B x N x F`` operator matrix a probability
``q[i, j]`` that token ``j`` is on at node ``i``, entries independent (what the sampler's noisy
matrix says about the decoded one, ``guidance.exact``). A cost table is defined on
architectures; these classes extend it to every 0/1 matrix so that it is unchanged on
architectures, and return its exact expectation under ``q``: differentiable in ``q``, and
equal to the look-up table / analytic count on every architecture's 0/1 matrix. Guidance can
then follow the real cost instead of a predictor fitted to labels of it. Two forms:

- ``AdditiveCost``: ``const + sum_i table[i, token_i]``. MBv3: each OFA layer's latency-table
  entry, MACs and parameters depend only on its own kernel/expand and on its stage and slot
  (valid subnets fill a stage's slots from the first, so a slot always sees the same input
  shape), hence the expectation is ``const + <q, table>`` plus terms that vanish on valid
  subnets (see the class).
- ``MultilinearTable``: any table over the product of per-node choices (NB201: 5^6 cells); each
  node's probabilities are normalised over its choices and the table is contracted with them
  (its multilinear extension, the expectation under independent nodes).

Both take ``q`` as ``B x N x F`` and return ``B`` values in the property's units.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import DataFormatError
from ..spaces.base import SearchSpace


@dataclass(frozen=True)
class AdditiveCost:
    """``cost = const + sum over active nodes of table[node, token]``, for nodes in consecutive
    groups of ``group`` (MBv3: a stage's slots) whose active nodes are a prefix of at least
    ``min_active`` nodes.

    Extension to every 0/1 matrix: each token that is on costs its table entry (a row with two
    tokens pays both), and an empty row that validity forbids (one of the first ``min_active``
    of its group, or one before an active node of its group: a gap) costs its most expensive
    entry. On architectures this is the table; in expectation it makes skipping a layer pay only
    where a valid subnet may skip it, and never makes an invalid matrix look cheap."""

    const: float
    table: torch.Tensor  # N x F, float64
    group: int
    min_active: int

    def __call__(self, q: torch.Tensor) -> torch.Tensor:
        q = q.to(torch.float64)
        table = self.table.to(q.device)
        empty = torch.prod(1 - q, -1).view(q.shape[0], -1, self.group)  # B x groups x G: P(row empty)
        # P(every later node of the group is empty): reversed cumulative product, shifted by one
        later_empty = torch.cumprod(torch.cat([empty[..., 1:], torch.ones_like(empty[..., :1])], -1).flip(-1),
                                    -1).flip(-1)
        forbidden = torch.ones_like(empty)
        forbidden[..., self.min_active:] = 1 - later_empty[..., self.min_active:]
        per_node = (q * table).sum(-1) + (empty * forbidden).flatten(1) * table.max(-1).values
        return (self.const + per_node.sum(-1)).to(q.dtype)

    def minimum(self) -> float:
        """The smallest cost of an architecture: every group at ``min_active`` nodes, each its
        cheapest token."""
        cheapest = self.table.min(-1).values.view(-1, self.group)[:, :self.min_active]
        return float(self.const + cheapest.sum())

    def maximum(self) -> float:
        """No architecture costs more (every node on, each its costliest token; exact when no
        entry is negative): a budget at or above it constrains nothing."""
        return float(self.const + self.table.max(-1).values.clamp_min(0).sum())


@dataclass(frozen=True)
class MultilinearTable:
    """A full table over ``len(tokens) ** len(nodes)`` architectures: axis ``k`` of ``values``
    is the state of ``nodes[k]`` (the token ``tokens[s]``); every other node is fixed."""

    nodes: tuple[int, ...]
    tokens: tuple[int, ...]
    values: torch.Tensor  # S x S x ... x S, float64

    def __call__(self, q: torch.Tensor) -> torch.Tensor:
        pi = q.to(torch.float64)[:, :, list(self.tokens)]  # B x N x S
        pi = pi / pi.sum(-1, keepdim=True).clamp_min(1e-12)
        v = torch.tensordot(pi[:, self.nodes[0]], self.values.to(q.device), dims=([1], [0]))  # B x S^(k-1)
        for node in self.nodes[1:]:
            v = torch.einsum("bs,bs...->b...", pi[:, node], v)
        return v.to(q.dtype)

    def minimum(self) -> float:
        """The smallest value in the table."""
        return float(self.values.min())

    def maximum(self) -> float:
        """The largest value in the table."""
        return float(self.values.max())


def multilinear_table(space: SearchSpace, archs: Sequence[str], values: np.ndarray) -> MultilinearTable:
    """The table of ``values`` over ``archs`` as a ``MultilinearTable``. ``archs`` must be
    every architecture of a product space (each node one token, the same choices at every
    varying node), as NB201's cost tables are."""
    x = space.encode(list(archs))
    if bool((x.sum(-1) != 1).any()):
        raise DataFormatError(f"a multilinear {space.name} table needs one token per node in every architecture")
    tok = x.argmax(-1)  # B x N
    nodes = tuple(i for i in range(tok.shape[1]) if bool((tok[:, i] != tok[0, i]).any()))
    tokens = tuple(sorted(set(tok[:, nodes[0]].tolist())))
    shape = (len(tokens),) * len(nodes)
    if any(set(tok[:, n].tolist()) != set(tokens) for n in nodes) or len(archs) != int(np.prod(shape)):
        raise DataFormatError(f"the {space.name} table is not complete over the product of its nodes' choices: "
                              f"{len(archs)} rows for {len(tokens)}^{len(nodes)} architectures")
    index = torch.tensor([[tokens.index(t) for t in row] for row in tok[:, list(nodes)].tolist()])
    flat = torch.full((int(np.prod(shape)),), float("nan"), dtype=torch.float64)
    strides = torch.tensor([len(tokens) ** (len(nodes) - 1 - k) for k in range(len(nodes))])
    flat[(index * strides).sum(1)] = torch.as_tensor(np.asarray(values, dtype=np.float64))
    if bool(torch.isnan(flat).any()):
        raise DataFormatError(f"the {space.name} table lists an architecture twice or has a NaN value")
    return MultilinearTable(nodes, tokens, flat.view(shape))
