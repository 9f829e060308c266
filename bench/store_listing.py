"""Listing many runs from the store, on SQLite and on PostgreSQL.

    python -m bench.store_listing [--database-url postgresql+psycopg://...] [--runs 300]

Fills a fresh store with `--runs` finished runs of 3,000-point loss curves and 50 epochs
each, then times `list_runs()` with and without the curves and the Leaderboard's
"Training now" query (`live_only`), median of `--repeats`.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time

from core.store.runs import RunStore
from core.training.config import preset
from core.training.history import EpochMetrics, History
from core.training.status import Status


def fill(store: RunStore, runs: int) -> None:
    history = History(train_points=tuple((i * 64, 1.0 / (i + 1)) for i in range(3_000)),
                      epochs=tuple(EpochMetrics(e, e * 60_000, e * 1.0, 0.1, 0.9, 0.1, 0.9) for e in range(50)))
    for _ in range(runs):
        run_id = store.begin_run(preset("mlp"))
        store.finish_run(run_id, Status.FINISHED, "done", history, model=None, evaluation=None,
                         train_seconds=1.0, examples_seen=3_000_000, started=0.0)


def timed(call, repeats: int) -> dict[str, float]:
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return {"median": round(statistics.median(seconds), 4), "min": round(min(seconds), 4),
            "max": round(max(seconds), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL to measure too (a fresh database is best)")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    results = {}
    for name, url in (("sqlite", None), ("postgresql", args.database_url or None)):
        if name == "postgresql" and url is None:
            continue
        store = RunStore(tempfile.mkdtemp(prefix="bench-listing-"), database_url=url)
        fill(store, args.runs)
        results[name] = {"with curves": timed(store.list_runs, args.repeats),
                         "without curves": timed(lambda: store.list_runs(with_history=False), args.repeats),
                         "live only": timed(lambda: store.list_runs(with_history=False, live_only=True), args.repeats)}
    print(json.dumps({"runs": args.runs, "seconds": results}))


if __name__ == "__main__":
    main()
