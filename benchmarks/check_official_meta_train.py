"""Check that DiffusionNAG's official meta-training files (a folder you have, e.g.
``NAS-Bench-201/data/transfer_nag/`` of CownowAn/DiffusionNAG @ 3e981a5; they are not in
../shared/data) hold what ../shared/data/transfer/meta_train_db.csv holds: the same records
(task, cell, split, order) and accuracies, the largest accuracy difference printed (the CSV
rounds them). Needs the [official] extra (igraph).

Run: python benchmarks/check_official_meta_train.py DIR
"""
from __future__ import annotations

import argparse

import numpy as np

from naslib_diffusionnag.transfer.metadata import load_meta_train_db
from naslib_diffusionnag.transfer.official import load_official_meta_train


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder")
    args = ap.parse_args()
    official, csv = load_official_meta_train(args.folder), load_meta_train_db()
    same = {"records": len(official) == len(csv), "cells": official.archs == csv.archs,
            "split": bool(np.array_equal(official.split, csv.split)),
            "tasks": [official.tasks[i] for i in official.task] == [csv.tasks[i] for i in csv.task]}
    print(f"{len(official)} official records, {len(csv)} CSV records, {len(official.tasks)} tasks; same: {same}; "
          f"largest accuracy difference {np.abs(official.values - csv.values).max():.2g}")
    if not all(same.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
