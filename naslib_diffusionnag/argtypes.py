"""argparse types shared by the CLI and the benchmark scripts: a bad value is one line and exit
code 2 before any work starts (a benchmark script given ``--seeds 5-3`` used to run nothing and
then overwrite its committed tables with empty ones)."""
from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence

from .configio import MAX_COUNT, MAX_SEED


def at_least(minimum: int, maximum: int = MAX_COUNT) -> Callable[[str], int]:
    """An integer >= ``minimum`` and <= ``maximum`` (by default the largest count torch and
    numpy hold), with an error that says so."""
    want = f"an integer >= {minimum}" + (f" and <= {maximum}" if maximum != MAX_COUNT else "")

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {want}, got {text!r}") from None
        if value < minimum or value > maximum:
            too_large = value > maximum == MAX_COUNT  # the bound unsaid in ``want``
            raise argparse.ArgumentTypeError(f"must be {f'an integer <= {maximum}' if too_large else want}, got {value}")
        return value

    parse.__name__ = want
    return parse


def seed_range(text: str) -> list[int]:
    """``first-last`` (inclusive) or one seed: the seeds, at least one, each in [0, MAX_SEED]."""
    first, dash, last = text.partition("-")
    try:
        lo, hi = int(first), int(last if dash else first)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be seeds as first-last (e.g. 100-109) or one seed, got {text!r}") from None
    if not 0 <= lo <= hi <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be seeds first-last with 0 <= first <= last <= {MAX_SEED}, got {text!r}")
    return list(range(lo, hi + 1))


def int_list(minimum: int = 0) -> Callable[[str], list[int]]:
    """A comma-separated list of integers >= ``minimum``, at least one, no repeats."""
    one = at_least(minimum)

    def parse(text: str) -> list[int]:
        values = [one(v) for v in text.split(",")]
        if len(set(values)) < len(values):
            raise argparse.ArgumentTypeError(f"lists a value twice: {text!r}")
        return values

    parse.__name__ = f"a comma-separated list of integers >= {minimum}"
    return parse


def choice_list(choices: Sequence[str]) -> Callable[[str], list[str]]:
    """A comma-separated list of names from ``choices``, at least one, no repeats."""

    def parse(text: str) -> list[str]:
        names = text.split(",")
        unknown = [n for n in names if n not in choices]
        if unknown:
            raise argparse.ArgumentTypeError(f"{unknown[0]!r} is not one of {', '.join(choices)}")
        if len(set(names)) < len(names):
            raise argparse.ArgumentTypeError(f"lists a name twice: {text!r}")
        return names

    parse.__name__ = "a comma-separated list of names"
    return parse


def fraction_list(text: str) -> list[float]:
    """A comma-separated list of numbers in (0, 1] (e.g. diffusion times)."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be numbers in (0, 1] separated by commas, got {text!r}") from None
    bad = [v for v in values if not 0 < v <= 1]
    if bad:
        raise argparse.ArgumentTypeError(f"must be numbers in (0, 1], got {bad[0]:g}")
    return values


def regex(text: str) -> re.Pattern[str]:
    """A regular expression, compiled (a malformed one is named, not a re.error traceback)."""
    try:
        return re.compile(text)
    except re.error as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not a regular expression ({e})") from None


def nb201_dataset(text: str) -> str:
    """An NB201 dataset in any common spelling, as its canonical name."""
    from .errors import UnknownNameError
    from .oracles.nb201 import canonical_dataset

    try:
        return canonical_dataset(text)
    except UnknownNameError as e:
        raise argparse.ArgumentTypeError(str(e.args[0])) from None


def nb201_datasets(text: str) -> list[str]:
    """A comma-separated list of NB201 datasets (``nb201_dataset``), no repeats."""
    names = [nb201_dataset(n) for n in text.split(",")]
    if len(set(names)) < len(names):
        raise argparse.ArgumentTypeError(f"lists a dataset twice: {text!r}")
    return names


def parse_no_arguments(doc: str | None) -> None:
    """For a script that takes no argument: ``--help`` prints ``doc`` and anything else is
    refused, instead of both being ignored while the whole job runs and rewrites its results."""
    argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
