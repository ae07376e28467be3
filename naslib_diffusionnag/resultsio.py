"""Writing results so that an interrupted run never leaves a half-written file: every result
file is complete or absent, which is what lets sweeps and benchmarks resume."""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_json_atomic(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as JSON to a temporary file beside ``path``, then rename it into place."""
    p = Path(path)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(obj) + "\n")
    os.replace(tmp, p)
    return p


def cached_json(path: str | os.PathLike[str], compute: Callable[[], Any]) -> Any:
    """The JSON stored at ``path``, or ``compute()`` stored there first (resumable benchmarks)."""
    p = Path(path)
    if p.exists():
        return json.loads(p.read_text())
    result = compute()
    write_json_atomic(p, result)
    return result
