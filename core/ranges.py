"""Bounded dataclass fields: the one place a hyperparameter's range is written.

A field declared with `bounded(default, lo, hi, help)` carries its range as
metadata; `validate_fields()` checks it and the UI reads it to build widgets.
For list fields (layer widths) the range applies to every element and
`length` bounds the list.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import field
from typing import Any


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong type or out of range."""


def bounded(default: Any, lo: float, hi: float, help: str, *, log: bool = False,
            length: tuple[int, int] | None = None) -> Any:
    meta = {"min": lo, "max": hi, "help": help, "log": log, "length": length}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


def check_value(name: str, value: Any, meta: dict[str, Any]) -> None:
    lo, hi = meta["min"], meta["max"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{name} must be a number in [{lo}, {hi}], got {value!r}")
    if isinstance(lo, int) and isinstance(hi, int) and not isinstance(value, int):
        raise ConfigError(f"{name} must be a whole number in [{lo}, {hi}], got {value!r}")
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ConfigError(f"{name} must be in [{lo}, {hi}], got {value!r}")


def validate_fields(obj: Any, prefix: str = "") -> None:
    """Raise ConfigError for the first bounded field of `obj` that is out of range."""
    for f in dataclasses.fields(obj):
        if "min" not in f.metadata:
            continue
        value, name = getattr(obj, f.name), prefix + f.name
        if f.metadata["length"] is not None:
            shortest, longest = f.metadata["length"]
            if not isinstance(value, (list, tuple)) or not shortest <= len(value) <= longest:
                raise ConfigError(f"{name} must be a list of {shortest} to {longest} numbers, got {value!r}")
            for i, item in enumerate(value):
                check_value(f"{name}[{i}]", item, f.metadata)
        else:
            check_value(name, value, f.metadata)


def log_steps(lo: float, hi: float, current: float | None = None) -> list[float]:
    """1-2-3-5 steps per decade within [lo, hi] (plus `current`), for log-scale sliders."""
    steps = {round(m * 10.0 ** e, 12) for e in range(-12, 13) for m in (1, 2, 3, 5)}
    if current is not None:
        steps.add(current)
    return sorted(v for v in steps if lo <= v <= hi)
