"""Saved runs: one SQLite row per run, one checkpoint file per trained model.

A checkpoint is a plain dict of named parts (format, config, model_state,
history, metrics, versions) written atomically and read back with
`torch.load(weights_only=True)`, so a file can never run code on load.
"""
from __future__ import annotations

import json
import os
import platform
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from core.config import TrainConfig
from core.models import build_model, count_parameters
from core.owners import claim_owner_token, owner_alive, remove_dead_locks

STORE_DIR_ENV = "DIGITS_STORE_DIR"
DEFAULT_STORE_DIR = "./runs"
CHECKPOINT_FORMAT = "digits-dashboard/checkpoint-v1"
LIVE_STATUSES = ("queued", "running")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    arch TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    nickname TEXT NOT NULL DEFAULT '',
    learner TEXT NOT NULL DEFAULT '', -- core.identity.learner_id of the browser that started it ('' for the CLI)
    owner TEXT NOT NULL,            -- the process that trains it, see core.owners
    created_at REAL NOT NULL,
    finished_at REAL,
    config_json TEXT NOT NULL,
    history_json TEXT NOT NULL DEFAULT '{}',
    train_seconds REAL,
    examples_seen INTEGER,
    test_accuracy REAL,
    test_loss REAL,
    param_count INTEGER,
    model_file TEXT                 -- relative to the store root; NULL when no weights were kept
)"""


_COLUMNS = tuple(line.split()[0] for line in _SCHEMA.splitlines()[2:-1])


class StoreError(RuntimeError):
    """A run or checkpoint is missing, corrupt or not ours; the message names the file."""


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    arch: str
    status: str
    message: str
    nickname: str
    created_at: float
    finished_at: float | None
    config: dict[str, Any]
    history: dict[str, Any]
    train_seconds: float | None
    examples_seen: int | None
    test_accuracy: float | None
    test_loss: float | None
    param_count: int | None
    model_path: Path | None
    learner: str = ""   # core.identity.learner_id; '' for the CLI and runs from older stores


def store_dir(override: str | os.PathLike | None = None) -> Path:
    return Path(override or os.environ.get(STORE_DIR_ENV) or DEFAULT_STORE_DIR).expanduser()


class RunStore:
    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = store_dir(root)
        self.db_path = self.root / "runs.sqlite"
        try:
            (self.root / "models").mkdir(parents=True, exist_ok=True)
            self._owner = claim_owner_token(self.root)
            self._open_database()
        except (OSError, sqlite3.Error) as exc:  # read-only folder, corrupt or truncated database
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
                con.execute(_SCHEMA)
                columns = {row["name"] for row in con.execute("PRAGMA table_info(runs)")}
                if "learner" not in columns:  # a store from before learners were recorded: its runs are nobody's
                    con.execute("ALTER TABLE runs ADD COLUMN learner TEXT NOT NULL DEFAULT ''")
        finally:
            con.close()

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
        rows = self.execute(f"SELECT run_id, owner, status FROM runs WHERE status IN {LIVE_STATUSES}")
        dead = [r for r in rows if not owner_alive(self.root, r["owner"])]
        for row in dead:
            status, message = (("cancelled", "The server stopped before this training's turn came.")
                               if row["status"] == "queued" else
                               ("interrupted", "The server stopped before this run finished."))
            self.execute("UPDATE runs SET status=?, finished_at=?, message=? WHERE run_id=?",
                         (status, time.time(), message, row["run_id"]))
        return len(dead)

    def begin_run(self, config: TrainConfig, nickname: str = "", learner: str = "", status: str = "running") -> str:
        run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{config.arch}-{uuid.uuid4().hex[:6]}"
        self.execute("INSERT INTO runs (run_id, arch, status, nickname, learner, owner, created_at, config_json) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (run_id, config.arch, status, nickname, learner,
                                                                  self._owner, time.time(), json.dumps(config.to_dict())))
        return run_id

    def mark_running(self, run_id: str) -> None:
        self.execute("UPDATE runs SET status='running' WHERE run_id=?", (run_id,))

    def finish_run(self, run_id: str, status: str, message: str, history: dict[str, Any], *,
                   model: nn.Module | None, evaluation: Any, train_seconds: float,
                   examples_seen: int, started: float) -> None:
        record = self.get_run(run_id)
        model_file = None
        if model is not None:
            model_file = f"models/{run_id}.pt"
            checkpoint = {
                "format": CHECKPOINT_FORMAT, "run_id": run_id, "status": status,
                "config": record.config, "model_state": model.state_dict(), "history": history,
                "metrics": {"test_accuracy": evaluation.accuracy, "test_loss": evaluation.loss,
                            "train_seconds": train_seconds, "examples_seen": examples_seen},
                "versions": library_versions(), "created_at": started}
            save_checkpoint(checkpoint, self.root / model_file)
        self.execute(
            "UPDATE runs SET status=?, message=?, finished_at=?, history_json=?, train_seconds=?, "
            "examples_seen=?, test_accuracy=?, test_loss=?, param_count=?, model_file=? WHERE run_id=?",
            (status, message, time.time(), json.dumps(history), train_seconds, examples_seen,
             evaluation.accuracy if evaluation else None, evaluation.loss if evaluation else None,
             count_parameters(model) if model is not None else None, model_file, run_id))

    def list_runs(self, arch: str | None = None, with_model: bool = False, learner: str | None = None,
                  with_history: bool = True) -> list[RunRecord]:
        """Newest first; `with_model` keeps only runs whose weights were saved; the others filter.
        Without `with_history` the curves are left out (an empty history): listing 300 runs
        with long curves takes seconds otherwise."""
        columns = "*" if with_history else ", ".join(c for c in _COLUMNS if c != "history_json") + ", '{}' AS history_json"
        sql, params = f"SELECT {columns} FROM runs WHERE 1=1", []
        for column, value in (("arch", arch), ("learner", learner)):
            if value is not None:
                sql, params = sql + f" AND {column}=?", [*params, value]
        if with_model:
            sql += " AND model_file IS NOT NULL"
        return [self._record(r) for r in self.execute(sql + " ORDER BY created_at DESC", tuple(params))]

    def get_run(self, run_id: str) -> RunRecord:
        rows = self.execute("SELECT * FROM runs WHERE run_id=?", (run_id,))
        if not rows:
            raise StoreError(f"no run {run_id!r} in {self.db_path}")
        return self._record(rows[0])

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
        spare = {r.run_id for r in runs if r.status not in LIVE_STATUSES and r.run_id not in keep}
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

    def _record(self, row: sqlite3.Row) -> RunRecord:
        return RunRecord(
            row["run_id"], row["arch"], row["status"], row["message"], row["nickname"],
            row["created_at"], row["finished_at"], json.loads(row["config_json"]),
            json.loads(row["history_json"]), row["train_seconds"], row["examples_seen"],
            row["test_accuracy"], row["test_loss"], row["param_count"],
            self.root / row["model_file"] if row["model_file"] else None, row["learner"])


def _file_size(path: Path | None) -> int:
    try:
        return path.stat().st_size if path is not None else 0
    except OSError:
        return 0


def library_versions() -> dict[str, str]:
    import torchvision
    # str(): torch.__version__ is a TorchVersion, which weights_only loading refuses
    return {"python": platform.python_version(), "torch": str(torch.__version__),
            "torchvision": str(torchvision.__version__)}


def save_checkpoint(checkpoint: dict[str, Any], path: Path) -> None:
    """Write to a temporary file in the same folder, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as f:
            torch.save(checkpoint, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_checkpoint(source: Path | Any) -> dict[str, Any]:
    """Read a checkpoint from a path or binary file object, refusing anything but our format."""
    name = str(source) if isinstance(source, (str, Path)) else getattr(source, "name", "uploaded file")
    try:
        checkpoint = torch.load(source, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise StoreError(f"model file {name} does not exist") from None
    except Exception as exc:  # truncated zip, pickle with code in it, random bytes
        raise StoreError(f"{name} is not a readable model file ({type(exc).__name__}: {exc})") from None
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != CHECKPOINT_FORMAT:
        raise StoreError(f"{name} is not a digits-dashboard model file (format {CHECKPOINT_FORMAT} expected)")
    return checkpoint


def model_from_checkpoint(checkpoint: dict[str, Any], name: Any = "checkpoint") -> tuple[nn.Module, dict]:
    """Rebuild the model a checkpoint describes; any mismatch is a StoreError."""
    try:
        config = TrainConfig.from_dict(checkpoint["config"])
        model = build_model(config.arch, config.model)
        model.load_state_dict(checkpoint["model_state"])
    except Exception as exc:
        raise StoreError(f"{name} does not hold a usable model ({type(exc).__name__}: {exc})") from None
    return model.eval(), checkpoint
