"""Training speed: presets against their targets, the tutorial pipeline, where an epoch goes, memory.

    DIGITS_DATA_DIR=../shared/data python -m bench.speed                  # all: about 25 minutes on 2 cores
    DIGITS_DATA_DIR=../shared/data python -m bench.speed --only presets   # one part (pairs, presets, profile, memory)
    DIGITS_DATA_DIR=../shared/data python -m bench.speed --quick          # CI: every part, a few hundred steps

Every measurement runs in a fresh process (`--part`), as a learner's run would, so one
measurement's thread pools and caches never flatter or slow the next one.
  pairs    seed 000's CNN for one epoch (SGD lr 0.01 momentum 0.5, batch 64) fed by the seed's
           torchvision pipeline (per-sample PIL, ToTensor, Normalize, DataLoader), then by the
           project's trainer, PAIRS times interleaved. The tutorial's epoch is T, the unit every
           budget is also given in, since these machines' speed drifts from day to day.
  presets  the `fast` and `default` preset of every architecture, seeds 0-2, through a
           TrainingJob as the app and the CLI train, the whole test set checked every
           CHECK_EVERY examples off the clock: training seconds, accuracy, seconds to its target
  profile  where the project's seed-config epoch goes, and this machine's matmul and conv speed
  memory   peak RSS of one process that trains every default preset ROUNDS times (bench/speed_parts.py)
"""
from __future__ import annotations

import argparse
import math
import platform
import statistics
import time

from bench.speed_parts import PARTS, QUICK_EXAMPLES, QUICK_STEPS, TARGETS, run_part

PAIRS = 5              # interleaved tutorial/project pairs
SEEDS = (0, 1, 2)      # each preset's runs
ROUNDS = 10            # memory: trainings of each default preset in one process


def pairs(common: list[str], count: int) -> float:
    """Prints the pairs' table; returns T, the tutorial's median epoch seconds."""
    print("\n| pair | tutorial as written, s | project trainer, s | speed-up |\n| --- | --- | --- | --- |")
    tutorial, project, ups = [], [], []
    for i in range(count):
        seed, ours = run_part("seed", *common), run_part("project", *common)
        tutorial.append(seed["seconds"] * 60_000 / seed["examples"])
        project.append(ours["seconds"] * 60_000 / ours["examples"])
        ups.append(tutorial[-1] / project[-1])
        print(f"| {i + 1} | {tutorial[-1]:.1f} | {project[-1]:.1f} | {ups[-1]:.2f}x |", flush=True)
    T = statistics.median(tutorial)
    print(f"\nT = {T:.1f} s (the tutorial's one epoch, median of {count}); same-config speed-up "
          f"{statistics.median(ups):.2f}x median, {min(ups):.2f}-{max(ups):.2f}x range "
          f"(seconds scaled to a 60,000-image epoch)")
    return T


def presets(common: list[str], T: float | None, seeds: tuple[int, ...]) -> None:
    print("\n| preset | runs | training s, median (range) | × T | test accuracy, median (min) "
          "| s to its floor, median | target | met (in T) |\n| --- | --- | --- | --- | --- | --- | --- | --- |")
    for (arch, name), target in TARGETS.items():
        runs = [run_part("preset", "--arch", arch, "--preset", name, "--seed", str(s), *common) for s in seeds]
        train = [r["train_seconds"] for r in runs]
        accuracy = [r["test_accuracy"] for r in runs]
        reach = [r["seconds_to"][f"{target.floor:.1%}"] for r in runs]
        median_s, median_acc = statistics.median(train), statistics.median(accuracy)
        met = median_acc >= target.floor and min(accuracy) >= target.every_run and \
            (T is not None and median_s <= target.in_T * T)
        # a run that never reached the floor counts as the slowest: the median of three still says
        # how fast two of them got there
        reached = statistics.median([math.inf if r is None else r for r in reach])
        to_target = f"{reached:.2f}" if reached != math.inf else "not reached"
        print(f"| {arch} `{name}` | {len(runs)} | {median_s:.2f} ({min(train):.2f}-{max(train):.2f}) "
              f"| {'-' if T is None else f'{median_s / T:.2f}'} | {median_acc:.2%} ({min(accuracy):.2%}) "
              f"| {to_target} | ≥ {target.floor:.1%} (each ≥ {target.every_run:.1%}) in ≤ {target.seconds:g} s "
              f"= {target.in_T:g} T | {'yes' if met else 'no' if T is not None else '-'} |", flush=True)


def profile(common: list[str]) -> None:
    r = run_part("profile", *common)
    print(f"\nProject trainer, seed config, {r['steps']} batches of 64: {r['ms_per_step']:.2f} ms a batch; "
          f"{r['op_share']:.0%} of it inside PyTorch's operators ({r['conv_share']:.0%} convolutions and their "
          f"gradients), {1 - r['op_share']:.0%} Python and dispatch between them.")
    print(f"Arithmetic: {r['model_gflop_per_step']:.3f} GFLOP a batch (forward and backward) = "
          f"{r['achieved_gflops']:.1f} GFLOP/s achieved, against {r['matmul_gflops']:.0f} GFLOP/s for a "
          f"1024² float32 matmul and {r['conv_gflops']:.0f} GFLOP/s for one large conv on this machine.")
    print("\n| operator | share of a batch |\n| --- | --- |")
    for name, share in r["top_ops"]:
        print(f"| {name} | {share:.0%} |")


def memory(common: list[str], rounds: int) -> None:
    r = run_part("memory", "--rounds", str(rounds), *common)
    print(f"\nPeak RSS of one process training every default preset {rounds} times: {r['after_first']:.0f} MB after "
          f"round 1, {r['after_last']:.0f} MB after round {rounds} (growth {r['after_last'] - r['after_first']:+.0f} MB); "
          "per round: " + ", ".join(f"{mb:.0f}" for mb in r["peaks"]) + " MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_STEPS} steps, {QUICK_EXAMPLES:,} images, one "
                                                             "pair, one seed, two rounds: checks the command works")
    parser.add_argument("--only", choices=PARTS, action="append", help="run only this part (repeatable)")
    parser.add_argument("--data-dir", default=None, help="folder holding MNIST/raw (default: $DIGITS_DATA_DIR or ./data)")
    args = parser.parse_args()
    from core.config.settings import data_dir
    common = ["--data-dir", str(data_dir(args.data_dir))] + (["--quick"] if args.quick else [])
    chosen = args.only or PARTS
    import torch
    print(f"# bench.speed{' --quick' if args.quick else ''}: {time.strftime('%Y-%m-%d')}, {_cpu_name()}, "
          f"{torch.get_num_threads()} torch threads, torch {torch.__version__}, Python {platform.python_version()}")
    T = pairs(common, 1 if args.quick else PAIRS) if "pairs" in chosen else None
    if "presets" in chosen:
        presets(common, None if args.quick else T, SEEDS[:1] if args.quick else SEEDS)
    if "profile" in chosen:
        profile(common)
    if "memory" in chosen:
        memory(common, 2 if args.quick else ROUNDS)


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        return f"{len(names)} x {names[0]}"
    except (OSError, IndexError):
        return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
