"""Training speed: the presets against their targets, the tutorial's pipeline, where a batch goes,
memory over many trainings, bf16 autocast, and training in a thread against the main thread.

    DIGITS_DATA_DIR=../shared/data python -m bench.speed all           # pairs, presets in T, profile, memory
    DIGITS_DATA_DIR=../shared/data python -m bench.speed all --only pairs --only presets
    DIGITS_DATA_DIR=../shared/data python -m bench.speed all --quick   # CI: a few hundred steps each
    DIGITS_DATA_DIR=../shared/data python -m bench.speed presets       # one part; `--help` lists them

The measurements of pairs, presets, profile, memory and threads each run in a fresh process
(bench.common.in_fresh_process), as a learner's run would, so one measurement's thread pools
and caches never flatter or slow the next one.
"""
from __future__ import annotations

import argparse
import math
import statistics

from bench.common import QUICK_STEPS, Part, Report, data_root, epoch_seconds, header, in_fresh_process, main
from bench.speed.measure import ALL, PAIRS, ROUNDS, SEEDS, TARGETS, THREAD_VARIANTS, thread_variant


# -- parts: the tables ---------------------------------------------------------------------------
def _child_args(args: argparse.Namespace) -> dict:
    return {"data_dir": str(data_root(args.data_dir))}


def pairs(args: argparse.Namespace, out: Report, count: int | None = None) -> float:
    """Prints the pairs' table; returns T, the tutorial's median epoch seconds. Each pair is the
    tutorial, then the project's trainer as it trains (`auto` precision), then the project's
    trainer in float32, each in a fresh process."""
    count = count or (1 if args.quick else args.pairs)
    steps = QUICK_STEPS if args.quick else None
    out.table("pair", "tutorial as written, s", "project trainer, s", "speed-up", "its precision, test accuracy",
              "project in float32, s", "speed-up in float32", "float32 test accuracy")
    tutorial, ups, ups32 = [], [], []
    for i in range(count):
        seed = in_fresh_process("bench.common:tutorial_epoch", steps=steps, **_child_args(args))
        ours = in_fresh_process("bench.speed.measure:project_epoch", steps=steps, **_child_args(args))
        ours32 = in_fresh_process("bench.speed.measure:project_epoch", steps=steps, precision="float32",
                                  **_child_args(args))
        tutorial.append(epoch_seconds(seed))
        ups.append(tutorial[-1] / epoch_seconds(ours))
        ups32.append(tutorial[-1] / epoch_seconds(ours32))
        out.row(i + 1, f"{tutorial[-1]:.1f}", f"{epoch_seconds(ours):.1f}", f"{ups[-1]:.2f}x",
                f"{ours['precision']}, {ours['accuracy']:.2%}", f"{epoch_seconds(ours32):.1f}", f"{ups32[-1]:.2f}x",
                f"{ours32['accuracy']:.2%}")
        out.append("pairs", {"tutorial_s": tutorial[-1], "project_s": epoch_seconds(ours), "speedup": ups[-1],
                             "precision": ours["precision"], "accuracy": ours["accuracy"],
                             "float32_s": epoch_seconds(ours32), "float32_speedup": ups32[-1],
                             "float32_accuracy": ours32["accuracy"]})
    T = out.put("T", statistics.median(tutorial))
    out.put("speedup", {"median": statistics.median(ups), "min": min(ups), "max": max(ups)})
    out.put("float32_speedup", {"median": statistics.median(ups32), "min": min(ups32), "max": max(ups32)})
    out.say(f"\nT = {T:.1f} s (the tutorial's one epoch, median of {count}); same-config speed-up "
            f"{statistics.median(ups):.2f}x median, {min(ups):.2f}-{max(ups):.2f}x range; in float32 "
            f"{statistics.median(ups32):.2f}x, {min(ups32):.2f}-{max(ups32):.2f}x (seconds scaled to a "
            "60,000-image epoch)")
    return T


def presets(args: argparse.Namespace, out: Report, T: float | None) -> None:
    seeds = SEEDS[:1] if args.quick else SEEDS
    out.table("preset", "runs", "training s, median (range)", "× T", "test accuracy, median (min)",
              "s to its floor, median", "target", "met (in T)")
    for (arch, name), target in TARGETS.items():
        runs = [in_fresh_process("bench.speed.measure:preset_run", arch=arch, name=name, seed=s, quick=args.quick,
                                 **_child_args(args)) for s in seeds]
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
        out.row(f"{arch} `{name}`", len(runs), f"{median_s:.2f} ({min(train):.2f}-{max(train):.2f})",
                "-" if T is None else f"{median_s / T:.2f}", f"{median_acc:.2%} ({min(accuracy):.2%})", to_target,
                f"≥ {target.floor:.1%} (each ≥ {target.every_run:.1%}) in ≤ {target.seconds:g} s "
                f"= {target.in_T:g} T",
                "yes" if met else "no" if T is not None else "-")
        out.append("presets", {"arch": arch, "preset": name, "runs": runs, "median_train_seconds": median_s,
                               "median_test_accuracy": median_acc, "median_seconds_to_floor": None
                               if reached == math.inf else reached, "met": met if T is not None else None})


