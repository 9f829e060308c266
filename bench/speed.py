"""Training speed against the tutorial pipeline, time to accuracy, memory and inference.

    DIGITS_DATA_DIR=../shared/data python -m bench.speed           # full: about 5 minutes on 2 cores
    DIGITS_DATA_DIR=../shared/data python -m bench.speed --quick   # CI: a few hundred steps

Every measurement runs in a fresh process (`--part`), as a learner's run would, so one
measurement's thread pools and caches never flatter or slow the next one.
  throughput  one epoch of seed 000's CNN (SGD lr 0.01 momentum 0.5, batch 64) fed by the
              seed's torchvision pipeline (per-sample PIL, ToTensor, Normalize, DataLoader)
              against the project's trainer on the identical model, optimizer and batch
  presets     each architecture's `default` preset through a TrainingJob, as the app and
              the CLI train: training seconds, test accuracy, seconds to 90/95/98/99%,
              the process's peak RSS, and the time to evaluate the 10,000 test digits
"""
from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import threading
import time

QUICK_STEPS = 300        # batches per throughput measurement with --quick
QUICK_EXAMPLES = 5_000   # training images per preset with --quick
ARCHS = ("logistic", "mlp", "cnn")


def tutorial_net():
    """Seed 000's network as the tutorial defines it: the same layers and parameter count as
    `core.models` builds for the `seed` preset, in PyTorch's default NCHW layout."""
    import torch.nn.functional as F
    from torch import nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(1, 10, kernel_size=5), nn.Conv2d(10, 20, kernel_size=5)
            self.conv2_drop = nn.Dropout2d()
            self.fc1, self.fc2 = nn.Linear(320, 50), nn.Linear(50, 10)

        def forward(self, x):
            x = F.relu(F.max_pool2d(self.conv1(x), 2))
            x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
            x = F.dropout(F.relu(self.fc1(x.flatten(1))), training=self.training)
            return self.fc2(x)

    return Net()


def seed_pipeline(data_dir: str, steps: int | None, network: str) -> dict:
    """Seed 000's loop and data pipeline; examples/s over the timed batches. `network`:
    "tutorial" (its own NCHW model) or "project" (`core.models`' build of the same net)."""
    import torch
    import torch.nn.functional as F
    from torchvision import datasets, transforms

    from core.config import preset
    from core.datasets import MNIST
    from core.models import build_model

    config = preset("cnn", "tutorial")
    torch.manual_seed(config.seed)
    # the project's models standardise their input themselves; the tutorial's net needs Normalize
    steps_in = [transforms.ToTensor()] + [transforms.Normalize((MNIST.mean,), (MNIST.std,))] * (network == "tutorial")
    dataset = datasets.MNIST(data_dir, train=True, download=False, transform=transforms.Compose(steps_in))
    loader = torch.utils.data.DataLoader(dataset, batch_size=config.batch_size, shuffle=True)
    model = (tutorial_net() if network == "tutorial" else build_model("cnn", config.model)).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum)
    seen, start = 0, time.perf_counter()
    for step, (images, labels) in enumerate(loader):
        if steps is not None and step == steps:
            break
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        seen += len(labels)
    return {"examples": seen, "seconds": time.perf_counter() - start}


def project_trainer(data_dir: str, steps: int | None) -> dict:
    from core.config import preset
    from core.data import load_dataset
    from core.jobs import TrainingJob, use_one_torch_thread

    use_one_torch_thread()
    config = preset("cnn", "tutorial", epochs=1)
    if steps is not None:
        config = preset("cnn", "tutorial", epochs=1, train_examples=steps * config.batch_size)
    snap = TrainingJob(config, load_dataset(data_dir)).start().wait()
    return {"examples": snap.examples_seen, "seconds": snap.train_seconds}


