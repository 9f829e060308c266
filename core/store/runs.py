"""Saved runs: one database row per run, one checkpoint file per trained model.

The rows live in the store's database (core.store.database: SQLite in the store folder,
or the PostgreSQL that $DIGITS_DATABASE_URL names, shared by app replicas and cluster
workers); model files live in the store folder, which every replica and worker mounts,
written and read by core.store.checkpoints.
"""
from __future__ import annotations

import json
import logging
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, literal, select, update
from sqlalchemy.exc import SQLAlchemyError

from core.config.settings import settings, store_dir
from core.models.architectures import count_parameters
from core.store.checkpoints import StoreError, load_checkpoint, make_checkpoint, model_from_checkpoint, save_checkpoint
from core.store.database import Database
from core.store.process_locks import claim_process_token, process_alive, remove_dead_locks
from core.store.schema import runs as runs_table
from core.training.config import TrainConfig
from core.training.history import History
from core.training.status import LIVE, Status

if TYPE_CHECKING:
    from torch import nn

_LIVE = tuple(str(s) for s in LIVE)
log = logging.getLogger(__name__)
SWEEP_SECONDS = 30.0  # how often the live listings look for runs of dead processes
ROW_RETRY_SECONDS = 30.0  # how long a finished run's row is retried at once while the database is down


class RowUnwritten(StoreError):
    """A run's model file is saved but its row could not be written yet: the store writes it
    when the database answers again (its next sweep, or a store opened after this process died)."""


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    arch: str
    dataset: str
    status: Status
    message: str
    nickname: str
    learner: str                  # core.store.learners.learner_id; '' for the CLI and runs from older stores
    created_at: float
    finished_at: float | None
    config: dict[str, Any]
    history: History
    train_seconds: float | None
    examples_seen: int | None
    test_accuracy: float | None
    test_loss: float | None
    param_count: int | None
    model_path: Path | None
    trainings_at_once: float | None = None  # 1.0: it had the process's CPU to itself; None: not measured
    class_code: str = ""                    # the class it was trained in (core.classroom.classes); '' for none
    total_examples: int | None = None       # examples it trains on in all; None until it starts
    bent_accuracy: float | None = None      # on the bent test digits, measured as it ended; None for older runs

    @property
    def progress(self) -> float | None:
        """0..1 of its training done, as last recorded (core.jobs.run_keeper, every few seconds)."""
        if not self.total_examples or self.examples_seen is None:
            return None
        return min(self.examples_seen / self.total_examples, 1.0)

    @classmethod
    def from_row(cls, row: Any, root: Path) -> "RunRecord":
        """A row as a record; a row this code cannot read (a status it does not know, damaged
        JSON) is a StoreError naming the run."""
        try:
            return cls(run_id=row["run_id"], arch=row["arch"], dataset=row["dataset"], status=Status(row["status"]),
                       message=row["message"], nickname=row["nickname"], learner=row["learner"],
                       created_at=row["created_at"], finished_at=row["finished_at"],
                       config=json.loads(row["config_json"]),
                       history=History.from_dict(json.loads(row["history_json"])),
                       train_seconds=row["train_seconds"], examples_seen=row["examples_seen"],
                       trainings_at_once=row["trainings_at_once"], class_code=row["class_code"],
                       total_examples=row["total_examples"], bent_accuracy=row["bent_accuracy"],
                       test_accuracy=row["test_accuracy"], test_loss=row["test_loss"], param_count=row["param_count"],
                       model_path=root / row["model_file"] if row["model_file"] else None)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise StoreError(f"run {row['run_id']!r} cannot be read ({type(exc).__name__}: {exc})") from None