def profile(args: argparse.Namespace, out: Report) -> None:
    r = out.put("profile", in_fresh_process("bench.speed.measure:seed_profile", quick=args.quick, **_child_args(args)))
    out.say(f"\nProject trainer, seed config, {r['steps']} batches of 64: {r['ms_per_step']:.2f} ms a batch; "
            f"{r['op_share']:.0%} of it inside PyTorch's operators ({r['conv_share']:.0%} convolutions and their "
            f"gradients), {1 - r['op_share']:.0%} Python and dispatch between them.")
    out.say(f"Arithmetic: {r['model_gflop_per_step']:.3f} GFLOP a batch (forward and backward) = "
            f"{r['achieved_gflops']:.1f} GFLOP/s achieved, against {r['matmul_gflops']:.0f} GFLOP/s for a "
            f"1024² float32 matmul and {r['conv_gflops']:.0f} GFLOP/s for one large conv on this machine.")
    out.table("operator", "share of a batch")
    for name, share in r["top_ops"]:
        out.row(name, f"{share:.0%}")


def memory(args: argparse.Namespace, out: Report) -> None:
    rounds = 2 if args.quick else args.rounds
    r = out.put("memory", in_fresh_process("bench.speed.measure:memory_rounds", rounds=rounds, quick=args.quick,
                                           **_child_args(args)))
    growth = r["after_last"] - r["after_first"]
    out.say(f"\nPeak RSS of one process training every default preset {rounds} times: {r['after_first']:.0f} MB after "
            f"round 1, {r['after_last']:.0f} MB after round {rounds} (growth {growth:+.0f} MB); "
            "per round: " + ", ".join(f"{mb:.0f}" for mb in r["peaks"]) + " MB")


def run_all(args: argparse.Namespace, out: Report) -> None:
    chosen = args.only or ALL
    header(out, args)
    T = pairs(args, out) if "pairs" in chosen else None
    if "presets" in chosen:
        presets(args, out, None if args.quick else T)
    if "profile" in chosen:
        profile(args, out)
    if "memory" in chosen:
        memory(args, out)


def run_pairs(args: argparse.Namespace, out: Report) -> None:
    header(out, args)
    pairs(args, out)


def run_presets(args: argparse.Namespace, out: Report) -> None:
    header(out, args)
    presets(args, out, None if args.quick else args.T)


def run_profile(args: argparse.Namespace, out: Report) -> None:
    header(out, args)
    profile(args, out)


def run_memory(args: argparse.Namespace, out: Report) -> None:
    header(out, args)
    memory(args, out)


def run_estimates(args: argparse.Namespace, out: Report) -> None:
    from bench.speed.estimates import measure_estimates
    header(out, args)
    measure_estimates(out, args.quick)


def run_waits(args: argparse.Namespace, out: Report) -> None:
    from bench.speed.waits import measure_waits
    header(out, args)
    measure_waits(out, args.quick, args.data_dir)


def run_eval_batches(args: argparse.Namespace, out: Report) -> None:
    from bench.speed.eval_batches import measure_eval_batches
    header(out, args)
    measure_eval_batches(out, 3 if args.quick else args.repeat, args.data_dir)


def _eval_batches_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeat", type=int, default=9, help="passes timed per figure (their median)")


def run_memory_estimates(args: argparse.Namespace, out: Report) -> None:
    from bench.speed.estimates import measure_memory_estimates
    header(out, args)
    measure_memory_estimates(out, str(data_root(args.data_dir)))


def run_bf16(args: argparse.Namespace, out: Report) -> None:
    """Presets trained as the app trains them, in float32 and in bf16, seeds 0-2, fresh processes."""
    from core.training.precision import CPU_BF16_FLAGS, cpu_flags
    header(out, args)
    flags = sorted(cpu_flags() & {*CPU_BF16_FLAGS, "amx_tile", "avx512f"})
    out.say(f"\nCPU flags for bf16: {', '.join(flags) or 'none'} (native bf16: "
            f"{'yes' if set(CPU_BF16_FLAGS) & set(flags) else 'no, emulated'})")
    seeds = SEEDS[:1] if args.quick else SEEDS
    out.table("preset", "precision", "training s, median (range)", "× T", "test accuracy, median (min)",
              "bf16 speed-up")
    for arch, name in args.preset or [("cnn", "fast")]:
        medians = {}
        for precision in ("float32", "bf16"):
            runs = [in_fresh_process("bench.speed.measure:preset_run", arch=arch, name=name, seed=s, quick=args.quick,
                                     precision=precision, **_child_args(args)) for s in seeds]
            train, accuracy = [r["train_seconds"] for r in runs], [r["test_accuracy"] for r in runs]
            medians[precision] = statistics.median(train)
            out.row(f"{arch} `{name}`", precision, f"{medians[precision]:.2f} ({min(train):.2f}-{max(train):.2f})",
                    "-" if args.T is None else f"{medians[precision] / args.T:.2f}",
                    f"{statistics.median(accuracy):.2%} ({min(accuracy):.2%})",
                    "" if precision == "float32" else f"{medians['float32'] / medians['bf16']:.2f}x")
            out.append("runs", {"arch": arch, "preset": name, "precision": precision, "runs": runs})


