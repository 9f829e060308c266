"""Server settings read from the environment, validated in one place."""
from __future__ import annotations

import math
import os

from core.ranges import ConfigError

LIVE_REFRESH_ENV = "DIGITS_LIVE_REFRESH_SECONDS"
LIVE_REFRESH_DEFAULT = 1.0     # the Train page's live view redraws this often while training
LIVE_REFRESH_RANGE = (0.25, 10.0)
TORCH_THREADS_ENV = "DIGITS_TORCH_THREADS"   # default: every core this process may use
STORE_MAX_RUNS_ENV = "DIGITS_STORE_MAX_RUNS"
STORE_MAX_MB_ENV = "DIGITS_STORE_MAX_MB"
QUEUE_MAX_ENV = "DIGITS_QUEUE_MAX"
MAX_TRAINING_SECONDS_ENV = "DIGITS_MAX_TRAINING_SECONDS"
MAX_TRAINING_MB_ENV = "DIGITS_MAX_TRAINING_MB"
HOSTED_ENV = "DIGITS_HOSTED"
# Bounds that hold on every server: name -> (default, default when hosted, lowest, highest).
# The hosted defaults fit every preset and one-click flow (the default CNN: about 55 s, 700 MB).
BOUNDS = {
    STORE_MAX_RUNS_ENV: (5_000, 500, 10, 1_000_000),          # runs the store keeps; the oldest go first
    STORE_MAX_MB_ENV: (5_000, 1_000, 50, 1_000_000),          # megabytes of model files it keeps
    QUEUE_MAX_ENV: (64, 16, 1, 10_000),                       # trainings queued or running at once
    MAX_TRAINING_SECONDS_ENV: (3_600, 300, 10, 1_000_000),    # estimated seconds one training may take
    MAX_TRAINING_MB_ENV: (4_000, 1_500, 500, 1_000_000),      # estimated megabytes one training may need
}


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


def hosted() -> bool:
    """$DIGITS_HOSTED: a public demo. Tighter default bounds, no data-folder box, no
    developer menu (README, Hosting)."""
    text = os.environ.get(HOSTED_ENV, "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{HOSTED_ENV} must be 1 or 0, got {text!r}")


def bounded_setting(name: str) -> int:
    """One of the bounds in BOUNDS, from the environment or its default (hosted or not)."""
    local, public, lo, hi = BOUNDS[name]
    return whole_number(name, public if hosted() else local, lo, hi)


def store_max_runs() -> int:
    """Runs the store keeps before pruning the oldest ($DIGITS_STORE_MAX_RUNS)."""
    return bounded_setting(STORE_MAX_RUNS_ENV)


def check_settings() -> None:
    """Read every setting once, so a mistake is reported at start-up, naming the variable
    (a ConfigError), rather than when a learner presses Start."""
    hosted()
    live_refresh_seconds()
    torch_threads()
    for name in BOUNDS:
        bounded_setting(name)
    from core.queue import queue_limits  # the queue's own settings (slots, caps)
    queue_limits()
