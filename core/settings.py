"""Server settings read from the environment, validated in one place."""
from __future__ import annotations

import math
import os

from core.ranges import ConfigError

LIVE_REFRESH_ENV = "DIGITS_LIVE_REFRESH_SECONDS"
LIVE_REFRESH_DEFAULT = 1.0     # the Train page's live view redraws this often while training
LIVE_REFRESH_RANGE = (0.25, 10.0)
TORCH_THREADS_ENV = "DIGITS_TORCH_THREADS"   # default: every core this process may use
STORE_MAX_RUNS_ENV = "DIGITS_STORE_MAX_RUNS"  # default: no cap


def live_refresh_seconds() -> float:
    """Seconds between two redraws of the live training view ($DIGITS_LIVE_REFRESH_SECONDS).

    Each redraw costs the browser CPU: on a small machine that also trains, a slower
    refresh leaves more of it to training (docs/benchmarks.md has the figures)."""
    text = os.environ.get(LIVE_REFRESH_ENV, "").strip()
    if not text:
        return LIVE_REFRESH_DEFAULT
    lo, hi = LIVE_REFRESH_RANGE
    try:
        value = float(text)
    except ValueError:
        value = math.nan  # fails the range check below, with the same message
    if not lo <= value <= hi:
        raise ConfigError(f"{LIVE_REFRESH_ENV} must be a number of seconds in [{lo}, {hi}], got {text!r}")
    return value


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def whole_number(name: str, default: int | None, lo: int, hi: int) -> int | None:
    """$name as a whole number in [lo, hi]; `default` when unset; a ConfigError otherwise."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or not lo <= int(text) <= hi:
        raise ConfigError(f"{name} must be a whole number in [{lo}, {hi}], got {text!r}")
    return int(text)


def torch_threads() -> int:
    """CPU threads one training uses ($DIGITS_TORCH_THREADS, default: all usable cores)."""
    return whole_number(TORCH_THREADS_ENV, usable_cores(), 1, 256)


def store_max_runs() -> int | None:
    """Runs the store keeps before pruning the oldest ($DIGITS_STORE_MAX_RUNS; None: all)."""
    return whole_number(STORE_MAX_RUNS_ENV, None, 10, 1_000_000)
