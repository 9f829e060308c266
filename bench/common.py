"""What every bench tool shares: the command line, the one output convention, MNIST from the
data root (never downloaded), median/range summaries, timing, fresh processes, the tutorial's
epoch T.

Each tool is `python -m bench.<tool> <part> [options]` from the repository root:
`python -m bench.<tool> --help` lists its parts, `python -m bench.<tool> <part> --help` a
part's options. Every part takes

  --json      print one JSON object of the raw figures at the end, instead of the tables
              for people (markdown, printed as they come, pasted into docs/benchmarks.md)
  --quick     a shortened run that checks the command works: its figures are not comparable
  --data-dir  the data root holding MNIST/raw (default: $DIGITS_DATA_DIR, else ./data); it is
              set as DIGITS_DATA_DIR for the part and everything it starts. MNIST is never
              downloaded: a missing file is an error naming where it was looked for.

`python -m bench.common MODULE:FUNCTION JSON` runs one measurement for `in_fresh_process`.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

ROOT = Path(__file__).resolve().parents[1]
QUICK_STEPS = 300          # --quick: batches of a timed epoch
QUICK_EXAMPLES = 5_000     # --quick: training images of a preset run


# -- MNIST -------------------------------------------------------------------------------
def data_root(override: str | os.PathLike | None = None) -> Path:
    """The data root: `override`, else $DIGITS_DATA_DIR, else ./data (core.config.settings)."""
    from core.config.settings import data_dir
    return data_dir(override)


def load_mnist(override: str | os.PathLike | None = None):
    """MNIST in memory from the data root; never downloaded (core.data.loading.DataError if missing)."""
    from core.data.loading import load_dataset
    return load_dataset(data_root(override), download=False)


# -- summaries and timing ----------------------------------------------------------------
def summary(values: Iterable[float], digits: int | None = None) -> dict[str, float]:
    """Median, min and max, rounded to `digits` when given."""
    values = list(values)
    found = {"median": statistics.median(values), "min": min(values), "max": max(values)}
    return found if digits is None else {k: round(v, digits) for k, v in found.items()}


def spread(values: Iterable[float], spec: str = ".1f") -> str:
    """"median (min-max)", each number formatted with `spec`."""
    s = summary(values)
    return f"{s['median']:{spec}} ({s['min']:{spec}}-{s['max']:{spec}})"


def timed(work: Callable[[], Any], repeat: int) -> list[float]:
    """Seconds of each of `repeat` calls of `work`, one after another."""
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - start)
    return seconds


def peak_rss_mb() -> float:
    """This process's peak resident set so far (getrusage), MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """This process's resident set now (/proc), MB."""
    from core.jobs.threads import process_mb
    found = process_mb("VmRSS")
    if found is None:
        raise RuntimeError("this process's resident set needs Linux's /proc")
    return found


class Silent:
    """A training recorder that records nothing and never stops (core.training.engine.Recorder)."""
    def should_stop(self): return False
    def on_start(self, *args): pass
    def on_train_point(self, *args): pass
    def on_probe(self, *args): pass
    def on_check(self, *args): pass
    def on_epoch(self, *args): pass


def in_fresh_process(function: str, **kwargs: Any) -> Any:
    """`function` ("module:name") called with `kwargs` in a new Python process, as a learner's
    run would start, so one measurement's thread pools and caches never flatter or slow the
    next one; its JSON-able result. Nothing but the standard library is imported before it."""
    out = subprocess.run([sys.executable, "-m", "bench.common", function, json.dumps(kwargs)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{function}({kwargs}) failed in its process:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.splitlines()[-1])


# -- the tutorial's epoch T --------------------------------------------------------------
def tutorial_net():
    """Seed 000's network as the tutorial defines it: the same layers and parameter count as
    `core.models.architectures` builds for the `tutorial` preset, in PyTorch's default NCHW layout."""
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


def tutorial_epoch(data_dir: str, steps: int | None) -> dict:
    """Seed 000 as written: its loop, its network and its torchvision pipeline (per-sample PIL,
    ToTensor, Normalize, DataLoader); the time of the batches it trains. One whole epoch of it,
    scaled to 60,000 images, is T: the unit every speed budget is also given in, since these
    machines' speed drifts from day to day (bench.speed's pairs measure it)."""
    import torch
    import torch.nn.functional as F
    from torchvision import datasets, transforms

    from core.data.datasets import MNIST
    from core.training.config import preset

    config = preset("cnn", "tutorial")
    torch.manual_seed(config.seed)
    steps_in = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MNIST.mean,), (MNIST.std,))])
    dataset = datasets.MNIST(data_dir, train=True, download=False, transform=steps_in)
    loader = torch.utils.data.DataLoader(dataset, batch_size=config.batch_size, shuffle=True)
    model = tutorial_net().train()
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


def epoch_seconds(result: dict) -> float:
    """A timed run's seconds scaled to a 60,000-image epoch."""
    return result["seconds"] * 60_000 / result["examples"]


# -- the machine -------------------------------------------------------------------------
def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        return f"{len(names)} x {names[0]}"
    except (OSError, IndexError):
        return platform.processor() or "unknown CPU"


