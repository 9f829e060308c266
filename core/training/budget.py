"""What a training will cost before it starts: seconds on this server and peak memory.

The model is built on PyTorch's "meta" device (shapes, no initialisation), given
uninitialised CPU memory, and one example is pushed through it, counting the multiply-adds
of every Linear and Conv2d layer, its layers and the values every layer outputs.

Seconds count every cost a link can raise: the multiply-adds of each training example (at
its architecture's speed as this machine measured it, core.training.calibration, or before
that the registry entry's, measured on 2 cores), each optimizer step (a cost per layer, and
per parameter for the optimizer's update: small batches pay it often), augmentation, and
every test-set evaluation (before and after each epoch, each `test_every` check, the live
probes, the bent digits as the run is kept). Memory counts the weights (with gradients, the
optimizer's state and its temporaries, and the best weights kept), the activations a batch
keeps for the backward pass, and what a process's first training adds once.
Estimates for refusing, before Start, a training that would hold a server for hours or take
all its memory; docs/benchmarks.md compares them with measured runs.
Importing this module imports no torch (core.training.limits imports it, and every page reads
the server's limits): the functions that build a model or ask the machine's speed import it.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass

from core.data.datasets import dataset_spec
from core.models.architectures import build_model
from core.training.config import TrainConfig, preset
from core.training.precision import precision_name

# One optimizer step's cost besides the examples' multiply-adds, measured on 2 cores at batch 8
# (docs/benchmarks.md): 0.8-1.0 ms for logistic regression, 2.8-4.5 ms for the MLP, 6.0-7.3 ms
# for the CNN; Adam's update of a 14-million-parameter MLP took about 50 ms a step.
STEP_SECONDS = 0.0002                  # Python and dispatch, once a step
LAYER_STEP_SECONDS = 0.00033           # ... and for each layer, forward and backward
OPTIMIZER_SECONDS_PER_PARAMETER = {"sgd": 1.0e-9, "adam": 3.5e-9, "adamw": 3.5e-9}
EVAL_SPEEDUP = 3                       # a test example costs a third of a training one: forward only
AUGMENT_SECONDS = 21e-6                # bending one training example (MLP: 40 against 61 us an example)
START_SECONDS = 0.2                    # building the model and putting the data on its device
BYTES = 4                  # float32
# Copies of the weights while a batch trains: weights, gradients and the best weights kept,
# with SGD's momentum or Adam's two moments and their update's temporaries. Measured with
# `python -m bench.speed memory-estimates`: a 4 x 2048 MLP under AdamW at batch 8 added 380 MB,
# 7.0 copies of its 54 MB of weights.
WEIGHT_COPIES = {"sgd": 5, "adam": 7, "adamw": 7}
ACTIVATION_COPIES = 3      # kept for backward, their gradients, and scratch
BASE_MB = 600              # the process before any training: 565 MB measured with torch and MNIST loaded (bench.server soak)
# A process's first training adds 80-450 MB once (its threads' heaps, torch's lazy set-up):
# counted for every training, since any may be a server's first (bench.speed memory-estimates).
FIRST_TRAINING_MB = 250


@dataclass(frozen=True)
class Cost:
    macs_per_example: int       # multiply-adds of one forward pass
    values_per_example: int     # outputs of every layer for one example
    parameters: int
    layers: int                 # modules without children: each costs every step, forward and backward


@dataclass(frozen=True)
class Estimate:
    seconds: float              # training time on this server, alone on 2 cores
    peak_mb: float              # resident memory of the process while it trains


def examples_per_epoch(config: TrainConfig) -> int:
    return config.train_examples or dataset_spec(config.dataset).train_size


def cost(config: TrainConfig) -> Cost:
    """What one example costs `config`'s model (the queue asks for every waiting training's,
    every second a page redraws: a CNN's takes 10-100 ms to count, so each is counted once)."""
    return _model_cost(config.arch, json.dumps(config.model.to_dict(), sort_keys=True), config.dataset)


