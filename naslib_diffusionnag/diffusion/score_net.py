"""Transformer score network over node-attributed DAGs (after CATE / the official DiffusionNAG).

Each node is a token: ``h0 = Linear(X_t) * sqrt(d) + PE(position) + T(sigma)``. Attention
is restricted by a dependency mask derived from the fixed adjacency, so information flows
along the architecture's edges. Every block's LayerNorm-ed output is concatenated and an MLP
maps it to the per-entry score. The network knows a graph only as tensors (adjacency,
positions): it imports no search space.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .config import ModelConfig


def sinusoidal_embedding(values: torch.Tensor, dim: int) -> torch.Tensor:
    """``[sin(v f_k), cos(v f_k)]`` with ``f_k = 10000^(-k/(dim/2 - 1))``: ``B -> B x dim``, on
    ``values``' device, in its dtype when floating (float32 otherwise)."""
    half = dim // 2
    dtype = values.dtype if values.is_floating_point() else torch.float32
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=dtype, device=values.device) / max(half - 1, 1))
    args = values.to(dtype)[:, None] * freqs[None, :]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=-1)


def attention_mask(adjacency: torch.Tensor, mode: str) -> torch.Tensor:
    """``N x N`` bool: query node i may attend to key node j.

    ``successors``: j is a direct successor of i (the official training mask);
    ``closure``: j is reachable from i (the official Transfer-NAG mask); ``neighbours``: j is a
    direct successor or predecessor of i (so two chained slots can agree both ways, which the
    successors mask allows only one way); ``full``: all.
    A node with no allowed key (the sink) attends to every node, as the official -1e9
    masking does implicitly.
    """
    a = adjacency > 0
    if mode == "full":
        return torch.ones_like(a)
    if mode == "closure":
        reach = a.clone()
        for k in range(a.shape[0]):  # Warshall
            reach |= reach[:, k : k + 1] & reach[k : k + 1, :]
        a = reach
    elif mode == "neighbours":
        a = a | a.T
    elif mode != "successors":
        raise ValueError(f"unknown mask mode {mode!r}")
    empty = ~a.any(-1)
    a[empty] = True
    return a


class _Block(nn.Module):
    """Pre-LayerNorm transformer block with masked multi-head self-attention."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.n_heads = cfg.n_heads
        self.ln_attn = nn.LayerNorm(cfg.d_model)
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)
        self.ln_ff = nn.LayerNorm(cfg.d_model)
        self.ff = nn.Sequential(nn.Linear(cfg.d_model, cfg.d_ff), nn.ReLU(), nn.Dropout(cfg.dropout),
                                nn.Linear(cfg.d_ff, cfg.d_model))
        self.drop = nn.Dropout(cfg.dropout)
        self.ln_out = nn.LayerNorm(cfg.d_model)
        self.attn_dropout = cfg.dropout

    def forward(self, h: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, n, d = h.shape
        q, k, v = self.qkv(self.ln_attn(h)).view(b, n, 3, self.n_heads, d // self.n_heads).unbind(2)
        att = F.scaled_dot_product_attention(
            q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), attn_mask=mask,
            dropout_p=self.attn_dropout if self.training else 0.0,
        )
        h = h + self.drop(self.proj(att.transpose(1, 2).reshape(b, n, d)))
        h = h + self.drop(self.ff(self.ln_ff(h)))
        return h, self.ln_out(h)


class ScoreTransformer(nn.Module):
    """``s_theta(X_t, sigma) -> score``, shapes ``B x N x F``, ``B`` -> ``B x N x F``."""

    def __init__(self, n_tokens: int, adjacency: torch.Tensor, positions: torch.Tensor,
                 cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d = cfg.d_model
        self.register_buffer("mask", attention_mask(adjacency, cfg.mask), persistent=True)
        pe = sinusoidal_embedding(positions, d) if cfg.positional else torch.zeros(len(positions), d)
        self.register_buffer("pos_emb", pe, persistent=True)
        self.embed = nn.Linear(n_tokens, d)
        self.sigma_embed = nn.Sequential(nn.Linear(d, 4 * d), nn.SiLU(), nn.Linear(4 * d, d))
        self.blocks = nn.ModuleList(_Block(cfg) for _ in range(cfg.n_layers))
        self.drop = nn.Dropout(cfg.dropout)
        self.head = nn.Sequential(
            nn.Linear(cfg.n_layers * d, cfg.head_hidden), nn.ELU(),
            nn.Linear(cfg.head_hidden, cfg.head_hidden), nn.ELU(),
            nn.Linear(cfg.head_hidden, n_tokens),
        )

    def forward(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """Score of ``x`` (``B x N x F``) at noise level ``sigma`` (``B``)."""
        d = self.cfg.d_model
        # log sigma spans the noise range evenly; 10 spreads it over the embedding frequencies
        t_emb = self.sigma_embed(sinusoidal_embedding(10.0 * torch.log(sigma), d))
        h = self.drop(self.embed(x) * math.sqrt(d)) + self.pos_emb + t_emb[:, None, :]
        outs = []
        for block in self.blocks:
            h, o = block(h, self.mask)
            outs.append(o)
        score = self.head(torch.cat(outs, dim=-1))
        if self.cfg.scale_by_sigma:
            score = score / sigma[:, None, None]
        return score
