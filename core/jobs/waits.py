"""How long a learner will wait: the trainings ahead of them, then their own.

A training's length is the budget's estimate at this machine's measured speeds
(core.training.budget, core.training.calibration), times how this server's recent trainings
of the architecture compared with their estimates: a busy server (thirty pages redrawing,
the store writing) trains slower than a calibration on an idle one, and its own finished
trainings say by how much. A training under way has what its estimate leaves, or what its
own pace says, whichever is longer. Where several train at once, the slots free up one
after another and each waiting training takes the first free one.
"""
from __future__ import annotations

import heapq
import statistics
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from core.training.budget import duration, estimate
from core.training.config import TrainConfig

RECENT = 5                      # finished trainings per architecture whose pace the estimates follow
PACE_RANGE = (0.5, 6.0)         # how far a server's pace may stray from its calibration
MIN_LEFT_SECONDS = 0.5          # a training past its estimate still has a moment left
# How often a waiting learner's place is redrawn, by the seconds until their turn: far back
# in the queue the sentence changes slowly, and thirty waiting tabs redrawn every 3 s took 94%
# of a class's reruns and up to 10% of the speed of the training ahead (docs/benchmarks.md)
REDRAW_EVERY = ((30.0, 3.0), (120.0, 6.0))  # (turn within s, redraw every s), nearest first
FAR_REDRAW_SECONDS = 12.0


def finish_times(running: list[float], waiting: list[float], slots: int) -> list[float]:
    """When each of `waiting` ends, in order, each starting on the first slot to free up;
    `running` are the seconds left to the trainings that hold slots now."""
    ends = sorted(running)
    free = ends[len(ends) - slots:] if len(ends) >= slots else [0.0] * (slots - len(ends)) + ends
    heapq.heapify(free)
    done = []
    for seconds in waiting:
        done.append(heapq.heappop(free) + seconds)
        heapq.heappush(free, done[-1])
    return done


def turn_comes_in(running: list[float], waiting: list[float], slots: int) -> float:
    """Seconds until a training's turn, with `waiting` before it (trainings end in steps, not
    one by one: a sum divided by the slots was 45% off for the fourth in line on two slots)."""
    return finish_times(running, waiting + [0.0], slots)[-1]  # a training of no length, last in line


class Durations:
    """Seconds a training takes on this server, learning its pace from the trainings that end."""

    def __init__(self) -> None:
        self._paces: dict[str, deque[float]] = defaultdict(lambda: deque(maxlen=RECENT))
        self._lock = threading.Lock()

    def pace(self, arch: str) -> float:
        """Measured seconds over estimated ones for `arch`'s recent trainings here (1 before any)."""
        with self._lock:
            seen = list(self._paces.get(arch, ()))
        return min(max(statistics.median(seen), PACE_RANGE[0]), PACE_RANGE[1]) if seen else 1.0

    def learn(self, config: TrainConfig, seconds: float, completed: float = 1.0) -> None:
        """A training of `config` took `seconds` from its start to its end, having done
        `completed` (0-1) of its work: stopped ones teach in proportion, tiny parts not at all."""
        if completed < 0.25 or seconds <= 0:
            return
        expected = estimate(config).seconds * completed
        with self._lock:
            self._paces[config.arch].append(seconds / max(expected, 1e-3))

    def total(self, config: TrainConfig) -> float:
        """Seconds from its start to its end, as this server trains now."""
        return estimate(config).seconds * self.pace(config.arch)

    def remaining(self, config: TrainConfig, started_at: float | None, eta_seconds: float | None,
                  now: float | None = None) -> float:
        """Seconds left to a training that started at `started_at` (None: not yet)."""
        total = self.total(config)
        if started_at is None:
            return total
        left = total - ((now or time.time()) - started_at)
        return max(left, eta_seconds or 0.0, MIN_LEFT_SECONDS)


def redraw_every(wait_seconds: float | None) -> float:
    """Seconds between two redraws of a waiting learner's place, `wait_seconds` before their
    turn (None: not known yet, as near as can be)."""
    for within, every in REDRAW_EVERY:
        if wait_seconds is None or wait_seconds <= within:
            return every
    return FAR_REDRAW_SECONDS


def wait_sentence(ahead: int, turn_seconds: float | None, own_seconds: float | None) -> str:
    """ "about 40 s: 2 trainings ahead of you, then about 8 s" (the caller adds the context)."""
    if own_seconds is None:
        return f"{ahead} training{'s' if ahead != 1 else ''} ahead of you"
    if not ahead or turn_seconds is None:
        return f"about {duration(own_seconds)}"
    return (f"about {duration(turn_seconds + own_seconds)}: {ahead} training{'s' if ahead != 1 else ''} "
            f"ahead of you, then about {duration(own_seconds)}")


@dataclass(frozen=True)
class Place:
    """Where a training stands: `ahead` trainings before it (0 when it trains), the seconds
    until its turn, and its own training's."""
    running: bool
    ahead: int
    wait_seconds: float | None
    own_seconds: float | None = None

    def sentence(self) -> str:
        return wait_sentence(self.ahead, self.wait_seconds, self.own_seconds)

    def redraw_seconds(self) -> float:
        return redraw_every(None if self.running else self.wait_seconds)