@functools.lru_cache(maxsize=256)
def _model_cost(arch: str, options_json: str, dataset: str) -> Cost:
    import torch
    from torch import nn

    config = TrainConfig(arch=arch, model=json.loads(options_json), dataset=dataset)
    side = dataset_spec(config.dataset).image_size
    with torch.device("meta"):
        model = build_model(config.arch, config.model, config.dataset)
    # Real CPU tensors of uninitialised memory: shapes are what is counted, never values. A
    # forward on meta tensors would be free, but a process's first one loads torch's Python
    # meta kernels: 2 s alone, 9-11 s when eight Train tabs of a fresh server ask at once.
    model.to_empty(device="cpu")
    counts = {"macs": 0, "values": 0}

    def count(module: nn.Module, args: tuple, output: torch.Tensor) -> None:
        if isinstance(module, nn.Linear):
            counts["macs"] += module.in_features * module.out_features
        elif isinstance(module, nn.Conv2d):
            per_output = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
            counts["macs"] += output.numel() * per_output
        if isinstance(output, torch.Tensor):
            counts["values"] += output.numel()

    hooks = [m.register_forward_hook(count) for m in model.modules() if not list(m.children())]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, side, side))
    for hook in hooks:
        hook.remove()
    return Cost(counts["macs"], counts["values"], sum(p.numel() for p in model.parameters()), len(hooks))


def step_seconds(config: TrainConfig, work: Cost) -> float:
    """One optimizer step's cost besides its examples' multiply-adds."""
    return (STEP_SECONDS + work.layers * LAYER_STEP_SECONDS
            + work.parameters * OPTIMIZER_SECONDS_PER_PARAMETER.get(config.optimizer, 3.5e-9))


def augment_seconds(config: TrainConfig) -> float:
    from core.data.augment import Augmentation
    return AUGMENT_SECONDS if Augmentation.of(config).active else 0.0


@functools.lru_cache(maxsize=None)  # per architecture and speed: from its default preset's
def _seconds_per_mac(arch: str, examples_per_second: float) -> float:
    """Training seconds per multiply-add of one example, the default preset's steps taken out."""
    default = preset(arch)
    work = cost(default)
    per_example = 1 / examples_per_second
    besides = step_seconds(default, work) / default.batch_size + augment_seconds(default)
    return max(per_example - besides, per_example / 5) / max(work.macs_per_example, 1)


def default_preset_speed(config: TrainConfig) -> float:
    """Examples/s of the default preset of config's architecture, in the precision config trains
    in: this machine's measurement (core.training.calibration) once there is one."""
    import torch

    from core.training.calibration import examples_per_second
    device = torch.device("cuda" if config.device == "cuda" and torch.cuda.is_available() else "cpu")
    return examples_per_second(config.arch, precision_name(config.precision, config.arch, device))


def estimate(config: TrainConfig) -> Estimate:
    from core.training.engine import PROBE_IMAGES, PROBES_PER_EPOCH

    work = cost(config)
    per_example = work.macs_per_example * _seconds_per_mac(config.arch, default_preset_speed(config))
    examples, epochs = examples_per_epoch(config), config.epochs
    steps = -(-examples // config.batch_size)
    checks = min(steps, examples // config.test_every) if config.test_every else 0
    # before, each epoch, final, and the bent test digits as the run is kept (core.jobs.run_keeper)
    evaluated = dataset_spec(config.dataset).test_size * (epochs + 3 + epochs * checks)
    if not config.test_every:  # the live view's probes, which checks replace
        evaluated += epochs * (PROBES_PER_EPOCH - 1) * PROBE_IMAGES
    seconds = (START_SECONDS + epochs * examples * (per_example + augment_seconds(config))
               + epochs * steps * step_seconds(config, work) + evaluated * per_example / EVAL_SPEEDUP)
    return Estimate(seconds, BASE_MB + FIRST_TRAINING_MB + training_mb(config, work))


def training_mb(config: TrainConfig, work: Cost) -> float:
    """The memory a training holds at its peak, beyond the process's own."""
    weights = work.parameters * WEIGHT_COPIES.get(config.optimizer, 7)
    activations = config.batch_size * work.values_per_example * ACTIVATION_COPIES
    return (weights + activations) * BYTES / 2**20


def duration(seconds: float) -> str:
    """'40 s', '12 min', '3 h 20 min': how long, for people."""
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds // 3600:.0f} h {seconds % 3600 / 60:.0f} min"