def machine() -> dict:
    import torch
    return {"date": time.strftime("%Y-%m-%d"), "cpu": cpu_name(), "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__, "python": platform.python_version(), "load_average": os.getloadavg()[0]}


# -- the one output convention -------------------------------------------------------------
class Report:
    """Everything a part prints. For people: markdown tables and sentences, printed as they come.
    With --json: nothing on stdout until `close`, then one JSON object of what was `put`;
    progress notes go to stderr instead."""

    def __init__(self, as_json: bool = False) -> None:
        self.as_json = as_json
        self.data: dict[str, Any] = {}

    def say(self, text: str = "") -> None:
        """A line for people (left out of --json)."""
        if not self.as_json:
            print(text, flush=True)

    def note(self, text: str) -> None:
        """Progress while a long part runs: on stdout for people, on stderr with --json."""
        print(text, file=sys.stderr if self.as_json else sys.stdout, flush=True)

    def table(self, *columns: str, blank: bool = True) -> None:
        """A markdown table's header; its rows follow with `row`."""
        self.say(("\n" if blank else "") + "| " + " | ".join(columns) + " |\n|" + " --- |" * len(columns))

    def row(self, *cells: Any) -> None:
        self.say("| " + " | ".join(str(c) for c in cells) + " |")

    def put(self, key: str, value: Any) -> Any:
        """A raw figure for --json; returns it."""
        self.data[key] = value
        return value

    def append(self, key: str, value: Any) -> Any:
        self.data.setdefault(key, []).append(value)
        return value

    def close(self) -> None:
        if self.as_json:
            print(json.dumps(self.data, default=str), flush=True)


def header(report: Report, args: argparse.Namespace, *extra: str) -> None:
    """The first line of a part's output for people: what ran, when, on what."""
    found = report.put("machine", machine())
    report.say(f"# bench.{args.tool} {args.part}{' --quick' if args.quick else ''}: {found['date']}, {found['cpu']}, "
               f"{found['torch_threads']} torch threads, torch {found['torch']}, Python {found['python']}"
               + "".join(f", {e}" for e in extra))


# -- the command line ----------------------------------------------------------------------
@dataclass(frozen=True)
class Part:
    name: str
    run: Callable[[argparse.Namespace, Report], int | None]   # a non-zero return is the exit status
    measures: str           # what it measures, one line
    takes: str              # how long it takes, as docs/benchmarks.md records it
    options: Callable[[argparse.ArgumentParser], None] = field(default=lambda parser: None)
    doc: str = ""           # more, for `<part> --help`


def main(tool: str, doc: str, parts: Sequence[Part], argv: Sequence[str] | None = None) -> None:
    """`python -m bench.<tool> <part> [options]`: parse, run the part, print its report, exit."""
    listing = "\n".join(textwrap.fill(f"{p.name:<12} {p.measures}. Takes: {p.takes}.", 100, initial_indent="  ",
                                       subsequent_indent=" " * 15) for p in parts)
    parser = argparse.ArgumentParser(
        prog=f"python -m bench.{tool}", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=f"{doc}\n\nparts (each takes --json, --quick and --data-dir; `<part> --help` for its options):\n"
                    f"{listing}")
    chosen = parser.add_subparsers(dest="part", required=True, metavar="part",
                                   help="one of: " + ", ".join(p.name for p in parts))
    for part in parts:
        about = textwrap.fill(f"{part.measures}. Takes: {part.takes}.", 100)
        sub = chosen.add_parser(part.name, formatter_class=argparse.RawDescriptionHelpFormatter,
                                prog=f"python -m bench.{tool} {part.name}",
                                description=about + (f"\n\n{inspect.cleandoc(part.doc)}" if part.doc else ""))
        sub.add_argument("--json", action="store_true", help="one JSON object of the raw figures instead of tables")
        sub.add_argument("--quick", action="store_true",
                         help="a shortened run that checks the command works (figures not comparable)")
        sub.add_argument("--data-dir", default=None,
                         help="folder holding MNIST/raw (default: $DIGITS_DATA_DIR, else ./data); never downloaded")
        part.options(sub)
        sub.set_defaults(run=part.run)
    args = parser.parse_args(argv)
    args.tool = tool
    if args.data_dir:
        os.environ["DIGITS_DATA_DIR"] = str(Path(args.data_dir).expanduser().resolve())
    report = Report(args.json)
    try:
        status = args.run(args, report)
    except Exception as error:
        loading = sys.modules.get("core.data.loading")  # imported by whatever raised a DataError (it loads torch)
        if loading is None or not isinstance(error, loading.DataError):
            raise
        print(f"python -m bench.{tool} {args.part}: {error}", file=sys.stderr)  # MNIST missing: where, in a sentence
        raise SystemExit(2) from None
    report.close()
    raise SystemExit(status or 0)


def _run_one(function: str, kwargs: str) -> None:
    module, _, name = function.partition(":")
    print(json.dumps(getattr(importlib.import_module(module), name)(**json.loads(kwargs))))


if __name__ == "__main__":
    _run_one(*sys.argv[1:3])
