"""Time one epoch of a preset on the main thread and in a TrainingJob, each in a fresh process.

    DIGITS_DATA_DIR=../shared/data python -m bench.thread_overhead --arch mlp --repeat 3

Variants:
  main         `fit` on the main thread, which also loaded the data
  job-pooled   a TrainingJob started by a main thread that loaded the data with
               all torch threads (so that thread holds an OpenMP pool)
  job          a TrainingJob started the way the CLI does it: the main thread calls
               `use_one_torch_thread()` first
Voluntary context switches (from getrusage) show the pools sleeping between operations.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys

VARIANTS = ("main", "job-pooled", "job")


class Silent:
    def should_stop(self): return False
    def on_start(self, *args): pass
    def on_train_point(self, *args): pass
    def on_probe(self, *args): pass
    def on_check(self, *args): pass
    def on_epoch(self, *args): pass


def measure(variant: str, arch: str) -> dict:
    from core.data.loading import load_dataset
    from core.jobs.job import TrainingJob
    from core.jobs.threads import use_one_torch_thread
    from core.training.config import preset
    from core.training.engine import fit

    if variant == "job":
        use_one_torch_thread()
    data, config = load_dataset(), preset(arch, epochs=1)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw
    if variant == "main":
        seconds = fit(config, data, Silent()).train_seconds
    else:
        seconds = TrainingJob(config, data).start().wait().train_seconds
    return {"seconds": seconds, "switches": resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw - before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", default="mlp")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)  # one child process
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(measure(args.variant, args.arch)))
        return
    print(f"{args.arch} preset 'default', 1 epoch; each figure is a fresh process")
    print(f"{'variant':<12} {'train s (each)':<28} {'median':>7} {'context switches':>18}")
    for variant in VARIANTS:
        runs = [json.loads(subprocess.run(
            [sys.executable, "-m", "bench.thread_overhead", "--arch", args.arch, "--variant", variant],
            check=True, capture_output=True, text=True).stdout.splitlines()[-1]) for _ in range(args.repeat)]
        seconds = [r["seconds"] for r in runs]
        print(f"{variant:<12} {', '.join(f'{s:.2f}' for s in seconds):<28} {statistics.median(seconds):7.2f} "
              f"{int(statistics.median(r['switches'] for r in runs)):>18,}", flush=True)


if __name__ == "__main__":
    main()
