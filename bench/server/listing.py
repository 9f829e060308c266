"""Many runs from the store, SQLite and PostgreSQL: `python -m bench.server listing`."""

from __future__ import annotations

import argparse
import tempfile

from bench.common import Report, header, summary, timed

LISTING_DOC = """\
Fills a fresh store with `--runs` finished runs of 3,000-point loss curves and 50 epochs
each, then times `list_runs()` with and without the curves and the Leaderboard's
"Training now" query (`live_only`), median of `--repeats`; on SQLite, and on PostgreSQL
too when --database-url names one (a fresh database is best).
"""


def fill(store, runs: int) -> None:
    from core.training.config import preset
    from core.training.history import EpochMetrics, History
    from core.training.status import Status

    history = History(train_points=tuple((i * 64, 1.0 / (i + 1)) for i in range(3_000)),
                      epochs=tuple(EpochMetrics(e, e * 60_000, e * 1.0, 0.1, 0.9, 0.1, 0.9) for e in range(50)))
    for _ in range(runs):
        run_id = store.begin_run(preset("mlp"))
        store.finish_run(run_id, Status.FINISHED, "done", history, model=None, evaluation=None,
                         train_seconds=1.0, examples_seen=3_000_000, started=0.0)


def run_listing(args: argparse.Namespace, out: Report) -> None:
    from core.store.runs import RunStore

    header(out, args)
    runs, repeats = (20, 1) if args.quick else (args.runs, args.repeats)
    results = {}
    for name, url in (("sqlite", None), ("postgresql", args.database_url or None)):
        if name == "postgresql" and url is None:
            continue
        store = RunStore(tempfile.mkdtemp(prefix="bench-listing-"), database_url=url)
        fill(store, runs)
        results[name] = {"with curves": summary(timed(store.list_runs, repeats), 4),
                         "without curves": summary(timed(lambda: store.list_runs(with_history=False), repeats), 4),
                         "live only": summary(timed(lambda: store.list_runs(with_history=False, live_only=True),
                                                    repeats), 4)}
    out.put("runs", runs)
    out.put("seconds", results)
    out.table(f"`list_runs`, {runs} runs, median of {repeats} (min-max)", *("SQLite" if n == "sqlite" else "PostgreSQL"
                                                                            for n in results))
    for what in ("with curves", "without curves", "live only"):
        out.row(what, *(f"{s[what]['median']} s ({s[what]['min']}-{s[what]['max']})" for s in results.values()))


def listing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", default="", help="PostgreSQL to measure too (a fresh database is best)")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
