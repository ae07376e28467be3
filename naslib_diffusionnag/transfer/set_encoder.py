"""Set Transformer dataset encoder (Lee et al. 2019, as used by MetaD2A and DiffusionNAG).

A dataset is a set of classes and each class a set of samples, so the encoder is a set
function twice: within a class (samples -> class prototype), then across classes (prototypes ->
dataset embedding). Self-attention blocks (SAB) are permutation equivariant and the pooling by
attention (PMA) with one seed vector is invariant, so the embedding does not depend on the order
of classes or of samples.
"""
from __future__ import annotations

import math

import torch
from torch import nn


class MAB(nn.Module):
    """Multi-head attention block: ``O = Q + softmax(Q K^T / sqrt(d)) V`` per head, then
    ``O + ReLU(fc_o(O))`` (no LayerNorm, scaling by the full width as in MetaD2A)."""

    def __init__(self, dim_q: int, dim_k: int, dim: int, heads: int) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"set-encoder width {dim} must be divisible by its {heads} heads")
        self.dim, self.heads = dim, heads
        self.fc_q, self.fc_k, self.fc_v = nn.Linear(dim_q, dim), nn.Linear(dim_k, dim), nn.Linear(dim_k, dim)
        self.fc_o = nn.Linear(dim, dim)

    def forward(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """``q``: ``B x n x dim_q``, ``k``: ``B x m x dim_k`` -> ``B x n x dim``."""
        qh, kh, vh = (f(z).unflatten(-1, (self.heads, -1)).transpose(1, 2)  # B x heads x len x dim/heads
                      for f, z in ((self.fc_q, q), (self.fc_k, k), (self.fc_v, k)))
        o = qh + torch.softmax(qh @ kh.transpose(-1, -2) / math.sqrt(self.dim), -1) @ vh
        o = o.transpose(1, 2).flatten(2)
        return o + torch.relu(self.fc_o(o))


class SAB(nn.Module):
    """Self-attention over a set (equivariant)."""

    def __init__(self, dim_in: int, dim: int, heads: int) -> None:
        super().__init__()
        self.mab = MAB(dim_in, dim_in, dim, heads)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mab(x, x)


class PMA(nn.Module):
    """Pooling by attention from one learned seed vector (invariant): ``B x n x d -> B x d``."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.seed = nn.Parameter(torch.empty(1, 1, dim))
        nn.init.xavier_uniform_(self.seed)
        self.mab = MAB(dim, dim, dim, heads)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mab(self.seed.expand(x.shape[0], -1, -1), x).squeeze(1)


class SetPool(nn.Module):
    """SAB -> SAB -> PMA -> Linear: a set of vectors (``B x n x dim_in``) to one (``B x dim``)."""

    def __init__(self, dim_in: int, dim: int, heads: int) -> None:
        super().__init__()
        self.sabs = nn.Sequential(SAB(dim_in, dim, heads), SAB(dim, dim, heads))
        self.pma = PMA(dim, heads)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.pma(self.sabs(x)))


class SetEncoder(nn.Module):
    """Dataset embedding of per-class sample sets: ``B x C x S x dim_in -> B x dim``."""

    def __init__(self, dim_in: int, dim: int = 56, heads: int = 4) -> None:
        super().__init__()
        self.dim_in, self.dim = dim_in, dim
        self.intra = SetPool(dim_in, dim, heads)
        self.inter = SetPool(dim, dim, heads)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, s, d = x.shape
        prototypes = self.intra(x.reshape(b * c, s, d)).reshape(b, c, self.dim)
        return self.inter(prototypes)

    def encode_indexed(self, class_sets: torch.Tensor, task_classes: torch.Tensor) -> torch.Tensor:
        """Embeddings (``B x dim``) of tasks given as indices (``B x C``) into a table of class
        sample sets (``K x S x dim_in``): the same function as ``forward``, with each distinct
        class encoded once (meta-training tasks share their classes)."""
        prototypes = self.intra(class_sets)
        return self.inter(prototypes[task_classes])


class ClassTable:
    """Task descriptors (``C x S x d`` each) stored as distinct class sets plus per-task
    indices, for ``SetEncoder.encode_indexed``. Tasks are grouped by class count."""

    def __init__(self, sets: list[torch.Tensor]) -> None:
        keys: dict[bytes, int] = {}
        rows: list[torch.Tensor] = []
        self.task_classes: list[torch.Tensor] = []
        for s in sets:
            idx = []
            for c in s:
                key = c.numpy().tobytes() + bytes(str(tuple(c.shape)), "ascii")
                if key not in keys:
                    keys[key] = len(rows)
                    rows.append(c)
                idx.append(keys[key])
            self.task_classes.append(torch.tensor(idx))
        self.classes = rows

    def encode(self, encoder: SetEncoder, tasks: list[int]) -> torch.Tensor:
        """Embeddings (``len(tasks) x dim``) of the given tasks."""
        out = torch.empty(len(tasks), encoder.dim)
        groups: dict[int, list[int]] = {}
        for i, t in enumerate(tasks):
            groups.setdefault(len(self.task_classes[t]), []).append(i)
        for pos in groups.values():
            index = torch.stack([self.task_classes[tasks[i]] for i in pos])
            used, inverse = torch.unique(index, return_inverse=True)
            out[pos] = encoder.encode_indexed(torch.stack([self.classes[int(u)] for u in used]), inverse)
        return out
