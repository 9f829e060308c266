"""The `fast` CNN for one epoch in float32 and under bf16 autocast, seeds 0 and 1.

    DIGITS_DATA_DIR=../shared/data python -m bench.bf16_autocast

An in-memory loop outside the engine (channels-last, the preset's Adam betas and one-cycle
schedule, batch 256, 2 torch threads): how much a CPU with AMX or AVX-512 BF16 would gain
from a precision setting. Without those instructions bf16 is emulated and slower.
"""
from __future__ import annotations

import time

import torch
import torch.nn.functional as F

from core.config.settings import data_dir
from core.data.loading import as_input, load_dataset
from core.models.architectures import build_model
from core.models.evaluation import evaluate
from core.training.config import preset


def one_epoch(data, seed: int, bf16: bool, batch: int = 256) -> tuple[float, float]:
    """Training seconds and test accuracy of one epoch of the `fast` CNN."""
    config = preset("cnn", "fast")
    torch.manual_seed(seed)
    model = build_model("cnn", config.model).to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, betas=(config.beta1, config.beta2))
    steps = -(-len(data.train) // batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=steps)
    order = torch.randperm(len(data.train), generator=torch.Generator().manual_seed(seed))
    model.train()
    start = time.perf_counter()
    for step in range(steps):
        indices = order[step * batch:(step + 1) * batch]
        images = as_input(data.train.images[indices]).contiguous(memory_format=torch.channels_last)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = F.cross_entropy(model(images), data.train.labels[indices])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    seconds = time.perf_counter() - start
    return seconds, evaluate(model, data.test).accuracy


def main() -> None:
    torch.set_num_threads(2)
    data = load_dataset(data_dir(), download=False)
    print("| precision | seed | training s | test accuracy |\n| --- | --- | --- | --- |")
    for bf16 in (False, True):
        for seed in (0, 1):
            seconds, accuracy = one_epoch(data, seed, bf16)
            print(f"| {'bf16 autocast' if bf16 else 'float32'} | {seed} | {seconds:.2f} | {accuracy:.2%} |", flush=True)


if __name__ == "__main__":
    main()
