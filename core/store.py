"""Saved runs: one SQLite row per run, one checkpoint file per trained model.

Checkpoints are written and read by core.checkpoints. Rows from before datasets were
recorded are read as MNIST's.
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from core.checkpoints import (
    CHECKPOINT_FORMAT,
    StoreError,
    library_versions,
    load_checkpoint,
    model_from_checkpoint,
    save_checkpoint,
)
from core.config import TrainConfig
from core.history import History
from core.models import count_parameters
from core.process_locks import claim_process_token, process_alive, remove_dead_locks
from core.settings import settings
from core.status import LIVE, Status

_LIVE = tuple(str(s) for s in LIVE)
log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    arch TEXT NOT NULL,
    dataset TEXT NOT NULL DEFAULT 'mnist',
    status TEXT NOT NULL,           -- a core.status.Status
    message TEXT NOT NULL DEFAULT '',
    nickname TEXT NOT NULL DEFAULT '',
    learner TEXT NOT NULL DEFAULT '', -- core.identity.learner_id of the browser that started it ('' for the CLI)
    class_code TEXT NOT NULL DEFAULT '', -- the class (core.classes) it was trained in; '' for none
    process TEXT NOT NULL,          -- the process that trains it, see core.process_locks
    created_at REAL NOT NULL,
    finished_at REAL,
    config_json TEXT NOT NULL,
    history_json TEXT NOT NULL DEFAULT '{}',
    train_seconds REAL,
    examples_seen INTEGER,
    trainings_at_once REAL,         -- trainings this process ran side by side, on average, while it trained
    test_accuracy REAL,
    test_loss REAL,
    param_count INTEGER,
    model_file TEXT                 -- relative to the store root; NULL when no weights were kept
)"""


_COLUMNS = tuple(line.split()[0] for line in _SCHEMA.splitlines()[2:-1])
# Columns added since the first stores: (column, its definition) for ALTER TABLE.
_ADDED_COLUMNS = (("learner", "TEXT NOT NULL DEFAULT ''"),   # older runs are nobody's
                  ("dataset", "TEXT NOT NULL DEFAULT 'mnist'"),  # older runs are MNIST's
                  ("trainings_at_once", "REAL"),  # not measured for older runs
                  ("class_code", "TEXT NOT NULL DEFAULT ''"))  # older runs belong to no class


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    arch: str
    dataset: str
    status: Status
    message: str
    nickname: str
    learner: str                  # core.identity.learner_id; '' for the CLI and runs from older stores
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
    class_code: str = ""                    # the class it was trained in (core.classes); '' for none

    @classmethod
    def from_row(cls, row: sqlite3.Row, root: Path) -> "RunRecord":
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
                       test_accuracy=row["test_accuracy"], test_loss=row["test_loss"], param_count=row["param_count"],
                       model_path=root / row["model_file"] if row["model_file"] else None)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise StoreError(f"run {row['run_id']!r} cannot be read ({type(exc).__name__}: {exc})") from None


def store_dir(override: str | os.PathLike | None = None) -> Path:
    return Path(override or settings().store_dir).expanduser()


