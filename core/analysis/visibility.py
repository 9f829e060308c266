"""Which saved runs a learner may look at: the one rule Compare, Draw and Inside share.

A learner always sees their own runs. With `everyone`, they also see every run of their
class, or, outside any class, every run trained outside a class: classes never mix.
"""
from __future__ import annotations

from core.store.runs import RunRecord, RunStore


def visible_runs(store: RunStore, learner: str, class_code: str, everyone: bool,
                 with_history: bool = True) -> list[RunRecord]:
    """The runs `learner` (of class `class_code`, '' for none) may see, newest first."""
    own = store.list_runs(learner=learner, with_history=with_history)
    if not everyone:
        return own
    found = {run.run_id: run for run in store.list_runs(class_code=class_code, with_history=with_history)}
    found.update((run.run_id, run) for run in own)
    return sorted(found.values(), key=lambda run: run.created_at, reverse=True)
