"""Time one epoch of a preset with `fit` on the main thread, on a plain thread and in a TrainingJob.

    DIGITS_DATA_DIR=../shared/data python -m bench.thread_overhead --arch mlp --repeat 2
"""
from __future__ import annotations

import argparse
import threading

from core.config import preset
from core.data import load_mnist
from core.engine import fit
from core.jobs import TrainingJob


class Silent:
    def should_stop(self): return False
    def on_start(self, *args): pass
    def on_train_point(self, *args): pass
    def on_epoch(self, *args): pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--arch", default="mlp")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    data, config = load_mnist(), preset(args.arch, epochs=1)
    for _ in range(args.repeat):
        print(f"main thread      {fit(config, data, Silent()).train_seconds:6.2f} s", flush=True)
        box = {}
        worker = threading.Thread(target=lambda: box.setdefault("r", fit(config, data, Silent())))
        worker.start()
        worker.join()
        print(f"threading.Thread {box['r'].train_seconds:6.2f} s", flush=True)
        print(f"TrainingJob      {TrainingJob(config, data).start().wait().train_seconds:6.2f} s", flush=True)


if __name__ == "__main__":
    main()
