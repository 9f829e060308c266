"""Command line training: `python -m core.cli --arch cnn [--preset default] [--json]`.

Uses the same job and store as the app: the run shows up in the app's lists. With
$DIGITS_RAY_ADDRESS set it trains on that Ray cluster, as the app does (a teacher can
pre-train there). Every hyperparameter of core.training.config.TrainConfig is a flag, with its
range in --help.
Ctrl-C stops the run and keeps (and saves) the model trained so far.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from core.analysis.compare import examples_to_accuracy, time_to_accuracy
from core.config.fields import ConfigError, field_range, quoted
from core.config.settings import settings
from core.data.datasets import DATASETS, DEFAULT_DATASET, dataset_spec
from core.data.loading import DataError, load_dataset
from core.jobs.job import TrainingJob
from core.jobs.run_keeper import stored_job
from core.jobs.threads import use_one_torch_thread
from core.models.architectures import ARCHITECTURES
from core.store.checkpoints import StoreError
from core.store.runs import RunStore
from core.training.config import SETTINGS, TrainConfig, build_config
from core.training.engine import resolve_device
from core.training.status import Status

WATCH_SECONDS = 0.2  # how often the command line prints a training's progress


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m core.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", required=True, choices=sorted(ARCHITECTURES))
    presets = sorted({name for arch in ARCHITECTURES.values() for name in arch.presets})
    parser.add_argument("--preset", default="default", choices=presets,
                        help="starting configuration (default: %(default)s)")
    parser.add_argument("--dataset", default=DEFAULT_DATASET, choices=sorted(DATASETS))
    for name in SETTINGS:  # every hyperparameter; text is read as the field's type by build_config
        meta = field_range(TrainConfig, name)
        allowed = "|".join(meta["options"]) if meta["kind"] == "choice" else f"{meta['min']}..{meta['max']}"
        parser.add_argument(f"--{name.replace('_', '-')}", default=None, metavar=name.upper(),
                            help=f"{meta['help']} ({allowed}; preset's value when left out)")
    parser.add_argument("--model", type=json.loads, default=None, metavar="JSON",
                        help='model options as JSON, e.g. \'{"hidden": [256], "dropout": 0.1}\'')
    parser.add_argument("--data-dir", default=None, help="data root holding the dataset's folder, e.g. MNIST/raw (default: $DIGITS_DATA_DIR or ./data)")
    parser.add_argument("--store-dir", default=None, help="where runs are saved (default: $DIGITS_STORE_DIR or ./runs)")
    parser.add_argument("--nickname", default="cli", help="who the run is attributed to")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the results")
    return parser.parse_args(argv)


def config_of(args: argparse.Namespace) -> TrainConfig:
    if args.model is not None and not isinstance(args.model, dict):
        raise ConfigError(f"--model must be a JSON object such as '{{\"hidden\": [256]}}', got {quoted(args.model)}")
    values = {name: getattr(args, name) for name in SETTINGS if getattr(args, name) is not None}
    return build_config({"arch": args.arch, "dataset": args.dataset, "model": args.model, **values}, args.preset)


def watch(job: TrainingJob, out=None) -> None:
    """Print a line per train-loss point and per epoch until the job ends."""
    out = out or sys.stdout
    points = epochs = 0
    while True:
        snap = job.snapshot()
        for seen, loss in snap.history.train_points[points:]:
            print(f"  {seen:>9,} examples  loss {loss:.4f}  {snap.examples_per_second:,.0f} ex/s", file=out)
        for e in snap.history.epochs[epochs:]:
            train = f"train loss {e.train_loss:.4f} acc {e.train_accuracy:.2%}  " if e.epoch else ""
            print(f"epoch {e.epoch}: {train}test loss {e.test_loss:.4f} acc {e.test_accuracy:.2%}  "
                  f"({e.train_seconds:.1f} s training)", file=out, flush=True)
        points, epochs = len(snap.history.train_points), len(snap.history.epochs)
        if snap.done:
            return
        time.sleep(WATCH_SECONDS)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    use_one_torch_thread()
    try:
        server = settings()  # every DIGITS_* variable, checked before anything runs
        config = config_of(args)
        if not server.ray_address:  # a cluster's workers have devices of their own
            resolve_device(config.device)
        data = load_dataset(args.data_dir, dataset_spec(config.dataset))
        store = RunStore(args.store_dir)
    except (ConfigError, DataError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    job = stored_job(config, data, store, nickname=args.nickname)
    where = f"{len(data.train):,} images from {data.root}"
    if server.ray_address:
        from core.jobs.ray_executor import RayExecutor
        job.threads = server.cluster_job_threads
        job.executor = RayExecutor(server.ray_address, store, str(data.root))
        where += f", on the Ray cluster at {server.ray_address}"
    job.start()
    print(f"training {config.arch} ({args.preset} preset) on {where}")
    try:
        watch(job)
    except KeyboardInterrupt:
        print("stopping: keeping the model trained so far…", file=sys.stderr)
        job.stop()
        watch(job)
    snap = job.wait()
    print(f"{snap.status}: {snap.message}")
    if snap.status == Status.FAILED:
        return 1
    print(f"test accuracy {snap.test_accuracy:.2%}, test loss {snap.test_loss:.4f}, "
          f"{snap.train_seconds:.1f} s training, {snap.examples_per_second:,.0f} examples/s, run {snap.run_id}")
    seconds_to = {f"{t:.0%}": s for t, s in time_to_accuracy(snap.history).items()}
    examples_to = {f"{t:.0%}": n for t, n in examples_to_accuracy(snap.history).items()}
    grain = f"checked every {config.test_every:,} examples" if config.test_every else "checked at epoch ends"
    print(f"training seconds to test accuracy ({grain}): "
          + ", ".join(f"{name} {'not reached' if s is None else f'{s:.1f} s'}" for name, s in seconds_to.items()))
    if args.json:
        print(json.dumps({"arch": config.arch, "preset": args.preset, "status": str(snap.status),
                          "test_accuracy": snap.test_accuracy, "test_loss": snap.test_loss,
                          "train_seconds": snap.train_seconds, "examples_per_second": snap.examples_per_second,
                          "param_count": snap.param_count, "run_id": snap.run_id,
                          "seconds_to": seconds_to, "examples_to": examples_to,
                          "config": config.to_dict()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
