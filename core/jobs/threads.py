"""How trainings share this process's threads and memory: how many train now, the torch
thread pool of a thread that only drives them, what one adds to the process's memory, and
returning freed memory between them."""
from __future__ import annotations

import threading
import time

import torch

_training_lock = threading.Lock()
_trainings = 0  # jobs of this process in fit() now: they share its CPU


def trainings_now() -> int:
    """How many jobs of this process are training at this moment."""
    return _trainings


def count_training(change: int) -> None:
    global _trainings
    with _training_lock:
        _trainings += change


def return_freed_memory_to_the_os() -> bool:
    """Hand the pages glibc holds free back to the OS (malloc_trim), once a training ends.

    glibc keeps what each training's thread freed in heaps of its own: without this a
    server's RSS grew by 1,030-1,070 MB in `python -m bench.server soak` (docs/benchmarks.md). Trimming
    between trainings costs them nothing; true where it applied (glibc), else a no-op."""
    try:
        import ctypes
        return bool(ctypes.CDLL("libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):  # not glibc
        return False


def use_one_torch_thread() -> None:
    """For a long-lived thread that starts jobs but does no heavy tensor work (the CLI's
    main thread, a benchmark driver): call it before its first tensor operation.

    libgomp keeps a pool of worker threads for every thread that ever ran a parallel
    operation; once the pools outnumber the cores, every pool sleeps between operations:
    a training started by a main thread that had loaded the data ran 1.6-1.9x slower
    (docs/benchmarks.md). With one torch thread this thread never makes a pool; Streamlit's
    short-lived script threads take theirs with them when they end."""
    torch.set_num_threads(1)
    # Reading it settles this thread's count now; otherwise the thread would take the
    # process-wide count (set by the next job) on its first operation.
    torch.get_num_threads()


def anonymous_mb() -> float | None:
    """This process's anonymous resident memory now (RssAnon: what its tensors and heaps hold,
    not the shared library pages a first training brings in), MB; None where /proc has none."""
    return process_mb("RssAnon")


def process_mb(field: str) -> float | None:
    """A memory figure of this process's /proc status ("VmRSS", "RssAnon"), MB; None where there is none."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(f"{field}:")) / 1024
    except (OSError, StopIteration, ValueError):
        return None


class MemoryGrowth:
    """What the process's anonymous memory grew by since `begin()`: a training's memory as its
    server limit measures it. Read at most every `every` seconds (13 us a reading here);
    trainings begun together in one process count each other's growth."""

    def __init__(self, every: float = 0.2) -> None:
        self.every = every
        self._base: float | None = None
        self._read_at = 0.0

    def begin(self) -> None:
        self._base, self._read_at = anonymous_mb(), 0.0

    def megabytes(self) -> float:
        """The growth, MB; 0 between two readings, before `begin` and where /proc has no figure."""
        now = time.monotonic()
        if self._base is None or now - self._read_at < self.every:
            return 0.0
        self._read_at, measured = now, anonymous_mb()
        return 0.0 if measured is None else measured - self._base
