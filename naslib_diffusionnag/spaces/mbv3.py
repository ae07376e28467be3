"""MobileNetV3 / Once-for-All space: 5 stages x 4 layer slots, each active layer one of
kernel {3,5,7} x expand {3,4,6}; stage depth 2-4 (about 2.2e19 architectures).

Encoding (as in the official DiffusionNAG MBv3 code): 20 nodes, slot-major within stage
(node = 4 * stage + slot); 9 tokens, index = 3 * kernel_index + expand_index; a skipped slot
is an all-zero row; chain adjacency i -> i+1; the positional index is the slot within its
stage (0-3), the same four positions for every stage. Valid: at most one token per row, slots
0 and 1 of every stage active, no active slot after an inactive one in a stage.

String form (official): 20 tokens ``d-k-e`` joined by ``_``, ``d`` the depth of the slot's
stage, ``0-0-0`` for a skipped slot. OFA form: 20-slot ``ks`` and ``e`` lists (inactive slots
ignored) and a 5-list ``d``.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ..errors import InvalidArchitectureError
from .base import SearchSpace, check_rng, check_sample_size, whole_number

KERNELS: tuple[int, ...] = (3, 5, 7)
EXPANDS: tuple[int, ...] = (3, 4, 6)
STAGES, SLOTS, DEPTHS = 5, 4, (2, 3, 4)
VOCAB: tuple[str, ...] = tuple(f"{k}-{e}" for k in KERNELS for e in EXPANDS)

Layers = tuple[tuple[tuple[int, int], ...], ...]  # per stage: (kernel, expand) of its active layers


def _ofa_value(name: str, values: Sequence[int], i: int, allowed: tuple[int, ...]) -> int:
    """``values[i]`` of an OFA list as one of ``allowed``; an integral float (a numpy float array)
    passes, anything else is named: ``int()`` would floor 3.9 to a valid but different choice."""
    v = values[i]
    whole = whole_number(v)
    if whole not in allowed:
        raise InvalidArchitectureError(f"OFA {name}[{i}] = {v!r} ({type(v).__name__}) is not one of {allowed}")
    return whole


def _format(layers: Layers) -> str:
    tokens = []
    for stage in layers:
        d = len(stage)
        tokens += [f"{d}-{k}-{e}" for k, e in stage] + ["0-0-0"] * (SLOTS - d)
    return "_".join(tokens)


class MBv3Space(SearchSpace):
    """Adapter for the OFA MobileNetV3 space (see the module docstring)."""

    name = "mbv3"
    vocab = VOCAB
    n_nodes = STAGES * SLOTS

    @property
    def size(self) -> int:
        return sum(len(VOCAB) ** d for d in DEPTHS) ** STAGES

    def adjacency(self) -> torch.Tensor:
        return torch.diag(torch.ones(self.n_nodes - 1), 1)

    def positions(self) -> torch.Tensor:
        return torch.arange(self.n_nodes) % SLOTS

    # ---- string and OFA forms ----------------------------------------------------------
    def layers(self, arch: str) -> Layers:
        """Per stage, the (kernel, expand) of its active layers."""
        if not isinstance(arch, str):
            raise InvalidArchitectureError(f"MBv3 architecture must be a string, got {arch!r}")
        tokens = arch.strip().split("_")
        if len(tokens) != STAGES * SLOTS:
            raise InvalidArchitectureError(
                f"malformed MBv3 string {arch!r}: expected {STAGES * SLOTS} '_'-separated d-k-e tokens, "
                f"got {len(tokens)}")
        stages = []
        for s in range(STAGES):
            active = []
            for slot, tok in enumerate(tokens[SLOTS * s: SLOTS * (s + 1)]):
                try:
                    d, k, e = (int(v) for v in tok.split("-"))
                except ValueError:
                    raise InvalidArchitectureError(f"malformed MBv3 token {tok!r} in {arch!r}: expected d-k-e") from None
                if (d, k, e) == (0, 0, 0):
                    continue
                if k not in KERNELS or e not in EXPANDS:
                    raise InvalidArchitectureError(
                        f"MBv3 token {tok!r}: kernel must be one of {KERNELS}, expand one of {EXPANDS}")
                if len(active) != slot:
                    raise InvalidArchitectureError(f"MBv3 stage {s + 1} of {arch!r} has an active slot after a skipped one")
                active.append((d, k, e))
            depth = len(active)
            if depth not in DEPTHS or any(d != depth for d, _, _ in active):
                raise InvalidArchitectureError(
                    f"MBv3 stage {s + 1} of {arch!r} needs depth 2-4 written as its tokens' d, got {depth} "
                    f"active slots with d={[d for d, _, _ in active]}")
            stages.append(tuple((k, e) for _, k, e in active))
        return tuple(stages)

    def parse(self, arch: str) -> str:
        return _format(self.layers(arch))

    def from_ofa(self, ks: Sequence[int], e: Sequence[int], d: Sequence[int]) -> str:
        """Architecture string from OFA's 20-slot ``ks`` / ``e`` lists and 5-list ``d`` (inactive
        slots are ignored, as OFA does)."""
        if not all(hasattr(v, "__len__") and not isinstance(v, (str, bytes)) for v in (ks, e, d)):
            raise InvalidArchitectureError(f"OFA's ks, e and d must be lists of integers, got {type(ks).__name__}, "
                                           f"{type(e).__name__}, {type(d).__name__}")
        if len(ks) != STAGES * SLOTS or len(e) != STAGES * SLOTS or len(d) != STAGES:
            raise InvalidArchitectureError(
                f"OFA lists must have 20 ks, 20 e and 5 d values, got {len(ks)}, {len(e)}, {len(d)}")
        stages = []
        for s in range(STAGES):
            depth = _ofa_value("d", d, s, DEPTHS)
            stages.append(tuple((_ofa_value("ks", ks, SLOTS * s + i, KERNELS), _ofa_value("e", e, SLOTS * s + i, EXPANDS))
                                for i in range(depth)))
        return _format(tuple(stages))

    def to_ofa(self, arch: str) -> dict[str, list[int]]:
        """OFA's ``ks`` / ``e`` / ``d``; inactive slots are filled with 3 (OFA ignores them)."""
        ks, ex, d = [3] * (STAGES * SLOTS), [3] * (STAGES * SLOTS), []
        for s, stage in enumerate(self.layers(arch)):
            d.append(len(stage))
            for i, (k, e) in enumerate(stage):
                ks[SLOTS * s + i], ex[SLOTS * s + i] = k, e
        return {"ks": ks, "e": ex, "d": d}

    # ---- tensors -------------------------------------------------------------------------
    def encode_one(self, arch: str) -> np.ndarray:
        x = np.zeros((self.n_nodes, self.n_tokens), dtype=np.float32)
        for s, stage in enumerate(self.layers(arch)):
            for i, (k, e) in enumerate(stage):
                x[SLOTS * s + i, 3 * KERNELS.index(k) + EXPANDS.index(e)] = 1.0
        return x

    def decode_one(self, onehot: np.ndarray) -> str:
        stages = []
        for s in range(STAGES):
            rows = onehot[SLOTS * s: SLOTS * (s + 1)]
            stages.append(tuple((KERNELS[int(np.argmax(r)) // 3], EXPANDS[int(np.argmax(r)) % 3])
                                for r in rows if r.max() > 0.5))
        return _format(tuple(stages))

    def validity(self, binary: torch.Tensor) -> torch.Tensor:
        """At most one token per row; slots 0-1 of each stage active; no gap inside a stage."""
        if binary.dim() != 3 or binary.shape[1:] != (self.n_nodes, self.n_tokens):
            raise InvalidArchitectureError(
                f"MBv3 matrices must be B x {self.n_nodes} x {self.n_tokens}, got {tuple(binary.shape)}")
        counts = (binary > 0.5).sum(-1)  # B x 20
        active = (counts == 1).view(-1, STAGES, SLOTS)
        ok = counts.le(1).all(-1)
        ok &= active[:, :, 0].all(-1) & active[:, :, 1].all(-1)
        ok &= ~(~active[:, :, 2] & active[:, :, 3]).any(-1)
        return ok

    def iso_key(self, arch: str) -> str:
        """Every distinct layer list is a distinct network: the canonical string."""
        return self.parse(arch)

    # ---- neighbourhood / sampling ------------------------------------------------------
    def neighbours(self, arch: str) -> list[str]:
        """One layer's (kernel, expand) changed, or one stage one layer deeper or shallower."""
        layers = self.layers(arch)
        out = []
        for s, stage in enumerate(layers):
            def put(new_stage: tuple[tuple[int, int], ...], s: int = s) -> str:
                return _format(layers[:s] + (new_stage,) + layers[s + 1:])
            for i, layer in enumerate(stage):
                out += [put(stage[:i] + ((k, e),) + stage[i + 1:]) for k in KERNELS for e in EXPANDS
                        if (k, e) != layer]
            if len(stage) < max(DEPTHS):
                out += [put(stage + ((k, e),)) for k in KERNELS for e in EXPANDS]
            if len(stage) > min(DEPTHS):
                out.append(put(stage[:-1]))
        return out

    def mutate(self, arch: str, rng: np.random.Generator) -> str:
        """``neighbours(arch)[i]`` for ``i`` drawn as the base class draws it (same draw, same
        result), built alone: listing ~200 neighbours per call made mutation pools the cost of
        a search round."""
        layers, rng = self.layers(arch), check_rng(rng)
        sizes = [8 * len(st) + 9 * (len(st) < max(DEPTHS)) + (len(st) > min(DEPTHS)) for st in layers]
        i = int(rng.integers(sum(sizes)))
        s = 0
        while i >= sizes[s]:
            i, s = i - sizes[s], s + 1
        stage = layers[s]
        if i < 8 * len(stage):  # layer i // 8 takes the (i % 8)-th other (kernel, expand)
            j, k = divmod(i, 8)
            others = [(kk, e) for kk in KERNELS for e in EXPANDS if (kk, e) != stage[j]]
            new = stage[:j] + (others[k],) + stage[j + 1:]
        elif i - 8 * len(stage) < 9 and len(stage) < max(DEPTHS):  # one layer deeper
            k = i - 8 * len(stage)
            new = stage + ((KERNELS[k // 3], EXPANDS[k % 3]),)
        else:  # one layer shallower
            new = stage[:-1]
        return _format(layers[:s] + (new,) + layers[s + 1:])

    def sample(self, n: int, rng: np.random.Generator) -> list[str]:
        """Uniform over architectures: depth d drawn with probability proportional to 9^d."""
        n, rng = check_sample_size(n), check_rng(rng)
        weights = np.array([len(VOCAB) ** d for d in DEPTHS], dtype=float)
        depths = rng.choice(DEPTHS, size=(n, STAGES), p=weights / weights.sum())
        tokens = rng.integers(0, len(VOCAB), size=(n, STAGES, SLOTS))
        out = []
        for dep, tok in zip(depths, tokens, strict=True):
            out.append(_format(tuple(tuple((KERNELS[t // 3], EXPANDS[t % 3]) for t in tok[s, :dep[s]])
                                     for s in range(STAGES))))
        return out
