"""The wait a learner is shown at Start against the real one: `python -m bench.speed waits`.

A fresh server's queue (its settings' slots and threads), a fresh run store, this machine's
speeds measured as a server measures them at start (core.training.calibration), then eight
learners on eight networks press Start at once on a mix of presets. What each is shown is
what the Train page shows under its Start button (`place_if_started`: the trainings ahead
and its own), taken just before its Start; the real wait is from that Start to its run's end,
saved. Shown over real: 1.0 is exact, below 1 promised too little.
"""
from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

from bench.common import Report, load_mnist, spread

WAITS_DOC = __doc__
MIX = (("logistic", "fast"), ("mlp", "fast"), ("cnn", "fast"), ("logistic", "default"),
       ("mlp", "default"), ("cnn", "fast"), ("logistic", "fast"), ("mlp", "fast"))
QUICK_EXAMPLES = 6_000


def shown_against_real(quick: bool, data_dir: str | None = None) -> list[dict]:
    """Each learner's shown and real seconds, in the order they pressed Start."""
    from core.config.settings import settings
    from core.jobs.queue import TrainingQueue
    from core.jobs.run_keeper import stored_job
    from core.jobs.threads import use_one_torch_thread
    from core.store.runs import RunStore
    from core.training.calibration import calibrate_in_background, measured_speed
    from core.training.config import preset
    from core.training.limits import queue_limits

    use_one_torch_thread()  # this thread drives the queue; the slots train
    data, limits = load_mnist(data_dir), queue_limits(settings())
    with tempfile.TemporaryDirectory() as root:
        # on a thread of its own, as the server measures (a thread that trained owns a pool of
        # torch workers: this one would slow the slots' trainings all along)
        calibrate_in_background(Path(root) / "speeds.json", limits.threads_per_job, attempts=1).join()
        calibrated = measured_speed("logistic", "float32") is not None  # else the machine was busy
        queue, store = TrainingQueue(limits), RunStore(root)
        ended: dict[str, float] = {}
        all_ended = threading.Event()
        rows = []
        for i, (arch, name) in enumerate(MIX):
            config = preset(arch, name, **({"train_examples": QUICK_EXAMPLES} if quick else {}))
            learner, address = f"learner-{i}", f"10.0.0.{i}"
            place = queue.place_if_started(config, learner, address)
            job = stored_job(config, data, store, learner=learner)
            job.address = address
            job.add_done_callback(lambda done, key=learner: _ended(ended, key, len(MIX), all_ended))
            rows.append({"learner": learner, "preset": f"{arch} `{name}`", "ahead": place.ahead,
                         "calibrated": calibrated, "shown": (place.wait_seconds or 0.0) + place.own_seconds,
                         "pressed": time.time()})
            queue.submit(job)
        if not all_ended.wait(timeout=1_800):
            raise TimeoutError("the trainings did not all end within 30 minutes")
        queue.close()
        for row in rows:
            row["real"] = ended[row["learner"]] - row["pressed"]
            row["ratio"] = row["shown"] / row["real"]
        return rows


def _ended(ended: dict[str, float], learner: str, expected: int, all_ended: threading.Event) -> None:
    ended[learner] = time.time()
    if len(ended) == expected:
        all_ended.set()


def measure_waits(out: Report, quick: bool, data_dir: str | None = None) -> list[float]:
    """Prints the table; returns shown / real per learner."""
    rows = shown_against_real(quick, data_dir)
    out.table("learner", "preset", "trainings ahead at Start", "shown at Start, s", "real, Start to saved run, s",
              "shown / real")
    for row in rows:
        out.row(row["learner"], row["preset"], row["ahead"], f"{row['shown']:.1f}", f"{row['real']:.1f}",
                f"{row['ratio']:.2f}")
        out.append("learners", row)
    ratios = [row["ratio"] for row in rows]
    out.say(f"\nshown / real: median (min-max) {spread(ratios, '.2f')}; within ±35% for "
            f"{sum(0.65 <= r <= 1.35 for r in ratios)} of {len(ratios)}; speeds "
            + ("measured on this machine" if rows[0]["calibrated"] else "of the registry (the machine was busy)"))
    return ratios
