"""The first layer of every model (core.models.architectures.build_model)."""
from __future__ import annotations

import torch
from torch import nn


class Standardize(nn.Module):
    """The first layer of every model: (x - mean) / std with its dataset's constants, kept
    as buffers so they travel in the state_dict; optionally hands on NHWC images."""

    def __init__(self, mean: float, std: float, channels_last: bool = False) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(float(mean)))
        self.register_buffer("std", torch.tensor(float(std)))
        self.channels_last = channels_last

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.sub(self.mean).div_(self.std)  # one new tensor: the caller's input is never changed
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x
