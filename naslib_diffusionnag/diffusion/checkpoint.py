"""Checkpoints: EMA weights + resolved config + free metadata, loadable with weights_only=True."""
from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..errors import CheckpointError
from ..resultsio import write_atomic
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
    return save_atomic(payload, path)


def save_atomic(payload: Mapping[str, Any], path: Path) -> Path:
    """``torch.save`` to ``path`` complete or not at all (``resultsio.write_atomic``)."""
    return write_atomic(path, lambda tmp: torch.save(payload, tmp))


def unreadable_reason(path: Path, error: Exception) -> str:
    """Why torch could not read ``path``, in a few words: torch's own message runs to several
    lines and advises loading with ``weights_only=False``, which would let a crafted file run code."""
    with open(path, "rb") as f:  # first: torch reads a text file as a legacy pickle and names a "global" in it
        if f.read(4) != b"PK\x03\x04":  # every torch.save since torch 1.6 writes a zip archive
            return "not a file written by torch.save"
    refused = re.search(r"Unsupported global: GLOBAL (\S+)", str(error))
    if refused:
        return f"it holds a Python object, {refused[1]}, that no checkpoint holds; not loaded, as that could run code"
    return "a damaged, truncated or foreign zip archive"


def failing_entry(path: Path) -> str | None:
    """The first entry of ``path``'s zip archive whose bytes fail their stored CRC-32, else None
    (None too for what is no readable zip archive: ``torch.load`` then says why). ``torch.load``
    does not check these checksums, so flipped bytes in the weights loaded silently and sampled
    nothing valid."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip()
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
        return None


def read_checkpoint_file(path: Path, kind: str, writer: str) -> Any:
    """The payload of an existing checkpoint file, read with ``torch.load(weights_only=True)``.
    A folder, an empty file or anything torch cannot read is one ``CheckpointError`` line: what
    ``path`` is not (``kind``: ``diffusionnag``, ``meta-predictor``), why, and the command that
    writes a good one (``writer``)."""
    if path.is_dir():
        raise CheckpointError(f"{path} is a directory, not a {kind} checkpoint; pass the .pt file written by "
                              f"`{writer}`")
    damaged = failing_entry(path)
    if damaged is not None:
        raise CheckpointError(f"{path} is damaged: its entry {damaged} fails the checksum saved with it (the file "
                              f"changed after it was written); pass an intact copy or a file written by `{writer}`")
    try:
        if path.stat().st_size:
            return torch.load(path, map_location="cpu", weights_only=True)
        reason = "empty file"
    except OSError as e:
        reason = e.strerror or type(e).__name__
    except Exception as e:  # noqa: BLE001 -- torch raises several types for foreign or corrupt files
        reason = unreadable_reason(path, e)
    raise CheckpointError(f"{path} is not a {kind} checkpoint ({reason}); pass a file written by `{writer}`")


def _first_mismatch(own: Mapping[str, torch.Tensor], theirs: Mapping[str, Any]) -> str | None:
    """The first parameter (in the model's order) the weights lack or shape otherwise, else the
    first one the model has no place for; None when they fit."""
    for name, value in own.items():
        if name not in theirs:
            return f"the weights lack {name}"
        shape = tuple(getattr(theirs[name], "shape", ()))
        if shape != tuple(value.shape):
            return f"{name} has shape {shape} in the weights but {tuple(value.shape)} in the model the config builds"
    extra = next((name for name in theirs if name not in own), None)
    return None if extra is None else f"the weights hold {extra}, which the model the config builds has not"


def first_non_finite(state_dict: Mapping[str, torch.Tensor]) -> str | None:
    """The name of the first floating-point tensor holding a NaN or an infinity, else None (one
    pass over the weights: about a millisecond for the shipped models)."""
    return next((name for name, value in state_dict.items()
                 if isinstance(value, torch.Tensor) and value.is_floating_point()
                 and not bool(torch.isfinite(value).all())), None)


def load_weights(model: nn.Module, state_dict: Mapping[str, Any], path: Path, writer: str) -> None:
    """Load a checkpoint's weights into the model its own config builds. A mismatch is one line
    naming the first parameter that differs (torch lists every one, often dozens of lines);
    non-finite weights are refused (a diverged training: every sample would be invalid)."""
    problem = _first_mismatch(model.state_dict(), state_dict)
    if problem is not None:
        raise CheckpointError(f"checkpoint {path}: its config and weights disagree ({problem}); it was edited or "
                              f"damaged: pass a file written by `{writer}`")
    bad = first_non_finite(state_dict)
    if bad is not None:
        raise CheckpointError(f"checkpoint {path} has non-finite weights (parameter {bad}), as a diverged training "
                              f"leaves; retrain it with `{writer}`")
    model.load_state_dict(state_dict)


_MISSING = object()


def check_metadata(path: Path, metadata: Mapping[str, Any], types: Mapping[str, tuple[type, ...]],
                   writer: str) -> None:
    """Each key of ``types`` (dotted: a nested key, listed after its parent) present in a
    checkpoint's metadata with one of its types, checked when the checkpoint is loaded: not a
    KeyError after minutes of sampling, nor an AttributeError on a string."""
    for key, allowed in types.items():
        value: Any = metadata
        for part in key.split("."):
            value = value.get(part, _MISSING)  # its parent was checked to be a dict just before
        if value is _MISSING:
            problem = "is missing"
        elif isinstance(value, bool) or not isinstance(value, allowed):
            problem = f"is {value!r}, not of type {' or '.join(t.__name__ for t in allowed)}"
        else:
            continue
        raise CheckpointError(f"checkpoint {path}: metadata {key!r} {problem}; it was edited or written by another "
                              f"program: pass a file written by `{writer}`")


def load_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """A checkpoint written by ``save_checkpoint``; anything else is one ``CheckpointError`` line."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(
            f"checkpoint {str(path)!r} does not exist; train one with `diffusionnag train` "
            "or omit --checkpoint to use the shipped one"
        )
    payload = read_checkpoint_file(path, "diffusionnag", "diffusionnag train")
    if not isinstance(payload, dict) or "format_version" not in payload:
        raise CheckpointError(f"{path} is not a diffusionnag checkpoint (no format_version); pass a file written "
                              "by `diffusionnag train`")
    if payload["format_version"] != FORMAT_VERSION:
        raise CheckpointError(
            f"{path} has checkpoint format {payload['format_version']}, this version reads "
            f"{FORMAT_VERSION}; retrain it with `diffusionnag train`"
        )
    for key in ("config", "metadata", "state_dict"):
        if not isinstance(payload.get(key), dict):
            raise CheckpointError(f"{path} has no {key!r} mapping, which every diffusionnag checkpoint holds; it was "
                                  "edited or damaged: pass a file written by `diffusionnag train`")
    try:
        config = DiffusionConfig.from_dict(payload["config"])
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{path} records a config this version cannot build ({e}); retrain it with "
                              "`diffusionnag train`") from e
    return Checkpoint(config, payload["state_dict"], payload["metadata"], payload["format_version"])
