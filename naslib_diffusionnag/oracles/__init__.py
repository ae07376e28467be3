"""Real benchmark data behind small query interfaces (never shipped, never downloaded)."""
from .nb201 import DATASETS as NB201_DATASETS
from .nb201 import NB201Benchmark, canonical_dataset
from .paths import DATA_DIR_ENV, resolve_data_file, sha256
from .properties import ArchProperty, space_property

__all__ = [
           "ArchProperty",
           "DATA_DIR_ENV",
           "NB201_DATASETS",
           "NB201Benchmark",
           "canonical_dataset",
           "resolve_data_file",
           "sha256",
           "space_property",
]
