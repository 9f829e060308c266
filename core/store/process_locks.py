"""Which process trains a running run: a lock file per process in the store's locks/.

Each process holds an exclusive lock on a file named by its own token for as long as
it lives; the OS drops the lock when the process dies, however it dies. A run whose
process's lock can be taken belongs to a dead one. A clean exit removes its file;
files of dead processes are removed by the next store that opens.
"""
from __future__ import annotations

import atexit
import os
import uuid
from pathlib import Path
from typing import Any

_PROCESS_TOKEN = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
_held_locks: dict[Path, Any] = {}


def claim_process_token(root: Path) -> str:
    lock_path = root / "locks" / f"{_PROCESS_TOKEN}.lock"
    if lock_path not in _held_locks:
        lock_path.parent.mkdir(exist_ok=True)
        while True:
            handle = open(lock_path, "w")
            try:
                import fcntl
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except ImportError:  # Windows: fall back to the pid check in process_alive
                break
            # another process sweeping dead locks may have unlinked the file between our
            # open and our lock: then it is not the file others check, so make it again
            if lock_path.exists() and os.stat(lock_path).st_ino == os.fstat(handle.fileno()).st_ino:
                break
            handle.close()
        _held_locks[lock_path] = handle
    return _PROCESS_TOKEN


def _release_own_locks() -> None:
    for path, handle in list(_held_locks.items()):
        handle.close()
        path.unlink(missing_ok=True)


atexit.register(_release_own_locks)  # a clean exit leaves no lock file behind


def remove_dead_locks(root: Path) -> None:
    """Delete the lock files of processes that have died (process_alive removes them)."""
    for path in (root / "locks").glob("*.lock"):
        try:
            process_alive(root, path.stem)
        except OSError:  # another process got there first
            pass


def process_alive(root: Path, process: str) -> bool:
    if process == _PROCESS_TOKEN:
        return True
    lock_path = root / "locks" / f"{process}.lock"
    try:
        import fcntl
    except ImportError:
        pid = int(process.split("-")[0])
        try:
            os.kill(pid, 0)
            return True
        except OSError:
            return False
    if not lock_path.exists():
        return False
    with open(lock_path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    lock_path.unlink(missing_ok=True)
    return False
