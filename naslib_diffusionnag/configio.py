"""Reading configuration (YAML files in configs/, parameter mappings into typed dataclasses):
one place for the checks and the errors."""
from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields
from numbers import Integral, Real
from pathlib import Path
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

import numpy as np
import yaml

from .errors import ConfigError


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader refusing a key given twice in one mapping (PyYAML keeps the last
    value, so an edited config could run with a setting its reader never sees)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor` may be overridden on purpose
                continue
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.YAMLError(f"key {key!r} is given twice in one mapping (line "
                                     f"{key_node.start_mark.line + 1}); keep one")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# YAML 1.1 (PyYAML) reads ``1e-3`` as a string, YAML 1.2 and every other reader as a float: a
# config's ``lr: 1e-3`` means the number.
_UniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."))


def read_yaml_mapping(path: str | os.PathLike[str], example: str) -> dict[str, Any]:
    """The mapping in ``path``; ``ConfigError`` naming the file (and ``example``) otherwise."""
    p = Path(path)
    if not p.is_file():
        what = "is a folder, not a YAML file" if p.is_dir() else "does not exist"
        raise ConfigError(f"config file {str(p)!r} {what}; see {example} for an example")
    try:
        data = yaml.load(p.read_text(), Loader=_UniqueKeyLoader)  # noqa: S506 -- a SafeLoader subclass
    except UnicodeDecodeError:
        raise ConfigError(f"config file {str(p)!r} is not a UTF-8 text file; give a YAML config, see {example}") from None
    except yaml.YAMLError as e:  # PyYAML's message runs over lines (context, caret): one line here
        where = f" at line {e.problem_mark.line + 1}" if getattr(e, "problem_mark", None) else ""
        raise ConfigError(f"config file {str(p)!r} is not valid YAML{where} "
                          f"({getattr(e, 'problem', None) or str(e).splitlines()[0]}); see {example}") from None
    if data is None:  # an empty file is more likely the wrong file than a wish for every default
        raise ConfigError(f"config file {str(p)!r} is empty; give its settings (see {example}) or, where the "
                          "command allows, leave the config out for the defaults")
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(p)!r} must hold a mapping, see {example}")
    return data


C = TypeVar("C")


def typed_config(cls: type[C], given: Mapping[str, Any], what: str) -> C:
    """``cls(**given)`` for a dataclass ``cls`` whose fields all have defaults, after checking
    that every key is one of its fields and every value has the field's type (ints and floats
    given for float fields become floats; lists given for tuple fields become tuples).
    Raises ``ConfigError`` naming ``what``, the parameter and the valid ones."""
    valid = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    for key in given:
        if key not in valid:
            takes = f"valid parameters: {', '.join(valid)}" if valid else "it takes no parameters"
            raise ConfigError(f"{what}: unknown parameter {key!r}; {takes}")
    hints = get_type_hints(cls)
    values = {key: _typed(value, hints[key], f"{what}: parameter {key!r}") for key, value in given.items()}
    try:
        return cls(**values)
    except ConfigError as e:  # a range check in the dataclass's __post_init__
        raise ConfigError(f"{what}: {e}") from None


def _typed(value: Any, hint: Any, where: str) -> Any:
    """``value`` checked against (and for floats and tuples, converted to) the type ``hint``."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        if get_origin(inner) is None and _is_a(value, inner):
            return _plain(value, inner)
    elif origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        if isinstance(value, (list, tuple)):
            return tuple(_typed(v, args[0], f"{where} (each entry)") for v in value)
    elif origin is None and _is_a(value, hint):
        return _plain(value, hint)
    raise ConfigError(f"{where} must be {_describe(hint)}, got {value!r} ({type(value).__name__})")


def _is_a(value: Any, hint: type) -> bool:
    """YAML's scalars (and numpy's numbers, from code) against a plain type: an integer is a
    float too; a bool is no number."""
    if hint not in (int, float, str, bool):
        raise TypeError(f"typed_config cannot check values of type {hint!r}")
    if isinstance(value, (bool, np.bool_)):
        return hint is bool
    if hint is int:
        return isinstance(value, Integral)
    return isinstance(value, Real) if hint is float else isinstance(value, hint)


def _plain(value: Any, hint: type) -> Any:
    """``value`` as the plain Python type ``hint``: a numpy number or bool would be written to a
    run file's JSON as no number (or not at all)."""
    return hint(value) if hint in (int, float, bool) else value


def _describe(hint: Any) -> str:
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, UnionType):
        return " or ".join(_describe(a) if a is not type(None) else "null" for a in args)
    if origin is tuple:
        return f"a list of {_describe(args[0]).split(' ', 1)[1]}s"
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}[hint]


#: the largest seed a user may give (CLI ``--seed``, a training config's ``train.seed``): what
#: numpy's legacy and torch's generators both take
MAX_SEED = 2**32 - 1


#: the largest count any setting may be: torch, numpy and tqdm hold counts in 64-bit integers, and
#: a larger one ended in an OverflowError traceback from deep inside them (``--steps 10**20``)
MAX_COUNT = 2**63 - 1


def require_int(what: str, value: Any, low: int, high: int | None = None, hint: str = "") -> int:
    """``value`` as an int in [low, high] (``high`` None: ``MAX_COUNT``); ``ConfigError``
    "``what`` must be an integer ..., got ``value``" otherwise (a float or bool is refused, not
    rounded: 2.5 steps or True samples fail deep in torch or mean something else). numpy
    integers pass."""
    top = MAX_COUNT if high is None else high
    integer = not isinstance(value, bool) and isinstance(value, (int, np.integer))
    if not integer or not low <= value <= top:
        want = f"in [{low}, {top}]" if high is not None or (integer and value > top) else f">= {low}"
        raise ConfigError(f"{what} must be an integer {want}, got {value!r}{hint}")
    return int(value)


def is_finite_number(value: Any) -> bool:
    """A finite int or float: not a bool (True would read as 1), a string or None, and not NaN
    (which passes every comparison) or inf (which passes ``> 0``)."""
    return not isinstance(value, bool) and isinstance(value, Real) and math.isfinite(value)


def require_number(what: str, value: Any, test: Callable[[Any], bool], want: str, hint: str = "") -> None:
    """``ConfigError`` "``what`` must be a finite number ``want``, got ``value``" (+ ``hint``)
    unless ``value`` is a finite number passing ``test`` (only called on finite numbers)."""
    if not (is_finite_number(value) and test(value)):
        raise ConfigError(f"{what} must be a finite number{' ' + want if want else ''}, got {value!r}{hint}")


def require_at_least(config: Any, minimum: int, *names: str) -> None:
    """``ConfigError`` naming the first of ``names`` whose value on ``config`` is below ``minimum``
    or not finite (NaN passes every comparison, and run files store NaN and inf as null); None
    (an unset optional parameter) passes. Integer fields get ``require_int``'s message, float
    fields ``require_number``'s, by the field's declared type."""
    declared = {f.name: str(f.type) for f in fields(config)}
    for name in names:
        value = getattr(config, name)
        if value is None:
            continue
        if "float" not in declared[name]:
            require_int(f"parameter {name!r}", value, minimum)
        else:
            require_number(f"parameter {name!r}", value, lambda v: v >= minimum, f">= {minimum}")


def require_one_of(name: str, value: Any, choices: Iterable[str]) -> None:
    """``ConfigError`` naming parameter ``name`` when ``value`` is not one of ``choices``."""
    options = list(choices)
    if value not in options:
        raise ConfigError(f"parameter {name!r} must be one of {', '.join(options)}, got {value!r}")
