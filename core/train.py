"""Command line training: `python -m core.train --arch cnn [--preset default] [--json]`.

Uses the same job and store as the app: the run shows up in the app's lists.
Ctrl-C stops the run and keeps (and saves) the model trained so far.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from core.config import PRESETS, TrainConfig, field_range
from core.data import DataError, load_mnist
from core.jobs import FAILED, TrainingJob, use_one_torch_thread
from core.models import MODEL_OPTIONS
from core.ranges import ConfigError
from core.store import RunStore, StoreError

# CLI flag -> TrainConfig field; every other setting comes from the preset.
OVERRIDES = {"epochs": int, "batch_size": int, "lr": float, "optimizer": str, "momentum": float,
             "weight_decay": float, "schedule": str, "seed": int, "device": str,
             "train_examples": int, "log_every": int}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m core.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", required=True, choices=sorted(MODEL_OPTIONS))
    parser.add_argument("--preset", default="default", choices=["default", "seed"],
                        help="starting configuration (default: %(default)s)")
    for name, kind in OVERRIDES.items():
        meta = field_range(name) if name not in ("optimizer", "schedule", "device") else {}
        hint = f"{meta['help']}, {meta['min']}..{meta['max']}" if meta else "see core/config.py"
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=None, help=hint)
    parser.add_argument("--model", type=json.loads, default=None, metavar="JSON",
                        help='model options as JSON, e.g. \'{"hidden": [256], "dropout": 0.1}\'')
    parser.add_argument("--data-dir", default=None, help="folder holding MNIST/raw (default: $DIGITS_DATA_DIR or ./data)")
    parser.add_argument("--store-dir", default=None, help="where runs are saved (default: $DIGITS_STORE_DIR or ./runs)")
    parser.add_argument("--nickname", default="cli", help="who the run is attributed to")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the results")
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace) -> TrainConfig:
    values = {"arch": args.arch, **PRESETS[args.arch][args.preset]}
    values.update({k: getattr(args, k) for k in OVERRIDES if getattr(args, k) is not None})
    if args.model is not None:
        if not isinstance(args.model, dict):
            raise ConfigError(f"--model must be a JSON object such as '{{\"hidden\": [256]}}', got {args.model!r}")
        values["model"] = {**values.get("model", {}), **args.model}
    return TrainConfig.from_dict(values)


def watch(job: TrainingJob, out=None, poll_seconds: float = 0.2) -> None:
    """Print a line per train-loss point and per epoch until the job ends."""
    out = out or sys.stdout
    points = epochs = 0
    while True:
        snap = job.snapshot()
        for seen, loss in snap.train_points[points:]:
            print(f"  {seen:>9,} examples  loss {loss:.4f}  {snap.examples_per_second:,.0f} ex/s", file=out)
        for e in snap.epochs[epochs:]:
            train = f"train loss {e.train_loss:.4f} acc {e.train_accuracy:.2%}  " if e.epoch else ""
            print(f"epoch {e.epoch}: {train}test loss {e.test_loss:.4f} acc {e.test_accuracy:.2%}  "
                  f"({e.train_seconds:.1f} s training)", file=out, flush=True)
        points, epochs = len(snap.train_points), len(snap.epochs)
        if snap.done:
            return
        time.sleep(poll_seconds)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    use_one_torch_thread()
    try:
        config = build_config(args)
        data = load_mnist(args.data_dir)
    except (ConfigError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        store = RunStore(args.store_dir)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    job = TrainingJob(config, data, store, nickname=args.nickname).start()
    print(f"training {config.arch} ({args.preset} preset) on {len(data.train):,} images from {data.root}")
    try:
        watch(job)
    except KeyboardInterrupt:
        print("stopping: keeping the model trained so far…", file=sys.stderr)
        job.stop()
        watch(job)
    snap = job.wait()
    print(f"{snap.status}: {snap.message}")
    if snap.status == FAILED:
        return 1
    print(f"test accuracy {snap.test_accuracy:.2%}, test loss {snap.test_loss:.4f}, "
          f"{snap.train_seconds:.1f} s training, {snap.examples_per_second:,.0f} examples/s, run {snap.run_id}")
    if args.json:
        print(json.dumps({"arch": config.arch, "preset": args.preset, "status": snap.status,
                          "test_accuracy": snap.test_accuracy, "test_loss": snap.test_loss,
                          "train_seconds": snap.train_seconds, "examples_per_second": snap.examples_per_second,
                          "param_count": snap.param_count, "run_id": snap.run_id,
                          "config": config.to_dict()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
