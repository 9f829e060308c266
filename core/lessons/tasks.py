"""The kinds of task a lesson can set, each checked from what the learner did: their own runs
(core.store.runs) and the actions pages record (core.store.actions).

A lesson file names a task by its kind and gives the kind's parameters; `check_params` says in
one sentence what is wrong with them, so a typo in a lesson is found when the server reads it.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core.models.architectures import ARCHITECTURES
from core.store.actions import ACTIONS
from core.store.runs import RunRecord
from core.training.status import Status

TRAINED = frozenset({Status.FINISHED, Status.STOPPED, Status.DIVERGED})  # a model was kept


def _as_listed(run: RunRecord) -> RunRecord:
    return run


@dataclass(frozen=True)
class Evidence:
    """What one learner has done, as the checks read it."""
    runs: tuple[RunRecord, ...]              # theirs; listed without their curves, which are slow to read
    actions: frozenset[tuple[str, str]]      # (action, detail) pairs of core.store.actions
    with_history: Callable[[RunRecord], RunRecord] = _as_listed  # a listed run with its history, when a check needs it


HISTORY_PARAMS = frozenset({"loss_rose", "min_gap", "min_epochs"})  # read from a run's epochs


def loss_rose(run: RunRecord) -> bool:
    """The run ended with a higher test loss than the untrained model's: it diverged."""
    if run.status == Status.DIVERGED:
        return True
    epochs = run.history.epochs
    if len(epochs) < 2:
        return False
    last = epochs[-1].test_loss
    return math.isnan(last) or last > epochs[0].test_loss


def accuracy_gap(run: RunRecord) -> float | None:
    """Training accuracy minus test accuracy at the last epoch: how far it overfits."""
    epochs = run.history.epochs
    if len(epochs) < 2 or epochs[-1].train_accuracy is None:
        return None
    return epochs[-1].train_accuracy - epochs[-1].test_accuracy


def _listing_fits(params: Mapping[str, Any], run: RunRecord) -> bool:
    """The thresholds a run's row answers without its curves, and the link's settings (`settings`,
    filled in from the task's link by core.lessons.content for an `as_linked` task)."""
    settings = params.get("settings", {})
    return (run.status in TRAINED and run.test_accuracy is not None and params.get("arch", run.arch) == run.arch
            and params.get("min_accuracy", 0.0) <= run.test_accuracy <= params.get("max_accuracy", 1.0)
            and all(run.config.get(name) == value for name, value in settings.items()))


def _history_fits(params: Mapping[str, Any], run: RunRecord) -> bool:
    gap = accuracy_gap(run)
    return all((
        not params.get("loss_rose", False) or loss_rose(run),
        "min_gap" not in params or (gap is not None and gap >= params["min_gap"]),
        run.history.trained_epochs >= params.get("min_epochs", 0),
    ))


def _trained(params: Mapping[str, Any], evidence: Evidence) -> bool:
    needs_history = bool(HISTORY_PARAMS & set(params))
    return any(_listing_fits(params, run) and (not needs_history or _history_fits(params, evidence.with_history(run)))
               for run in evidence.runs)


def _did(action: str) -> Callable[[Mapping[str, Any], Evidence], bool]:
    def check(params: Mapping[str, Any], evidence: Evidence) -> bool:
        name = params.get("action", action)
        return any(done == name and params.get("arch", detail) == detail for done, detail in evidence.actions)
    return check


@dataclass(frozen=True)
class TaskKind:
    name: str
    meaning: str                            # one line for docs/lessons.md
    params: Mapping[str, str]               # parameter → its type's name in _CHECKERS
    check: Callable[[Mapping[str, Any], Evidence], bool]
    required: tuple[str, ...] = ()


TASK_KINDS: dict[str, TaskKind] = {kind.name: kind for kind in (
    TaskKind("train", "a run of the learner's that kept a model and meets every given threshold",
             {"arch": "arch", "min_accuracy": "share", "max_accuracy": "share", "min_gap": "share",
              "loss_rose": "bool", "min_epochs": "count", "as_linked": "bool"}, _trained),
    TaskKind("action", "something done on a page (the `action` names it, `arch` the model it was done to)",
             {"action": "action", "arch": "arch"}, _did(""), required=("action",)),
    TaskKind("misread_test_digit", "a test digit the learner opened on Inside or Draw that a model of "
             "theirs (of `arch`, if given) reads wrong", {"arch": "arch"}, _did("misread.test")),
    TaskKind("misread_drawing", "a digit the learner drew and labelled on Draw that a model of theirs "
             "(of `arch`, if given) reads wrong", {"arch": "arch"}, _did("misread.drawing")),
)}


def _share(value: Any) -> str:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
    return "" if ok else "a number from 0 to 1 (0.91 is 91%)"


_CHECKERS: dict[str, Callable[[Any], str]] = {  # type name → what a wrong value should have been; '' if right
    "share": _share,
    "count": lambda v: "" if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else "a whole number",
    "bool": lambda v: "" if isinstance(v, bool) else "true or false",
    "arch": lambda v: "" if v in ARCHITECTURES else f"one of {', '.join(ARCHITECTURES)}",
    "action": lambda v: "" if v in ACTIONS else f"one of {', '.join(ACTIONS)}",
}


def check_params(kind: str, params: Mapping[str, Any]) -> str:
    """What is wrong with a task of `kind` given `params`, in one sentence; '' when nothing is."""
    if kind not in TASK_KINDS:
        return f"the task kind {kind!r} is not one of {', '.join(TASK_KINDS)}"
    spec, a_task = TASK_KINDS[kind], f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} task"
    for name, value in params.items():
        if name not in spec.params:
            known = ", ".join(spec.params) or "none"
            return f"{a_task} has no setting {name!r} (it has {known})"
        wanted = _CHECKERS[spec.params[name]](value)
        if wanted:
            return f"{name} of {a_task} must be {wanted}, not {value!r}"
    missing = [name for name in spec.required if name not in params]
    return f"{a_task} needs {', '.join(missing)}" if missing else ""


def is_done(kind: str, params: Mapping[str, Any], evidence: Evidence) -> bool:
    return TASK_KINDS[kind].check(params, evidence)
