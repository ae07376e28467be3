"""Reading YAML configuration files (configs/): one place for the checks and the errors."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError


def read_yaml_mapping(path: str | os.PathLike[str], example: str) -> dict[str, Any]:
    """The mapping in ``path``; ``ConfigError`` naming the file (and ``example``) otherwise."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {str(p)!r} does not exist; see {example} for an example")
    try:
        data = yaml.safe_load(p.read_text()) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"config file {str(p)!r} is not valid YAML: {e}") from e
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(p)!r} must hold a mapping, see {example}")
    return data