def _bf16_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", type=lambda text: tuple(text.split(":")), action="append", metavar="ARCH:NAME",
                        help="a preset to train in both precisions (repeatable; default cnn:fast)")
    parser.add_argument("--T", type=float, default=None, metavar="SECONDS", help="the tutorial's epoch, for × T")


def run_threads(args: argparse.Namespace, out: Report) -> None:
    header(out, args)
    repeat = 1 if args.quick else args.repeat
    out.say(f"\n{args.arch} preset 'default', 1 epoch{' of 5,000 images' if args.quick else ''}; "
            "each figure is a fresh process")
    out.table("variant", "train s (each)", "median", "context switches")
    for variant in THREAD_VARIANTS:
        runs = [in_fresh_process("bench.speed.measure:thread_variant", variant=variant, arch=args.arch,
                                 quick=args.quick, **_child_args(args)) for _ in range(repeat)]
        seconds = [r["seconds"] for r in runs]
        switches = int(statistics.median(r["switches"] for r in runs))
        out.row(variant, ", ".join(f"{s:.2f}" for s in seconds), f"{statistics.median(seconds):.2f}", f"{switches:,}")
        out.append("variants", {"variant": variant, "runs": runs})


def _all_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--only", choices=ALL, action="append", help="run only this part of `all` (repeatable)")
    parser.add_argument("--pairs", type=int, default=PAIRS, help="tutorial/project pairs, interleaved")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="memory: trainings of each default preset")
    parser.set_defaults(T=None)


def _pairs_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pairs", type=int, default=PAIRS, help="tutorial/project pairs, interleaved")


def _presets_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--T", type=float, default=None, metavar="SECONDS",
                        help="the tutorial's epoch from an earlier pairs run, to judge the budgets in T")


def _memory_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="trainings of each default preset")


def _threads_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--arch", default="mlp")
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per variant")


PARTS = (
    Part("all", run_all, "pairs, presets judged in T, profile and memory, in that order (--only to choose)",
         "about 25-30 min on 2 cores; --quick about 3 min", _all_options),
    Part("pairs", run_pairs, "T, the tutorial's epoch, and the same-config speed-up: seed 000's CNN for one epoch "
         "(SGD lr 0.01 m 0.5, batch 64) through the tutorial's torchvision pipeline, then through the project's "
         "trainer, interleaved",
         "5 pairs; a tutorial epoch took 11.4-36.4 s, the project's 3.5-11.0 s", _pairs_options),
    Part("presets", run_presets, "the fast and default preset of every architecture, seeds 0-2, through a "
         "TrainingJob as the app trains: training s, accuracy, s to its floor, against the targets",
         "18 trainings in fresh processes, 0.4-39 s of training each on 2026-12-02", _presets_options,
         "Without --T the budgets in T are not judged ('-'); `all` measures T first."),
    Part("estimates", run_estimates, "the training-time estimate (core.training.budget) against measured "
         "trainings: every preset and the extremes the caps allow, each on a slice of the training set",
         "17 trainings in one process, about 2 minutes on 2026-12-06"),
    Part("waits", run_waits, "the wait the Train page shows at Start (the trainings ahead, then the learner's own) "
         "against the real one, from Start to the saved run: 8 learners on 8 networks start a mix of presets at "
         "once on a fresh server's queue", "8 trainings, about a minute on 2 cores"),
    Part("eval-batches", run_eval_batches, "what a training pauses for: a test-set check and a whole evaluation "
         "of the 10,000 test digits at batch 250-2000, each architecture's fast and default model, on a job's "
         "2 torch threads", "about a minute", _eval_batches_options),
    Part("memory-estimates", run_memory_estimates, "the training-memory estimate (core.training.budget) against "
         "the most memory trainings add while they run: every default preset and the largest the hosted caps "
         "allow, each in a fresh process, as a server's first training and as a later one", "22 processes"),
    Part("profile", run_profile, "where the project's seed-config batch goes (PyTorch profiler), this machine's "
         "matmul and conv GFLOP/s", "400 batches three times, at 4.0-10.4 ms a batch"),
    Part("memory", run_memory, "peak RSS of one process training every default preset --rounds times through a "
         "TrainingQueue and the run store", "10 rounds of the three default presets", _memory_options),
    Part("bf16", run_bf16, "presets (default: the fast CNN) trained as the app trains them in float32 and in bf16 "
         "(the `precision` setting), seeds 0-2, each in a fresh process, with the CPU's bf16 flags",
         "6 trainings per preset", _bf16_options),
    Part("threads", run_threads, "one epoch on the main thread, in a TrainingJob whose main thread owns an OpenMP "
         "pool, and in one started as the CLI does; voluntary context switches",
         "3 variants x --repeat fresh processes of one epoch", _threads_options, thread_variant.__doc__ or ""),
)

if __name__ == "__main__":
    main("speed", __doc__.split("\n\n")[0], PARTS)
