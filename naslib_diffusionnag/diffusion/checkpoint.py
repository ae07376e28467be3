"""Checkpoints: EMA weights + resolved config + free metadata, loadable with weights_only=True."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..errors import CheckpointError
from .config import DiffusionConfig

FORMAT_VERSION = 1


@dataclass
class Checkpoint:
    config: DiffusionConfig
    state_dict: dict[str, torch.Tensor]
    metadata: dict[str, Any]  # search space, data split, package version, timings...
    format_version: int = FORMAT_VERSION


def save_checkpoint(path: str | os.PathLike[str], ckpt: Checkpoint, overwrite: bool = False) -> Path:
    """Write atomically; refuses to replace an existing file unless ``overwrite``."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; choose another --out or remove it first")
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format_version": ckpt.format_version,
        "config": ckpt.config.to_dict(),
        "metadata": ckpt.metadata,
        "state_dict": {k: v.detach().cpu().clone() for k, v in ckpt.state_dict.items()},
    }
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(
            f"checkpoint {str(path)!r} does not exist; train one with `diffusionnag train` "
            "or omit --checkpoint to use the shipped one"
        )
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises several types for foreign or corrupt files
        raise CheckpointError(f"{path} is not a readable diffusionnag checkpoint: {e}") from e
    if not isinstance(payload, dict) or "format_version" not in payload:
        raise CheckpointError(f"{path} is not a diffusionnag checkpoint (no format_version)")
    if payload["format_version"] != FORMAT_VERSION:
        raise CheckpointError(
            f"{path} has checkpoint format {payload['format_version']}, this version reads "
            f"{FORMAT_VERSION}; retrain it with `diffusionnag train`"
        )
    return Checkpoint(DiffusionConfig.from_dict(payload["config"]), payload["state_dict"],
                      payload["metadata"], payload["format_version"])