class RunStore:
    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = store_dir(root)
        self.db_path = self.root / "runs.sqlite"
        self._tables: set[str] = set()  # tables whose schema this store has made sure of
        try:
            (self.root / "models").mkdir(parents=True, exist_ok=True)
            self._process = claim_process_token(self.root)
            self._open_database()
        except (OSError, sqlite3.Error, StoreError) as exc:  # read-only folder, corrupt or truncated database
            raise StoreError(f"the run store {self.root} could not be opened ({exc}). Nothing in it was "
                             "changed: check that the folder is writable and runs.sqlite is intact "
                             "(or point DIGITS_STORE_DIR at a new folder)") from None
        remove_dead_locks(self.root)
        self.mark_interrupted()

    def _open_database(self) -> None:
        con = self._connect()
        try:
            if con.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("quick_check found damage")
            with con:
                con.execute("PRAGMA journal_mode=WAL")
                if "owner" in {row["name"] for row in con.execute("PRAGMA table_info(runs)")}:
                    con.execute("ALTER TABLE runs RENAME COLUMN owner TO process")  # its earlier name
        finally:
            con.close()
        self.ensure_table("runs", _SCHEMA, _ADDED_COLUMNS)

    def ensure_table(self, name: str, schema: str, added_columns: tuple[tuple[str, str], ...] = ()) -> None:
        """Create a table (the runs, and those beside them: core.my_drawings, core.identity) and
        add columns newer than the store, once per store object however often it is called."""
        if name in self._tables:
            return
        self.execute(schema)
        columns = {row["name"] for row in self.execute(f"PRAGMA table_info({name})")}
        for column, definition in added_columns:
            if column not in columns:
                self.execute(f"ALTER TABLE {name} ADD COLUMN {column} {definition}")
        self._tables.add(name)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.db_path, timeout=30)
        con.row_factory = sqlite3.Row
        return con

    def execute(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        """One statement in its own transaction on the store's database (also used by
        core.my_drawings for its table beside the runs)."""
        try:
            con = self._connect()
            try:
                with con:
                    return con.execute(sql, params).fetchall()
            finally:
                con.close()
        except sqlite3.Error as exc:  # corrupt, read-only, full: one error type for every caller
            raise StoreError(f"the run store {self.db_path} could not be used ({exc})") from None

    def mark_interrupted(self) -> int:
        """Runs whose training process has died are marked `interrupted`; returns how many."""
        rows = self.execute(f"SELECT run_id, process, status FROM runs WHERE status IN {_LIVE}")
        dead = [r for r in rows if not process_alive(self.root, r["process"])]
        for row in dead:
            status, message = ((Status.CANCELLED, "The server stopped before this training's turn came.")
                               if row["status"] == Status.QUEUED else
                               (Status.INTERRUPTED, "The server stopped before this run finished."))
            self.execute("UPDATE runs SET status=?, finished_at=?, message=? WHERE run_id=?",
                         (status, time.time(), message, row["run_id"]))
        return len(dead)

    def begin_run(self, config: TrainConfig, nickname: str = "", learner: str = "",
                  status: Status = Status.RUNNING, class_code: str = "") -> str:
        run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{config.arch}-{uuid.uuid4().hex[:6]}"
        self.execute("INSERT INTO runs (run_id, arch, dataset, status, nickname, learner, class_code, process, "
                     "created_at, config_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (run_id, config.arch, config.dataset, str(status), nickname, learner, class_code,
                      self._process, time.time(), json.dumps(config.to_dict())))
        return run_id

    def mark_running(self, run_id: str) -> None:
        self.execute("UPDATE runs SET status=? WHERE run_id=?", (str(Status.RUNNING), run_id))

    def finish_run(self, run_id: str, status: Status, message: str, history: History, *,
                   model: nn.Module | None, evaluation: Any, train_seconds: float,
                   examples_seen: int, started: float, trainings_at_once: float | None = None) -> None:
        record = self.get_run(run_id)
        model_file = None
        if model is not None:
            model_file = f"models/{run_id}.pt"
            checkpoint = {
                "format": CHECKPOINT_FORMAT, "run_id": run_id, "status": str(status),
                "config": record.config, "model_state": model.state_dict(), "history": history.to_dict(),
                "metrics": {"test_accuracy": evaluation.accuracy, "test_loss": evaluation.loss,
                            "train_seconds": train_seconds, "examples_seen": examples_seen},
                "versions": library_versions(), "created_at": started}
            save_checkpoint(checkpoint, self.root / model_file)
        self.execute(
            "UPDATE runs SET status=?, message=?, finished_at=?, history_json=?, train_seconds=?, "
            "examples_seen=?, trainings_at_once=?, test_accuracy=?, test_loss=?, param_count=?, model_file=? "
            "WHERE run_id=?",
            (str(status), message, time.time(), json.dumps(history.to_dict()), train_seconds, examples_seen,
             trainings_at_once,
             evaluation.accuracy if evaluation else None, evaluation.loss if evaluation else None,
             count_parameters(model) if model is not None else None, model_file, run_id))

    def list_runs(self, with_model: bool = False, learner: str | None = None,
                  with_history: bool = True, class_code: str | None = None, since: float = 0.0) -> list[RunRecord]:
        """Newest first; `with_model` keeps only runs whose weights were saved; the others filter
        (`since`: created at or after it). Without `with_history` the curves are left out (an
        empty history): listing 300 runs with long curves takes seconds otherwise."""
        columns = "*" if with_history else ", ".join(c for c in _COLUMNS if c != "history_json") + ", '{}' AS history_json"
        sql, params = f"SELECT {columns} FROM runs WHERE created_at>=?", [since]
        if learner is not None:
            sql, params = sql + " AND learner=?", params + [learner]
        if class_code is not None:
            sql, params = sql + " AND class_code=?", params + [class_code]
        if with_model:
            sql += " AND model_file IS NOT NULL"
        records = []
        for row in self.execute(sql + " ORDER BY created_at DESC", tuple(params)):
            try:
                records.append(RunRecord.from_row(row, self.root))
            except StoreError:  # one unreadable row must not hide every other run; it stays in the database
                log.warning("skipped an unreadable row of %s", self.db_path, exc_info=True)
        return records

    def get_run(self, run_id: str) -> RunRecord:
        rows = self.execute("SELECT * FROM runs WHERE run_id=?", (run_id,))
        if not rows:
            raise StoreError(f"no run {run_id!r} in {self.db_path}")
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
        self.execute("DELETE FROM runs WHERE run_id=?", (run_id,))


def _file_size(path: Path | None) -> int:
    try:
        return path.stat().st_size if path is not None else 0
    except OSError:
        return 0
