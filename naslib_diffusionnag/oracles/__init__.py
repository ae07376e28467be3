"""Real benchmark data behind small query interfaces (never shipped, never downloaded).

Names are imported on first use, so the CLI can name data flags without loading torch."""
from __future__ import annotations

from ..lazy import lazy_exports

_EXPORTS = {
    "ArchProperty": "properties", "space_property": "properties",
    "DATA_DIR_ENV": "paths", "resolve_data_file": "paths", "sha256": "paths",
    "NB201_DATASETS": "nb201:DATASETS", "NB201Benchmark": "nb201", "canonical_dataset": "nb201",
    "TableBenchmark": "table", "TNB101Benchmark": "tnb101", "TNB101_TASKS": "tnb101:TASKS",
}
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)

__all__ = list(_EXPORTS)
