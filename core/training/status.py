"""The one vocabulary of states: a training's, as the store, the queue, the pages and the
teacher's view name them, and the one state of a learner that is not a run's (idle)."""
from __future__ import annotations

from enum import StrEnum


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
