"""Configs are frozen dataclasses with working defaults; YAML and `--set a.b=v` only set fields.

Unknown keys and badly typed values raise `ValueError` naming the file, the dotted key and the closest
known field, before any expensive work starts (a typo must not silently train the wrong run).
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

C = TypeVar("C")


def _closest(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(known)}"


def _coerce(tp: Any, value: Any, key: str, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(arg, value, key, where)
            except ValueError as e:
                errors.append(str(e))
        raise ValueError(errors[0] if errors else f"{where}: {key}: bad value {value!r}")
    if origin is typing.Literal:
        if value not in typing.get_args(tp):
            choices = ", ".join(repr(a) for a in typing.get_args(tp))
            raise ValueError(f"{where}: {key} must be one of {choices}, got {value!r}")
        return value
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if dataclasses.is_dataclass(value):
            return value
        if not isinstance(value, Mapping):
            raise ValueError(f"{where}: {key} must be a mapping, got {value!r}")
        return from_dict(tp, value, where, prefix=f"{key}.")
    if origin in (tuple, list, Sequence) or tp in (tuple, list):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{where}: {key} must be a list, got {value!r}")
        args = typing.get_args(tp)
        item = args[0] if args else Any
        items = [_coerce(item, v, key, where) for v in value]
        return tuple(items) if origin is not list else items
    if origin in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise ValueError(f"{where}: {key} must be a mapping, got {value!r}")
        return dict(value)
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        raise ValueError(f"{where}: {key} must be true or false, got {value!r}")
    if tp is int:
        if isinstance(value, bool):
            raise ValueError(f"{where}: {key} must be an integer, got {value!r}")
        try:
            if isinstance(value, str):
                return int(value)
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, int):
                return value
        except ValueError:
            pass
        raise ValueError(f"{where}: {key} must be an integer, got {value!r}")
    if tp is float:
        if isinstance(value, bool):
            raise ValueError(f"{where}: {key} must be a number, got {value!r}")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{where}: {key} must be a number, got {value!r}") from None
    if tp is str:
        if not isinstance(value, str):
            raise ValueError(f"{where}: {key} must be a string, got {value!r}")
        return value
    return value


def from_dict(cls: type[C], data: Mapping[str, Any], where: str = "<config>", prefix: str = "") -> C:
    """Build `cls` from a mapping, rejecting unknown keys and values of the wrong type."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    kwargs = {}
    for key, value in data.items():
        if key not in fields:
            raise ValueError(f"{where}: unknown key {prefix + key!r}{_closest(key, list(fields))}")
        kwargs[key] = _coerce(hints[key], value, prefix + key, where)
    try:
        return cls(**kwargs)
    except ValueError as e:
        raise ValueError(f"{where}: {e}") from None


def load_config(path: str | Path, cls: type[C]) -> C:
    """Read a YAML file into `cls`."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ValueError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: the top level must be a mapping")
    return from_dict(cls, data, str(path))


def apply_overrides(cfg: C, overrides: Sequence[str], where: str = "--set") -> C:
    """Return `cfg` with each "a.b.c=value" applied (value parsed as YAML, then checked by field type)."""
    import yaml

    for item in overrides:
        if "=" not in item:
            raise ValueError(f"{where}: expected key=value, got {item!r}")
        dotted, raw = item.split("=", 1)
        value = yaml.safe_load(raw) if raw.strip() else ""
        cfg = _set(cfg, dotted.strip().split("."), value, dotted, where)
    return cfg


def _set(obj: Any, path: list[str], value: Any, dotted: str, where: str) -> Any:
    names = [f.name for f in dataclasses.fields(obj)]
    head = path[0]
    if head not in names:
        raise ValueError(f"{where}: unknown key {dotted!r}{_closest(head, names)}")
    hints = typing.get_type_hints(type(obj))
    if len(path) == 1:
        new = _coerce(hints[head], value, dotted, where)
    else:
        child = getattr(obj, head)
        if not dataclasses.is_dataclass(child):
            raise ValueError(f"{where}: {dotted!r}: {head!r} has no sub-keys")
        new = _set(child, path[1:], value, dotted, where)
    try:
        return dataclasses.replace(obj, **{head: new})
    except ValueError as e:
        raise ValueError(f"{where}: {e}") from None


def to_dict(cfg: Any) -> dict[str, Any]:
    """The resolved config as plain data, written next to every output."""
    return dataclasses.asdict(cfg)


def describe(cls: type, prefix: str = "") -> list[tuple[str, str, str]]:
    """(dotted key, default, help) for every field, for `--help` and `list recipes --explain`."""
    rows = []
    for f in dataclasses.fields(cls):
        tp = typing.get_type_hints(cls)[f.name]
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            rows += describe(tp, prefix + f.name + ".")
            continue
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else "(required)"
        )
        rows.append((prefix + f.name, repr(default), f.metadata.get("help", "")))
    return rows


BENCHMARKS_ENV = "CODEREASONER_BENCHMARKS"


def benchmarks_root() -> Path:
    """The folder holding benchmark data (cruxeval/, reval/, ...), used by decontamination and evaluation.

    $CODEREASONER_BENCHMARKS when set; else the user cache, $XDG_CACHE_HOME/codereasoner/benchmarks
    (default ~/.cache/codereasoner/benchmarks), which `codereasoner benchmarks fetch` fills.
    """
    import os

    env = os.environ.get(BENCHMARKS_ENV)
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "codereasoner" / "benchmarks"


CACHE_ENV = "CODEREASONER_CACHE"


def cache_dir() -> Path:
    """Where computed-once data lives (benchmark reference outputs): $CODEREASONER_CACHE, else
    $XDG_CACHE_HOME/codereasoner, else ~/.cache/codereasoner."""
    import os

    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "codereasoner"
