"""The one list of states a training goes through, as the store, the queue and the pages name them."""
from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    QUEUED = "queued"            # waiting for a slot of the queue
    RUNNING = "running"
    FINISHED = "finished"        # trained every epoch it was asked for
    STOPPED = "stopped"          # stopped by request (the model so far is kept), or cancelled while queued
    DIVERGED = "diverged"        # the loss became NaN or infinite (the last finite weights are kept)
    FAILED = "failed"            # an error, or a model that could not be saved
    CANCELLED = "cancelled"      # queued when its server stopped: never trained
    INTERRUPTED = "interrupted"  # running when its server stopped: nothing kept

    @property
    def done(self) -> bool:
        return self not in LIVE


LIVE = frozenset({Status.QUEUED, Status.RUNNING})
