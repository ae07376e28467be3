"""DiffusionNAG's official NB201 meta-training files as a meta-dataset (source ``official:DIR``).

The files (``NAS-Bench-201/data/transfer_nag/`` of CownowAn/DiffusionNAG) are pickles that hold
python-igraph graphs next to the architecture strings, so reading them needs the ``igraph``
package (``pip install "naslib-diffusionnag[official]"``) and ``torch.load(weights_only=False)``,
which runs the pickles' code: read only files you trust. ``../shared/data/transfer/
meta_train_db.csv`` is the same set converted to CSV and needs neither; this loader is for a
user who has the official files (or a meta-training set of their own in that format).

Each record's architecture string is checked against its operator matrix, and the official
split is rebuilt as the official loader does: the first 400 positions of the stored
permutation are the validation (``eval``) records. The files carry no protocol batch, so
records get ``""`` there (the CSV's ``A``/``B`` was inferred from its values).
"""
from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataFormatError, DataNotFoundError, InvalidArchitectureError, MissingDependencyError
from ..oracles.paths import sha256
from ..spaces import get_space
from ..spaces.nb201 import EDGES, VOCAB
from .metadata import MetaDataset, Task, check_space

RECORDS = "meta_train_tasks_predictor.pt"  # dict: acc, task, str, matrix (+ g, x, adj, flops, ...)
PERMUTATION = "meta_train_tasks_predictor_idx.pt"  # the stored permutation of the records
TASK_LIST = "meta_train_task_lst.pt"  # 20 one-based ImageNet-32 labels per task
N_EVAL = 400  # the official rule: positions 0..399 of the permutation are the validation split
#: the official files at CownowAn/DiffusionNAG @ 3e981a5 (checked unless allow_unverified)
OFFICIAL_SHA256 = {
    RECORDS: "0da4ed96b88f9151de0ffce3a63c54741bca5337451bab6c10d10f6c5d7137a4",
    PERMUTATION: "4bd2f1bf566efe5d316bc1a17801d5e196a98f5b9a888109664ac10826f98e3a",
    TASK_LIST: "0debce65d5084841e5ce43cf6f229bdb5574074ae8e30c51f28cefbc25b8ce3e",
}
# the official ``matrix`` numbers operations as NB201Space's VOCAB (MetaD2A's: 0 input, 1 output,
# then NB201's operations), entry [j][i] for the edge i -> j


def _load(path: Path, allow_unverified: bool) -> tuple[Any, str]:
    """The unpickled file and its sha256, which must be the official one unless allowed."""
    import torch

    digest = sha256(path)
    if digest != OFFICIAL_SHA256[path.name] and not allow_unverified:
        raise DataFormatError(f"{path} is not the official {path.name} (sha256 {digest[:12]}..., expected "
                              f"{OFFICIAL_SHA256[path.name][:12]}...); pass --allow-unverified-data to read it anyway "
                              "(it is unpickled: only for files you trust)")
    try:
        return torch.load(path, weights_only=False, map_location="cpu"), digest
    except ModuleNotFoundError as e:
        if e.name == "igraph":
            raise MissingDependencyError(f"{path} holds python-igraph graphs; reading it needs igraph: "
                                         "pip install \"naslib-diffusionnag[official]\" (or pip install igraph)") from None
        raise
    except (EOFError, pickle.UnpicklingError, RuntimeError) as e:  # empty, truncated or not a torch file
        raise DataFormatError(f"{path} cannot be read as a torch file ({type(e).__name__}: "
                              f"{(str(e).splitlines() or [''])[0][:120]}); it is damaged: copy DiffusionNAG's "
                              f"{path.name} again") from None


def _arch_of_matrix(matrix: Any) -> str:
    """The NB201 string of an official 4 x 4 operator matrix."""
    m = np.asarray(matrix, dtype=int)
    if m.shape != (4, 4):
        raise ValueError(f"an operator matrix is 4 x 4, got shape {m.shape}")
    numbers = [int(m[j, i]) for j, i in EDGES]
    if any(not 2 <= k < len(VOCAB) for k in numbers):
        raise ValueError(f"operator numbers {numbers} outside 2..{len(VOCAB) - 1}")
    return get_space("nb201").from_ops([VOCAB[k] for k in numbers])


def load_official_meta_train(directory: str | os.PathLike[str], space: str = "nb201",
                             allow_unverified: bool = False) -> MetaDataset:
    """The meta-dataset of the official files in ``directory`` (the same records, tasks and
    split as ``load_meta_train_db`` reads from the converted CSV)."""
    check_space(space, "DiffusionNAG's official meta-training files")
    folder = Path(directory).expanduser()
    missing = [n for n in (RECORDS, PERMUTATION, TASK_LIST) if not (folder / n).is_file()]
    if missing:
        raise DataNotFoundError(f"{folder} lacks {', '.join(missing)}: give the folder holding DiffusionNAG's "
                                "official meta-training files (NAS-Bench-201/data/transfer_nag/ of its repository)")
    records, digest = _load(folder / RECORDS, allow_unverified)
    permutation, _ = _load(folder / PERMUTATION, allow_unverified)
    task_list, _ = _load(folder / TASK_LIST, allow_unverified)
    need = {"acc", "task", "str", "matrix"}
    if not isinstance(records, dict) or not need <= set(records):
        have = sorted(records) if isinstance(records, dict) else type(records).__name__
        raise DataFormatError(f"{folder / RECORDS} should be a dict with keys {sorted(need)}, has {have}")
    n = len(records["acc"])
    if any(len(records[k]) != n for k in need) or sorted(int(i) for i in permutation) != list(range(n)):
        raise DataFormatError(f"{folder}: the record fields and the permutation in {PERMUTATION} disagree on "
                              f"the number of records ({n} accuracies)")
    nb201 = get_space("nb201")
    archs = []
    for i, (arch, matrix) in enumerate(zip(records["str"], records["matrix"], strict=True)):
        try:
            parsed = nb201.parse(arch)
            from_matrix = _arch_of_matrix(matrix)
        except (InvalidArchitectureError, ValueError) as e:
            raise DataFormatError(f"{folder / RECORDS}: record {i}: {e}") from e
        if from_matrix != parsed:
            raise DataFormatError(f"{folder / RECORDS}: record {i}: its string {parsed} and its operator matrix "
                                  f"({from_matrix}) are different cells")
        archs.append(parsed)
    used = list(dict.fromkeys(int(t) for t in records["task"]))  # first-appearance order, as the CSV loader
    if used and not 0 <= min(used) <= max(used) < len(task_list):
        raise DataFormatError(f"{folder}: records name tasks up to {max(used)}, {TASK_LIST} lists {len(task_list)}")
    index = {t: k for k, t in enumerate(used)}
    tasks = [Task(f"imagenet32-task{t}", "imagenet32-subset", tuple(f"imagenet32:{int(c)}" for c in task_list[t]))
             for t in used]
    split = np.full(n, "train", dtype=object)
    split[[int(i) for i in permutation[:N_EVAL]]] = "eval"
    return MetaDataset(space, tasks, np.asarray([index[int(t)] for t in records["task"]]), archs,
                       np.asarray(records["acc"], dtype=np.float64), split.astype(str), np.full(n, ""),
                       [{"source": f"official:{folder}", "file": str(folder / RECORDS), "sha256": digest}])
