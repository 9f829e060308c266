"""This machine's training speeds, measured once and kept in a file.

The registry's speeds (core.models.architectures) were measured on one 2-core machine; another
machine, another thread count or a busier host trains at another pace, and estimates made
from them promised a learner 1 s for what took 39 s. At server start each architecture's
default preset trains a few batches of blank digits (values do not change the arithmetic)
with the threads a queue slot has, in float32 and, where the processor does bf16 natively
and the registry marks the architecture as gaining from it, in bf16: about 3 s in all on
2 cores. The file is keyed by what changes speeds (the CPU, its thread count, torch) and
re-measured when any of them differ; a measurement made on a busy machine is dropped and
tried again a minute later.
"""
from __future__ import annotations

import json
import logging
import os
import platform
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from core.data.augment import Augmentation
from core.data.datasets import dataset_spec
from core.data.loading import Split
from core.models.architectures import ARCHITECTURES, architecture, build_model
from core.training.config import preset
from core.training.engine import make_optimizer, training_batch
from core.training.precision import autocast, flush_denormals, native_bf16, record_measured

log = logging.getLogger(__name__)
VERSION = 1                 # of what is measured and how: a change re-measures every machine
MEASURE_SECONDS = 0.6       # of training per architecture and precision, after WARM_STEPS batches
WARM_STEPS = 3
# The best of a few windows: another process's burst on a shared machine slows one window, and a
# speed measured then would be kept; a server's lasting load is learnt from its trainings
# (core.jobs.waits), not from this measurement.
WINDOWS = 4
CPU_SHARE = 0.8             # of its threads' CPU time a measurement must get to be used
ATTEMPTS = 5                # measurements a server tries while its machine is busy,
RETRY_SECONDS = 60.0        # this far apart
BF16_GAIN = 1.1             # bf16 must train at least this much faster for `auto` to choose it

_speeds: dict[tuple[str, str], float] = {}   # (arch, "float32" | "bf16") -> examples/s measured here
_lock = threading.Lock()


@dataclass(frozen=True)
class Speeds:
    machine: str                           # what the figures are valid for
    examples_per_second: dict[str, float]  # "arch/precision" -> training examples/s of its default preset


def machine_key(threads: int) -> str:
    return f"v{VERSION} {_cpu_name()} x{threads} threads, torch {torch.__version__}"


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")),
                        platform.processor())
    except OSError:
        return platform.processor() or platform.machine()


def measured_speed(arch: str, precision: str) -> float | None:
    """Examples/s this machine measured for `arch`'s default preset, or None before it has."""
    return _speeds.get((arch, precision))


def examples_per_second(arch: str, precision: str = "float32") -> float:
    """The speed estimates use: this machine's measurement, else the registry's (another machine's)."""
    return measured_speed(arch, precision) or measured_speed(arch, "float32") or architecture(arch).examples_per_second