class RunStore(Database):
    """The runs' rows and their model files, in the store folder `root` (default: the settings')."""

    def __init__(self, root: str | os.PathLike | None = None, database_url: str | None = None) -> None:
        self.root = store_dir(root)
        self.db_path = self.root / "runs.sqlite"
        super().__init__(database_url or settings().database_url or f"sqlite:///{self.db_path.resolve()}",
                         str(self.db_path))
        self._swept_at = time.monotonic()  # when mark_interrupted last ran
        self._unwritten: dict[str, dict[str, Any]] = {}  # finished runs' rows the database refused, by run id
        try:
            (self.root / "models").mkdir(parents=True, exist_ok=True)
            self._process = claim_process_token(self.root)
            self.open()
            self.ensure_table(runs_table)
        except (OSError, SQLAlchemyError, StoreError) as exc:  # read-only folder, corrupt database, no server
            reason = getattr(exc, "orig", None) or exc
            raise StoreError(f"the run store {self.where} could not be opened ({reason}). Nothing in it was "
                             "changed: check that the folder is writable and the database intact and reachable "
                             "(or point DIGITS_STORE_DIR at a new folder)") from None
        remove_dead_locks(self.root)
        self.mark_interrupted()

    @property
    def process(self) -> str:
        """This process's token (core.store.process_locks): what its runs' `process` says."""
        return self._process

    def mark_interrupted(self) -> int:
        """Runs whose training process has died are marked `interrupted`, or finished from their
        model file when one was saved before the database could record it; returns how many."""
        self._swept_at = time.monotonic()
        self._write_unwritten_rows()
        rows = self.execute(select(runs_table.c.run_id, runs_table.c.process, runs_table.c.status)
                            .where(runs_table.c.status.in_(_LIVE)))
        dead = [r for r in rows if not process_alive(self.root, r["process"])]
        for row in dead:
            status, message = ((Status.LOST, "The server stopped before this training's turn came.")
                               if row["status"] == Status.QUEUED else
                               (Status.INTERRUPTED, "The server stopped before this run finished."))
            where = (runs_table.c.run_id == row["run_id"], runs_table.c.process == row["process"],
                     runs_table.c.status == row["status"])
            saved = self._row_from_model_file(row["run_id"])
            self.changed(update(runs_table).where(*where).values(
                **(saved or dict(status=str(status), finished_at=time.time(), message=message))))
        return len(dead)

    def _row_from_model_file(self, run_id: str) -> dict[str, Any] | None:
        """What a run's row says when its model file was saved and its row never written."""
        path = self.root / "models" / f"{run_id}.pt"
        if not path.exists():
            return None
        try:
            model, checkpoint = model_from_checkpoint(load_checkpoint(path), path)
        except StoreError:
            log.warning("run %s left an unreadable model file", run_id, exc_info=True)
            return None
        metrics = checkpoint["metrics"]
        return dict(status=checkpoint["status"], message=checkpoint.get("message", ""), finished_at=time.time(),
                    history_json=json.dumps(checkpoint["history"]), train_seconds=metrics["train_seconds"],
                    examples_seen=metrics["examples_seen"], test_accuracy=metrics["test_accuracy"],
                    test_loss=metrics["test_loss"], bent_accuracy=metrics.get("bent_accuracy"),
                    param_count=count_parameters(model), model_file=f"models/{run_id}.pt")

    def _write_unwritten_rows(self) -> None:
        for run_id, values in list(self._unwritten.items()):
            try:
                self.execute(update(runs_table).where(runs_table.c.run_id == run_id).values(**values))
                del self._unwritten[run_id]
                log.info("wrote the row of run %s now that the database answers", run_id)
            except StoreError:
                return  # still down: the next sweep tries again

    def _sweep_now_and_then(self) -> None:
        """Live rows of a replica that died stay live until a store marks them: the replicas
        that go on do so every SWEEP_SECONDS, not only when they start."""
        if time.monotonic() - self._swept_at >= SWEEP_SECONDS:
            self.mark_interrupted()

    def begin_run(self, config: TrainConfig, nickname: str = "", learner: str = "",
                  status: Status = Status.RUNNING, class_code: str = "") -> str:
        run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{config.arch}-{uuid.uuid4().hex[:6]}"
        self.execute(runs_table.insert().values(
            run_id=run_id, arch=config.arch, dataset=config.dataset, status=str(status), nickname=nickname,
            learner=learner, class_code=class_code, process=self._process, created_at=time.time(),
            config_json=json.dumps(config.to_dict())))
        return run_id

    def mark_running(self, run_id: str) -> bool:
        """Claim a queued run for this process; False if it is no longer queued (cancelled, or
        claimed by another process), and then it must not train."""
        return self.changed(update(runs_table).where(runs_table.c.run_id == run_id,
                                                      runs_table.c.status == str(Status.QUEUED))
                             .values(status=str(Status.RUNNING), process=self._process)) == 1

    def record_progress(self, run_id: str, examples_seen: int, total_examples: int, train_seconds: float) -> None:
        """A running run's progress, for pages that do not hold its job (another replica's)."""
        self.execute(update(runs_table).where(runs_table.c.run_id == run_id, runs_table.c.status == str(Status.RUNNING))
                     .values(examples_seen=examples_seen, total_examples=total_examples, train_seconds=train_seconds))

    def live_runs(self) -> list[Any]:
        """run_id, learner and class_code of every queued or running run, whoever trains it."""
        self._sweep_now_and_then()
        c = runs_table.c
        return self.execute(select(c.run_id, c.learner, c.class_code).where(c.status.in_(_LIVE)))

    def finish_run(self, run_id: str, status: Status, message: str, history: History, *,
                   model: nn.Module | None, evaluation: Any, train_seconds: float, examples_seen: int,
                   started: float, trainings_at_once: float | None = None, config: dict | None = None,
                   bent_accuracy: float | None = None) -> None:
        """Save the model file first, then the row, retried for ROW_RETRY_SECONDS: trained weights
        outlive a database outage. Raises RowUnwritten when the file is saved and the row is not."""
        model_file = None
        if model is not None:
            model_file = f"models/{run_id}.pt"
            save_checkpoint(make_checkpoint(run_id, status, config or self.get_run(run_id).config, model, history,
                                            evaluation, train_seconds, examples_seen, started, message, bent_accuracy),
                            self.root / model_file)
        values = dict(status=str(status), message=message, finished_at=time.time(),
                      history_json=json.dumps(history.to_dict()), train_seconds=train_seconds,
                      examples_seen=examples_seen, trainings_at_once=trainings_at_once,
                      test_accuracy=evaluation.accuracy if evaluation else None,
                      test_loss=evaluation.loss if evaluation else None, bent_accuracy=bent_accuracy,
                      param_count=count_parameters(model) if model is not None else None, model_file=model_file)
        deadline, pause = time.monotonic() + ROW_RETRY_SECONDS, 0.5
        while True:
            try:
                self.execute(update(runs_table).where(runs_table.c.run_id == run_id).values(**values))
                return
            except StoreError as exc:
                if time.monotonic() + pause > deadline:
                    if model_file is None:
                        raise
                    self._unwritten[run_id] = values
                    raise RowUnwritten(str(exc)) from None
                time.sleep(pause)  # the database restarting: wait for it, not for a page to notice
                pause = min(pause * 2, 4.0)

    def list_runs(self, with_model: bool = False, learner: str | None = None,
                  with_history: bool = True, class_code: str | None = None, since: float = 0.0,
                  live_only: bool = False) -> list[RunRecord]:
        """Newest first; `with_model` keeps only runs whose weights were saved; the others filter
        (`since`: created at or after it; `live_only`: queued or running). Without `with_history` the curves are left out (an
        empty history): listing 300 runs with long curves takes seconds otherwise."""
        c = runs_table.c
        columns = list(c) if with_history else [*(col for col in c if col.name != "history_json"),
                                                literal("{}").label("history_json")]
        query = select(*columns).where(c.created_at >= since)
        if learner is not None:
            query = query.where(c.learner == learner)
        if class_code is not None:
            query = query.where(c.class_code == class_code)
        if with_model:
            query = query.where(c.model_file.is_not(None))
        if live_only:
            self._sweep_now_and_then()
            query = query.where(c.status.in_(_LIVE))
        records = []
        for row in self.execute(query.order_by(c.created_at.desc())):
            try:
                records.append(RunRecord.from_row(row, self.root))
            except StoreError:  # one unreadable row must not hide every other run; it stays in the database
                log.warning("skipped an unreadable row of %s", self.where, exc_info=True)
        return records

    def get_run(self, run_id: str) -> RunRecord:
        rows = self.execute(select(runs_table).where(runs_table.c.run_id == run_id))
        if not rows:
            raise StoreError(f"no run {run_id!r} in {self.where}")
        return RunRecord.from_row(rows[0], self.root)

    def load_model(self, run_id: str) -> tuple[nn.Module, dict[str, Any]]:
        record = self.get_run(run_id)
        if record.model_path is None:
            raise StoreError(f"run {run_id} ({record.status}) has no saved model")
        return model_from_checkpoint(load_checkpoint(record.model_path), record.model_path)

    def prune(self, max_runs: int, keep: set[str] = frozenset(), max_bytes: int | None = None) -> list[str]:
        """Delete the oldest runs beyond the newest `max_runs`, then the oldest ones while
        the model files take more than `max_bytes`; never a live run or one in `keep`.
        Returns the deleted ids."""
        runs = self.list_runs(with_history=False)  # newest first
        spare = {r.run_id for r in runs if r.status.done and r.run_id not in keep}
        doomed = [r for r in runs[max_runs:] if r.run_id in spare]
        total = sum(_file_size(r.model_path) for r in runs) - sum(_file_size(r.model_path) for r in doomed)
        for run in reversed(runs[:max_runs]):  # oldest first
            if max_bytes is None or total <= max_bytes:
                break
            if run.run_id in spare and run.model_path is not None:
                doomed.append(run)
                total -= _file_size(run.model_path)
        for run in doomed:
            self.delete_run(run.run_id)
        return [r.run_id for r in doomed]

    def model_bytes(self) -> int:
        """Bytes of every model file the store keeps."""
        return sum(_file_size(path) for path in (self.root / "models").glob("*.pt"))

    def delete_run(self, run_id: str) -> None:
        record = self.get_run(run_id)
        if record.model_path is not None:
            record.model_path.unlink(missing_ok=True)
        self.execute(delete(runs_table).where(runs_table.c.run_id == run_id))


def _file_size(path: Path | None) -> int:
    try:
        return path.stat().st_size if path is not None else 0
    except OSError:
        return 0
