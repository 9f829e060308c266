"""The one vocabulary of states: a training's, as the store, the queue, the pages and the
teacher's view name them, and the one state of a learner that is not a run's (idle)."""
from __future__ import annotations

from enum import StrEnum

from core.training.budget import duration


class Status(StrEnum):
    QUEUED = "queued"            # waiting for a slot of the queue
    RUNNING = "running"          # training now
    FINISHED = "finished"        # trained every epoch it was asked for
    STOPPED = "stopped"          # stopped by request while training (the model so far is kept)
    DIVERGED = "diverged"        # the loss became NaN or infinite (the last finite weights are kept)
    FAILED = "failed"            # an error, or a model that could not be saved
    CANCELLED = "cancelled"      # cancelled while queued (by its learner, a Stop or the teacher), or stopped
                                 # before its first example: never trained, nothing kept
    LOST = "lost"                # queued when its server stopped: never trained
    INTERRUPTED = "interrupted"  # running when its server stopped: nothing kept

    @property
    def done(self) -> bool:
        return self not in LIVE


LIVE = frozenset({Status.QUEUED, Status.RUNNING})
IDLE = "idle"  # a learner with no run this round: beside the statuses of runs, the teacher's view shows it
CANCELLED_BEFORE_START = "Cancelled before it started."  # what a training cancelled while queued says
NOTHING_LEARNED = "Stopped before it trained on a single example: there is no model to keep."
TIME_LIMIT_WORDS = "at this server's time limit"


def time_limit_message(limit_seconds: float, examples_seen: int) -> str:
    """How a training that ran past the server's time limit ended (a model is kept, as at a Stop)."""
    if not examples_seen:
        return f"Stopped {TIME_LIMIT_WORDS} ({duration(limit_seconds)}) before its first example: no model to keep."
    return f"Stopped {TIME_LIMIT_WORDS} ({duration(limit_seconds)}) after {examples_seen:,} examples."


def stopped_at_time_limit(message: str) -> bool:
    """Whether a run's message says it ran into the time limit (the teacher's page shows it)."""
    return TIME_LIMIT_WORDS in (message or "")
