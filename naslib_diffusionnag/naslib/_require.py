"""Finding NASLib, or saying how to install it."""
from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path
from typing import Any

from ..errors import DiffusionNAGError

INSTALL_HINT = (
    "NASLib is not importable. It is not on PyPI and its setup.py refuses Python > 3.9: clone "
    "https://github.com/automl/NASLib (tested at 0b51bc18) and run "
    "'python -m naslib_diffusionnag.setup_naslib <NASLib>', which fixes its sources for modern "
    "Python and runs 'pip install --no-deps -e <NASLib>' plus its dependencies with torch and numpy "
    "held (README, 'NASLib plugin'), then retry."
)


class NASLibNotFoundError(DiffusionNAGError, ImportError):
    """The NASLib plugin was used but NASLib cannot be imported."""


def naslib_available() -> bool:
    """Whether the parts of NASLib the plugin uses import (not just whether the name exists)."""
    try:
        require_naslib()
    except NASLibNotFoundError:
        return False
    return True


def require_naslib() -> Any:
    """Import NASLib's optimizers and return the ``naslib`` package, or raise with the hint."""
    if importlib.util.find_spec("naslib") is None:
        raise NASLibNotFoundError(INSTALL_HINT)
    try:
        import naslib
        import naslib.optimizers  # noqa: F401  (pulls every predictor: the real import test)
    except Exception as e:  # a NASLib whose dependencies are missing or too new
        raise NASLibNotFoundError(f"NASLib is installed but fails to import ({type(e).__name__}: {e}). "
                                  + INSTALL_HINT) from e
    return naslib


def naslib_info() -> dict[str, Any]:
    """NASLib's version, location and git commit (when its source is a git checkout)."""
    naslib = require_naslib()
    root = Path(naslib.__file__).resolve().parent.parent
    try:
        from importlib.metadata import version

        ver = version("naslib")
    except Exception:
        ver = None
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {"version": ver, "path": str(root), "git_commit": commit}
