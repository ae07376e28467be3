"""Where the real benchmark data lives, and its checksums.

Data is never shipped with the package: it is read from ``../shared/data`` beside the
project checkout, from ``$DIFFUSIONNAG_DATA_DIR``, or from a path the user passes.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..errors import DataFormatError, DataNotFoundError

DATA_DIR_ENV = "DIFFUSIONNAG_DATA_DIR"
ALLOW_UNVERIFIED_FLAG = "--allow-unverified-data"

# sha256 of the data files whose numbers every committed result rests on, as documented in
# ../shared/data (nb201/README.md, transfer/README.md). A file read in their place must match.
KNOWN_SHA256: dict[str, str] = {
    "nb201/nats_bench.csv": "cb5d777ec3368be83c8f9b3aa4d520696051cb0eb8d94b8f85b519f9ea4afa3e",
    "transfer/meta_train_db.csv": "98e9e91390aa73cee6f9ae4d3fa9a06ce1ec765124300355a5c60d58cd2aa72b",
    "transfer/transnas101_micro_naslib_zc.json": "f9f2c5d6d9b9a73964f1bffb2869f218e1110755d84ddd4a46a8cf482f799cd1",
}
_REPO_ROOT = Path(__file__).resolve().parents[2]


def data_dir_candidates() -> list[Path]:
    """Directories searched, in order, for the data root (the folder holding ``nb201/``)."""
    found: list[Path] = []
    if os.environ.get(DATA_DIR_ENV):  # a user's choice: never fall back past it silently
        chosen = Path(os.environ[DATA_DIR_ENV]).expanduser()
        if not chosen.is_dir():
            raise DataNotFoundError(f"{DATA_DIR_ENV}={os.environ[DATA_DIR_ENV]} is not a folder; point it at the data "
                                    "folder (the one holding nb201/, transfer/, mbv3/) or unset it to use "
                                    "../shared/data")
        return [chosen]
    found += [Path.cwd() / ".." / "shared" / "data", _REPO_ROOT / ".." / "shared" / "data"]
    return found


def resolve_data_file(relative: str, override: str | os.PathLike[str] | None = None) -> Path:
    """The file ``relative`` (e.g. ``nb201/nats_bench.csv``) under the data root, or
    ``override`` when given. Raises ``DataNotFoundError`` naming every place tried."""
    if override is not None:
        path = Path(override).expanduser()
        if not path.is_file():
            raise DataNotFoundError(
                f"benchmark data file {str(path)!r} does not exist; pass the path of "
                f"{Path(relative).name} (or set {DATA_DIR_ENV} to the folder holding {relative})"
            )
        return path
    tried = [d / relative for d in data_dir_candidates()]
    for path in tried:
        if path.is_file():
            return path.resolve()
    raise DataNotFoundError(
        f"benchmark data file {relative!r} not found; tried: {', '.join(map(str, tried))}. "
        f"Set {DATA_DIR_ENV} to the data folder (the one holding {relative.split('/')[0]}/) "
        "or pass the file's path explicitly."
    )


def sha256(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file, recorded with every result that used it."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_known(path: str | os.PathLike[str], relative: str, allow_unverified: bool = False) -> str:
    """The sha256 of ``path``, read in place of the known file ``relative``.

    A file whose checksum differs from the documented one (an altered value, another
    version, a hand-made copy) is refused unless ``allow_unverified``: results built on it
    would be cited as the benchmark's. Returns the checksum so callers hash the file once."""
    digest = sha256(path)
    expected = KNOWN_SHA256.get(relative)
    if expected is not None and digest != expected and not allow_unverified:
        raise DataFormatError(
            f"{path} is not the documented {Path(relative).name} (sha256 {digest[:12]}..., expected "
            f"{expected[:12]}...): it was altered or is another version. Use the file in "
            f"../shared/data/{relative}, or pass {ALLOW_UNVERIFIED_FLAG} to use it anyway "
            "(results then record its checksum, not the benchmark's)")
    return digest
