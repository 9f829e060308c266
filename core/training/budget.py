"""What a training will cost before it starts: seconds on this server and peak memory.

The model is built on PyTorch's "meta" device (shapes, no initialisation), given
uninitialised CPU memory, and one example is pushed through it, counting the
multiply-adds of every Linear and Conv2d layer and the values every layer outputs. Seconds then follow from each architecture's measured
speed on 2 cores (its registry entry, core.models.architectures), scaled by the multiply-adds; memory from the
weights (with gradients and two optimizer moments) and the activations a batch keeps
for the backward pass. Estimates, good to a factor of about two, for refusing a
training that would hold a server for hours or take all its memory.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
from torch import nn

from core.data.datasets import dataset_spec
from core.models.architectures import architecture, build_model
from core.training.config import TrainConfig, preset

STEP_SECONDS = 0.0004      # fixed cost of one optimizer step (small batches pay it often)
BYTES = 4                  # float32
WEIGHT_COPIES = 4          # weights, gradients and two Adam moments
ACTIVATION_COPIES = 3      # kept for backward, their gradients, and scratch
BASE_MB = 600              # the process before any training: 565 MB measured with torch and MNIST loaded (bench.server soak)


@dataclass(frozen=True)
class Cost:
    macs_per_example: int       # multiply-adds of one forward pass
    values_per_example: int     # outputs of every layer for one example
    parameters: int


@dataclass(frozen=True)
class Estimate:
    seconds: float              # training time on this server, alone on 2 cores
    peak_mb: float              # resident memory of the process while it trains


def examples_per_epoch(config: TrainConfig) -> int:
    return config.train_examples or dataset_spec(config.dataset).train_size


def cost(config: TrainConfig) -> Cost:
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
    return Cost(counts["macs"], counts["values"], sum(p.numel() for p in model.parameters()))


@functools.lru_cache(maxsize=None)  # one per architecture: its default preset's measured speed
def _reference_macs_per_second(arch: str) -> float:
    return architecture(arch).examples_per_second * max(cost(preset(arch)).macs_per_example, 1)


def estimate(config: TrainConfig) -> Estimate:
    work = cost(config)
    examples = config.epochs * examples_per_epoch(config)
    steps = config.epochs * -(-examples_per_epoch(config) // config.batch_size)
    seconds = examples * work.macs_per_example / _reference_macs_per_second(config.arch) + steps * STEP_SECONDS
    peak_bytes = (work.parameters * WEIGHT_COPIES
                  + config.batch_size * work.values_per_example * ACTIVATION_COPIES) * BYTES
    return Estimate(seconds, BASE_MB + peak_bytes / 2**20)


def duration(seconds: float) -> str:
    """'40 s', '12 min', '3 h 20 min': how long, for people."""
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds // 3600:.0f} h {seconds % 3600 / 60:.0f} min"
