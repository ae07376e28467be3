"""Writing results so that an interrupted run never leaves a half-written file: every result
file is complete or absent, which is what lets sweeps and benchmarks resume. JSON is written
with sorted keys (re-running a benchmark rewrites a committed file byte for byte when its
numbers did not move) and never with NaN/Infinity tokens, which are not JSON."""
from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import ConfigError, DataFormatError


def finite_json(obj: Any) -> Any:
    """``obj`` with every non-finite float replaced by None (JSON null)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_json(v) for v in obj]
    return obj


def to_json(obj: Any, indent: int | None = None) -> str:
    """Strict JSON text: sorted keys, non-finite numbers as null."""
    return json.dumps(finite_json(obj), indent=indent, sort_keys=True, allow_nan=False)


def write_atomic(path: str | os.PathLike[str], write: Callable[[Path], object]) -> Path:
    """``write(tmp)`` to a temporary file of this process beside ``path``, then rename it into
    place: the file is complete or absent (two writers never share one; none is left behind
    on failure)."""
    p = Path(path)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, p)
    except OSError as e:  # a missing folder, a folder in the way, a full disk: not a raw traceback
        raise ConfigError(f"cannot write {p} ({e.strerror or e}); choose a path in a writable folder") from e
    finally:
        with contextlib.suppress(OSError):  # no temporary file where the folder is missing or a file
            tmp.unlink(missing_ok=True)
    return p


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """``text`` written atomically (``write_atomic``)."""
    return write_atomic(path, lambda tmp: tmp.write_text(text))


def write_json_atomic(path: str | os.PathLike[str], obj: Any, indent: int | None = None) -> Path:
    """``obj`` as strict JSON (``to_json``), written atomically."""
    return write_text_atomic(path, to_json(obj, indent) + "\n")


def cached_json(path: str | os.PathLike[str], compute: Callable[[], Any]) -> Any:
    """The JSON stored at ``path``, or ``compute()`` stored there first (resumable benchmarks)."""
    p = Path(path)
    if p.exists():
        return read_json(p)
    result = compute()
    write_json_atomic(p, result)
    return result


def read_json(path: str | os.PathLike[str]) -> Any:
    """A result file's JSON; an unreadable one is named with the way out."""
    p = Path(path)
    try:
        return json.loads(p.read_text())
    except OSError as e:  # e.g. a folder named like a run file
        raise DataFormatError(f"{p} cannot be read as a result file ({e.strerror or e}); it should be a JSON file "
                              "written by this package: move it away and re-run") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataFormatError(f"{p} is not valid JSON ({e}); it is a damaged result file: delete it "
                              "and re-run to recompute it") from e


def check_placeable(folder: str | os.PathLike[str]) -> Path:
    """Refuse a results folder that a file stands in the way of, creating nothing (a command
    that fails later on another input leaves no empty folder behind)."""
    p = Path(folder)
    blocker = next((q for q in (p, *p.parents) if q.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise ConfigError(f"cannot write results to {p}/: {blocker} is a file, not a folder; choose another path")
    return p


def check_writable(folder: str | os.PathLike[str]) -> Path:
    """Create ``folder`` if needed and prove it takes a file, before any compute is spent on
    results that could not be saved."""
    p = check_placeable(folder)
    try:
        p.mkdir(parents=True, exist_ok=True)
        probe = p / f".write-test.{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise ConfigError(f"cannot write results to {p}/ ({e.strerror or e}); choose a writable folder "
                          "or fix its permissions") from e
    return p
