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

# sha256 of the data files whose numbers every committed result rests on. A file read in their
# place must match (``verify_known``). The first three are documented in ../shared/data
# (nb201/README.md, transfer/README.md); the others have no documented checksum and were computed
# from the files shipped in ../shared/data (nb201/, mbv3/; one entry per note10 table).
KNOWN_SHA256: dict[str, str] = {
    "nb201/nats_bench.csv": "cb5d777ec3368be83c8f9b3aa4d520696051cb0eb8d94b8f85b519f9ea4afa3e",
    "transfer/meta_train_db.csv": "98e9e91390aa73cee6f9ae4d3fa9a06ce1ec765124300355a5c60d58cd2aa72b",
    "transfer/class_name_embeddings_minilm_l6_v2.csv": "c8acd46074dcda965caf197f62607513b1835689205faa3291700009ca533b08",
    "transfer/transnas101_micro_naslib_zc.json": "f9f2c5d6d9b9a73964f1bffb2869f218e1110755d84ddd4a46a8cf482f799cd1",
    "nb201/latency_help_27devices.csv": "4b16bf8bdeb7a0841ded831ea713b33b2573472c4726852bd6cd7cde33e53003",
    "nb201/cost_flops_params.csv": "29c187311b1080f5575a3b89260c612b673d6cdc0a4ccb76a8679f7a612e47f5",
    "mbv3/ofa_acc_predictor.pth": "48685122a3540636b06699af66cd816456b25f29b69563e2fda9bed4018eeba0",
    "mbv3/latency_lut_i7-8700K.yaml": "4cd187ee5466802099f502a4d496cbee270a0b21862351722a527dc3a43f85e6",
    "mbv3/latency_lut_note10/160_lookup_table.yaml": "a2671a45e9400542679ed03de946b45d6a35010f9ab21834af3e7ba8341d36d1",
    "mbv3/latency_lut_note10/164_lookup_table.yaml": "146c34f116ea2dd6b0a421e3b9b3b1a106ba2817c928e7c66a0b58703946f7ea",
    "mbv3/latency_lut_note10/168_lookup_table.yaml": "08c833755d446cb65a6224e0fed7ef71be29709bfd2aa12009d4b645e37b4ce4",
    "mbv3/latency_lut_note10/172_lookup_table.yaml": "dead1205668fec983c8d7d8445d2dc3afe30a617917218becc90a8b3b8e72a57",
    "mbv3/latency_lut_note10/176_lookup_table.yaml": "34223ae037d5719a5f33261bdfd9341f590a2999edf520f174309605dc06307c",
    "mbv3/latency_lut_note10/180_lookup_table.yaml": "a4c43390a41c6affec5c0d2f927cd671a7d99341dbcb0178876794d9683d8ef6",
    "mbv3/latency_lut_note10/184_lookup_table.yaml": "94e0b62a291cc8d77a980478edc96d4ab4b6fe9b0209bc87d296bd2812ccd3d3",
    "mbv3/latency_lut_note10/188_lookup_table.yaml": "2f33a119bf5d4218fd390b785d3d03fd52b3522c77f58b751ff38f01a249fbd0",
    "mbv3/latency_lut_note10/192_lookup_table.yaml": "0ff5ca0649e56ad34a42d6a8a6f20adb5121c8d12d135299397b310472db79e2",
    "mbv3/latency_lut_note10/196_lookup_table.yaml": "80217a43dc40c8ce45b54c4cd60d58a79ee091015035f0d4388a09c192074bab",
    "mbv3/latency_lut_note10/200_lookup_table.yaml": "4bb6703197777ac01483cbe6340979dc8090ed6471c3f47d4e08749e523d4c53",
    "mbv3/latency_lut_note10/204_lookup_table.yaml": "129a4ee3f46f2b732f93c43dc04540c864adcc68e5f495ab0b183dc748fead43",
    "mbv3/latency_lut_note10/208_lookup_table.yaml": "41aa63af766a8298354e6aa5ae69d512ac68656a6e7d0a4fa5dc725c8d438633",
    "mbv3/latency_lut_note10/212_lookup_table.yaml": "cacb0d9f262e1e029c39a639acb856b16d16cbd7db365056ee7bc55bbb41d417",
    "mbv3/latency_lut_note10/216_lookup_table.yaml": "bbb64c0be7b420139d92a79757923e7b4c5d8d61730a90995d1ab51f6f718939",
    "mbv3/latency_lut_note10/220_lookup_table.yaml": "75b0954b2fa678b5b2422b3edbc51983609a9a441d77fe4bb68888da8bb8984e",
    "mbv3/latency_lut_note10/224_lookup_table.yaml": "c13a9bcb3f4becae844bce4897129c4e42975984c1029cbd5acb48c970136530",
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
        if path.is_dir():
            raise DataNotFoundError(f"{str(path)!r} is a folder; pass the path of the file {Path(relative).name} "
                                    f"in it, or set {DATA_DIR_ENV} to the folder holding {relative}")
        if path.exists() and not path.is_file():
            raise DataNotFoundError(f"{str(path)!r} is not a regular file (a pipe, socket or device); pass the path of "
                                    f"the file {Path(relative).name}")
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