def measure_one(arch: str, bf16: bool, threads: int, seconds: float = MEASURE_SECONDS) -> float:
    """Training examples/s of `arch`'s default preset on blank digits, `threads` torch threads."""
    flush_denormals()  # as every training does (core.training.engine.fit)
    config = preset(arch)
    side, batch = dataset_spec(config.dataset).image_size, config.batch_size
    train = Split(torch.zeros(batch * 4, side, side, dtype=torch.uint8), torch.arange(batch * 4) % 10)
    model = build_model(arch, config.model, config.dataset).train()
    optimizer = make_optimizer(model, config)  # the engine's own step, below
    number_format = autocast("bf16" if bf16 else "float32", arch, torch.device("cpu"))
    augmentation = Augmentation.of(config)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        rates, examples, began, warm = [], 0, 0.0, 0
        generator = torch.Generator().manual_seed(0)
        while len(rates) < WINDOWS:
            indices = torch.randint(0, len(train), (batch,), generator=generator)
            inputs, labels = training_batch(train, indices, augmentation, generator)
            with number_format:
                loss = torch.nn.functional.cross_entropy(model(inputs), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if warm < WARM_STEPS:  # the first steps set up the optimizer's state and the thread pool
                warm += 1
                began = time.perf_counter()
                continue
            examples += batch
            elapsed = time.perf_counter() - began
            if elapsed >= seconds / WINDOWS:
                rates.append(examples / elapsed)
                examples, began = 0, time.perf_counter()
        return max(rates)
    finally:
        torch.set_num_threads(previous)


def measure(threads: int) -> Speeds:
    """Every architecture's default preset, in float32 and, where it may gain, bf16."""
    found: dict[str, float] = {}
    for name, spec in ARCHITECTURES.items():
        found[f"{name}/float32"] = measure_one(name, False, threads)
        if spec.bf16 and native_bf16(torch.device("cpu")):
            found[f"{name}/bf16"] = measure_one(name, True, threads)
    return Speeds(machine_key(threads), found)


def measure_uncontended(threads: int) -> tuple[Speeds, bool]:
    """`measure`, and whether this process had its threads' CPUs while it measured: where other
    processes took them (a busy host) the speeds were a third to a tenth of an idle machine's
    here, and are neither used nor kept (a busy server's slowness is learnt from its own
    trainings, core.jobs.waits)."""
    cpu, wall = time.process_time(), time.perf_counter()
    speeds = measure(threads)
    share = (time.process_time() - cpu) / max((time.perf_counter() - wall) * threads, 1e-9)
    return speeds, share >= CPU_SHARE


def use(speeds: Speeds) -> None:
    """Make `speeds` the ones estimates and `auto` precision go by in this process."""
    with _lock:
        for key, rate in speeds.examples_per_second.items():
            arch, precision = key.split("/")
            _speeds[(arch, precision)] = rate
        for arch in ARCHITECTURES:
            bf16, fp32 = _speeds.get((arch, "bf16")), _speeds.get((arch, "float32"))
            if bf16 and fp32:
                record_measured(arch, bf16 >= fp32 * BF16_GAIN)


def read(path: Path, threads: int) -> Speeds | None:
    """The speeds kept at `path` for this machine and thread count, or None (none kept)."""
    key = machine_key(threads)
    try:
        kept = _kept(path)[key]
        return Speeds(key, {name: float(rate) for name, rate in kept.items()})
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _kept(path: Path) -> dict:
    try:
        kept = json.loads(path.read_text())
        return kept if isinstance(kept, dict) else {}
    except (OSError, ValueError):
        return {}


def write(path: Path, speeds: Speeds) -> None:
    """Beside the other machines' and thread counts' (one store may serve several); atomically,
    so two processes measuring at once leave one whole file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        kept = {**_kept(path), speeds.machine: speeds.examples_per_second}
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as f:
            json.dump(kept, f, indent=1)
        os.replace(f.name, path)
    except OSError as exc:  # a read-only store: measured again at the next start
        log.warning("training speeds not kept at %s: %s", path, exc)


def calibrate(path: Path, threads: int) -> Speeds | None:
    """This machine's speeds, now in use: read from `path`, else measured now and kept there;
    None when the machine was too busy to measure them (the registry's stay in use)."""
    speeds = read(path, threads)
    if speeds is None:
        began = time.perf_counter()
        speeds, whole = measure_uncontended(threads)
        log.info("measured training speeds in %.1f s%s: %s", time.perf_counter() - began,
                 "" if whole else " on a busy machine (not used)", speeds.examples_per_second)
        if not whole:
            return None
        write(path, speeds)
    use(speeds)
    return speeds


def calibrate_in_background(path: Path, threads: int, attempts: int = ATTEMPTS) -> threading.Thread:
    """Calibrate without holding up the server's first page, trying again every RETRY_SECONDS
    while the machine is busy; estimates use the registry's speeds until it succeeds."""
    thread = threading.Thread(target=_calibrate_quietly, args=(path, threads, attempts), daemon=True,
                              name="calibration")
    thread.start()
    return thread


def _calibrate_quietly(path: Path, threads: int, attempts: int) -> None:
    for attempt in range(attempts):
        try:
            if calibrate(path, threads) is not None:
                return
        except Exception:  # estimates fall back to the registry's speeds; training is unaffected
            log.exception("measuring this machine's training speeds failed")
            return
        if attempt + 1 < attempts:
            time.sleep(RETRY_SECONDS)  # on the calibration's own daemon thread
