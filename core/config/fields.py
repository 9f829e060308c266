"""Described dataclass fields: the one place a setting's range, choices and label are written.

A field declared with `bounded(...)`, `choice(...)` or `switch(...)` carries what it
allows and how it is shown as metadata; `validate_fields()` checks it, the Train form
builds its widgets from it and the CLI its flags. For list fields (layer widths) the
range applies to every element and `length` bounds the list.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import field
from typing import Any


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong type or out of range."""


def bounded(default: Any, lo: float, hi: float, help: str, *, label: str, log: bool = False,
            length: tuple[int, int] | None = None, step: float | None = None,
            count_label: str | None = None) -> Any:
    """A number (or list of numbers) in [lo, hi]. For a list, `label` names one element
    ("Units in layer") and `count_label` the number of elements ("Hidden layers")."""
    meta = {"kind": "number", "min": lo, "max": hi, "help": help, "label": label, "log": log,
            "length": length, "step": step, "count_label": count_label}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


def choice(default: str, options: tuple[str, ...], help: str, *, label: str,
           names: dict[str, str] | None = None) -> Any:
    """One of `options`; `names` are how each is shown (default: as it is)."""
    return field(default=default, metadata={"kind": "choice", "options": options, "help": help, "label": label,
                                            "names": names or {}})


def switch(default: bool, help: str, *, label: str) -> Any:
    return field(default=default, metadata={"kind": "switch", "help": help, "label": label})


def described_fields(cls_or_obj: Any) -> list[dataclasses.Field]:
    """The fields that carry a description, in declaration order."""
    return [f for f in dataclasses.fields(cls_or_obj) if "kind" in f.metadata]


def field_range(cls: type, name: str) -> dict[str, Any]:
    """A described field's metadata (min, max, help, label, ...) and its default."""
    f = {f.name: f for f in dataclasses.fields(cls)}[name]
    default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
    return {**f.metadata, "default": default}


def quoted(value: Any, limit: int = 40) -> str:
    """A visitor's value as an error message quotes it: repr'd and cut short."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def check_value(name: str, value: Any, meta: dict[str, Any]) -> None:
    lo, hi = meta["min"], meta["max"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{name} must be a number in [{lo}, {hi}], got {quoted(value)}")
    if isinstance(lo, int) and isinstance(hi, int) and not isinstance(value, int):
        raise ConfigError(f"{name} must be a whole number in [{lo}, {hi}], got {quoted(value)}")
    if not lo <= value <= hi or isinstance(value, float) and not math.isfinite(value):  # ints of any size compare
        raise ConfigError(f"{name} must be in [{lo}, {hi}], got {quoted(value)}")


def validate_fields(obj: Any, prefix: str = "") -> None:
    """Raise ConfigError for the first described field of `obj` that is out of range."""
    for f in described_fields(obj):
        value, name, meta = getattr(obj, f.name), prefix + f.name, f.metadata
        if meta["kind"] == "choice":
            if value not in meta["options"]:
                raise ConfigError(f"{name} must be one of {list(meta['options'])}, got {quoted(value)}")
        elif meta["kind"] == "switch":
            if not isinstance(value, bool):
                raise ConfigError(f"{name} must be true or false, got {quoted(value)}")
        elif meta["length"] is not None:
            shortest, longest = meta["length"]
            if not isinstance(value, (list, tuple)) or not shortest <= len(value) <= longest:
                raise ConfigError(f"{name} must be a list of {shortest} to {longest} numbers, got {quoted(value)}")
            for i, item in enumerate(value):
                check_value(f"{name}[{i}]", item, meta)
        else:
            check_value(name, value, meta)


def parse_text(name: str, meta: dict[str, Any], text: Any) -> Any:
    """A described field's value from text (a URL parameter, a CLI flag); values that are
    not text pass through, for validate_fields to judge."""
    if not isinstance(text, str):
        return text
    try:
        if meta["kind"] == "switch":
            return text.strip().lower() in ("1", "true", "yes", "on")
        if meta["kind"] == "choice":
            return text.strip()
        whole = isinstance(meta["min"], int) and isinstance(meta["max"], int)
        if meta["length"] is not None:  # longer lists fail the range check
            return [_number(part, whole) for part in text.split(",")[:16] if part.strip()]
        return _number(text, whole)
    except OverflowError:  # "inf", "1e400", 5,000 digits
        raise ConfigError(f"{name} must be a finite number, got {quoted(text)}") from None
    except ValueError:
        kind = "a list of numbers such as 256,128" if meta.get("length") else "a number"
        raise ConfigError(f"{name} must be {kind}, got {quoted(text)}") from None


def _number(text: str, whole: bool) -> int | float:
    value = float(text)
    if not math.isfinite(value):
        raise OverflowError(text)
    return int(value) if whole and value.is_integer() else value  # 3.9 stays 3.9: the range check refuses it


def log_steps(lo: float, hi: float, current: float | None = None) -> list[float]:
    """1-2-3-5 steps per decade within [lo, hi] (plus `current`), for log-scale sliders."""
    steps = {round(m * 10.0 ** e, 12) for e in range(-12, 13) for m in (1, 2, 3, 5)}
    if current is not None:
        steps.add(current)
    return sorted(v for v in steps if lo <= v <= hi)
