"""What a training job shows of itself: an immutable `JobSnapshot` for any reader, and
the `Outcome` it ends with (core.jobs.job makes both)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

from core.training.config import TrainConfig
from core.training.engine import FitResult
from core.training.history import History
from core.training.status import NOTHING_LEARNED, Status


@dataclass(frozen=True)
class Outcome:
    status: Status
    message: str
    result: FitResult | None   # None: nothing was trained (failed, cancelled)
    started: float             # time.time() when training began, or when it was cancelled
    recorded: bool = False     # the store already holds it (a cluster worker recorded it): observers keep off


def stopped_outcome(outcome: Outcome, examples_seen: int, limit_reached: Callable[[int], str] | None) -> Outcome:
    """How a stopped training ends: before its first example it keeps nothing (its weights are
    the random start, not a model); stopped by a server limit, `limit_reached` words it from
    the examples seen (core.training.limits)."""
    if outcome.status != Status.STOPPED or outcome.recorded:  # a worker's outcome is worded there
        return outcome
    if not examples_seen:
        message = NOTHING_LEARNED if limit_reached is None else limit_reached(0)
        return Outcome(Status.CANCELLED, message, None, outcome.started)
    if limit_reached is not None:
        return dataclasses.replace(outcome, message=limit_reached(examples_seen))
    return outcome


@dataclass(frozen=True)
class JobSnapshot:
    job_id: str
    status: Status
    message: str
    config: TrainConfig
    run_id: str | None                          # set once the store has a row for it
    param_count: int | None
    history: History
    examples_seen: int
    total_examples: int
    train_seconds: float
    test_accuracy: float | None                  # of the final weights, once done
    test_loss: float | None
    trainings_at_once: float | None              # mean of trainings_now() at its loss points

    @property
    def done(self) -> bool:
        return self.status.done

    @property
    def progress(self) -> float:
        return min(self.examples_seen / self.total_examples, 1.0) if self.total_examples else 0.0

    @property
    def examples_per_second(self) -> float:
        return self.examples_seen / self.train_seconds if self.train_seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        rate = self.examples_per_second
        return (self.total_examples - self.examples_seen) / rate if rate and not self.done else None

    @property
    def ended_worse_than_untrained(self) -> bool:
        """Finished with a test loss above the untrained model's (core.training.engine.fit's message says why)."""
        epochs = self.history.epochs
        return (self.status == Status.FINISHED and self.test_loss is not None and bool(epochs)
                and self.test_loss > epochs[0].test_loss)

    @property
    def current_epoch(self) -> int:
        per_epoch = self.total_examples // self.config.epochs if self.total_examples else 0
        return min(self.examples_seen // per_epoch + 1, self.config.epochs) if per_epoch else 0