def default_preset(data_dir: str, arch: str, quick: bool) -> dict:
    import torch

    from core.compare import time_to_accuracy
    from core.config import preset
    from core.data import load_dataset
    from core.evaluation import evaluate
    from core.jobs import TrainingJob, use_one_torch_thread
    from core.settings import settings, usable_cores

    use_one_torch_thread()
    data = load_dataset(data_dir)
    config = preset(arch, epochs=1, train_examples=QUICK_EXAMPLES) if quick else preset(arch)
    job = TrainingJob(config, data).start()
    snap = job.wait()
    timings = []

    def evaluate_test_set() -> None:  # on a fresh thread, as a Streamlit script run does
        torch.set_num_threads(settings().torch_threads or usable_cores())
        for _ in range(3):
            start = time.perf_counter()
            evaluate(job.result.model, data.test)
            timings.append(time.perf_counter() - start)

    worker = threading.Thread(target=evaluate_test_set)
    worker.start()
    worker.join()
    return {"arch": arch, "status": str(snap.status), "epochs": config.epochs, "train_seconds": snap.train_seconds,
            "test_accuracy": snap.test_accuracy, "reached": time_to_accuracy(snap.history),
            "eval_seconds": sorted(timings)[1], "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_part(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.speed", *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_STEPS} steps and {QUICK_EXAMPLES:,} images: "
                                                             "checks the command works, measures little")
    parser.add_argument("--data-dir", default=None, help="folder holding MNIST/raw (default: $DIGITS_DATA_DIR or ./data)")
    parser.add_argument("--part", help=argparse.SUPPRESS)  # one measurement, in a child process
    parser.add_argument("--arch", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from core.data import data_dir
    root = str(data_dir(args.data_dir))
    steps = QUICK_STEPS if args.quick else None
    if args.part:
        result = {"seed": lambda: seed_pipeline(root, steps, "tutorial"),
                  "seed-project-net": lambda: seed_pipeline(root, steps, "project"),
                  "project": lambda: project_trainer(root, steps),
                  "preset": lambda: default_preset(root, args.arch, args.quick)}[args.part]()
        print(json.dumps(result))
        return

    common = ["--data-dir", root] + (["--quick"] if args.quick else [])
    import torch
    print(f"# bench.speed{' --quick' if args.quick else ''}: {time.strftime('%Y-%m-%d')}, {_cpu_name()}, "
          f"{torch.get_num_threads()} torch threads, torch {torch.__version__}, Python {platform.python_version()}")
    print("\n| pipeline (seed 000 CNN, SGD lr 0.01 m 0.5, batch 64) | examples | seconds | examples/s |")
    print("| --- | --- | --- | --- |")
    rates = {}
    for name, label in (("seed", "tutorial DataLoader (ToTensor, Normalize), tutorial's network"),
                        ("seed-project-net", "tutorial DataLoader, `core.models` network"),
                        ("project", "project trainer, `core.models` network")):
        r = run_part("--part", name, *common)
        rates[name] = r["examples"] / r["seconds"]
        print(f"| {label} | {r['examples']:,} | {r['seconds']:.1f} | {rates[name]:,.0f} |", flush=True)
    print(f"\nSame-config speed-up: {rates['project'] / rates['seed']:.2f}x over the tutorial as written, "
          f"{rates['project'] / rates['seed-project-net']:.2f}x from the data path and loop alone")
    print("\n| `default` preset | epochs | training s | test accuracy | s to 90% | 95% | 98% | 99% "
          "| test-set eval s | peak RSS MB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for arch in ARCHS:
        r = run_part("--part", "preset", "--arch", arch, *common)
        reached = " | ".join("-" if s is None else f"{s:.1f}" for s in r["reached"].values())
        print(f"| {arch} | {r['epochs']} | {r['train_seconds']:.1f} | {r['test_accuracy']:.2%} | {reached} "
              f"| {r['eval_seconds']:.2f} | {r['peak_rss_mb']:,.0f} |", flush=True)


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        return f"{len(names)} x {names[0]}"
    except (OSError, IndexError):
        return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
