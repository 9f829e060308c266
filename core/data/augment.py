"""Bending digits: rotation, scale, shift, stroke width and noise, as tensor operations.

One function, `transform`, changes a batch of images (float (N, 1, H, W) in 0..1, on
any device) with a parameter per image. The robustness lab applies one `Change` to a
digit; training draws random changes per batch within an `Augmentation`'s bounds; and
`shifted_test_set` builds, from a fixed seed, the harder test set that shows what
augmentation buys. No PIL and no DataLoader: the same code runs on the training device.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from core.data.loading import Split, as_input


@dataclass(frozen=True)
class Change:
    """One change to a digit, as the robustness lab's sliders set it."""
    angle: float = 0.0     # degrees, counter-clockwise as seen
    scale: float = 1.0     # 1.2 = 20% larger, about the image's centre
    shift_x: float = 0.0   # pixels to the right
    shift_y: float = 0.0   # pixels down
    stroke: float = 0.0    # -1 thinnest, 0 as written, 1 thickest (a 3x3 erosion or dilation)
    noise: float = 0.0     # standard deviation of added Gaussian noise, in ink units (0..1)


def transform(images: torch.Tensor, angle: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor,
              stroke: torch.Tensor) -> torch.Tensor:
    """`images` (N, 1, H, W) in 0..1 with, per image, `angle` in degrees, `scale`, `shift`
    (N, 2) in pixels (x right, y down) and `stroke` in -1..1. Stroke first, then one
    bilinear resampling for the geometry; ink pushed past the border is lost."""
    n, _, height, width = images.shape
    device, dtype = images.device, images.dtype
    stroke = stroke.to(device, dtype).view(n, 1, 1, 1)
    if bool((stroke != 0).any()):
        thicker = F.max_pool2d(images, 3, stride=1, padding=1)
        thinner = -F.max_pool2d(-images, 3, stride=1, padding=1)
        images = images + stroke.clamp(min=0) * (thicker - images) + (-stroke).clamp(min=0) * (thinner - images)
    radians = angle.to(device, dtype) * (math.pi / 180.0)
    cos, sin, inverse = torch.cos(radians), torch.sin(radians), 1.0 / scale.to(device, dtype)
    # affine_grid maps output to input positions in [-1, 1] coordinates (y down): the
    # inverse of "scale, rotate counter-clockwise on screen, then shift"
    rotation = torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2) * inverse.view(n, 1, 1)
    offset = shift.to(device, dtype) * torch.tensor([2.0 / width, 2.0 / height], device=device, dtype=dtype)
    theta = torch.cat([rotation, -(rotation @ offset.unsqueeze(-1))], dim=-1)
    grid = F.affine_grid(theta, [n, 1, height, width], align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def apply_change(images: torch.Tensor, change: Change, seed: int = 0) -> torch.Tensor:
    """The same `change` to every image of a float batch; noise is drawn from `seed`."""
    n = len(images)
    out = transform(images, torch.full((n,), float(change.angle)), torch.full((n,), float(change.scale)),
                    torch.tensor([[float(change.shift_x), float(change.shift_y)]]).expand(n, 2),
                    torch.full((n,), float(change.stroke)))
    if change.noise > 0:
        generator = torch.Generator().manual_seed(seed)
        out = out + change.noise * torch.randn(out.shape, generator=generator).to(out.device)
    return out.clamp_(0.0, 1.0)


@dataclass(frozen=True)
class Augmentation:
    """Random changes during training: each image gets its own angle in ±rotation, scale in
    [1 - scale, 1 + scale], shift in ±shift pixels per axis and stroke in ±stroke."""
    rotation: float = 0.0
    scale: float = 0.0
    shift: float = 0.0
    stroke: float = 0.0

    @classmethod
    def of(cls, config) -> "Augmentation":
        """The augmentation a TrainConfig asks for."""
        return cls(config.augment_rotation, config.augment_scale, config.augment_shift, config.augment_stroke)

    @property
    def active(self) -> bool:
        return any((self.rotation, self.scale, self.shift, self.stroke))

    def __call__(self, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """A randomly changed copy of a float batch; parameters come from the CPU `generator`,
        so a seed gives the same changes on every device."""
        n = len(images)

        def spread(bound: float, *shape: int) -> torch.Tensor:
            return (torch.rand(n, *shape, generator=generator) * 2 - 1) * bound

        return transform(images, spread(self.rotation), 1 + spread(self.scale), spread(self.shift, 2),
                         spread(self.stroke))


# The shifted test set: every MNIST test digit, changed once by a fixed random draw, as
# real handwriting differs from MNIST's centred, upright, even strokes.
SHIFTED_SEED = 20_261_201
SHIFTED_BOUNDS = {"angle": (-25.0, 25.0), "scale": (0.7, 1.2), "shift": (-2.5, 2.5), "stroke": (-0.7, 1.0)}


def _uniform(n: int, bounds: tuple[float, float], generator: torch.Generator, *shape: int) -> torch.Tensor:
    lo, hi = bounds
    return lo + (hi - lo) * torch.rand(n, *shape, generator=generator)


def shifted_test_set(test: Split, seed: int = SHIFTED_SEED, batch: int = 2_000) -> Split:
    """`test` with each digit rotated, scaled, moved and thickened or thinned by a draw from
    `seed` within SHIFTED_BOUNDS (labels unchanged); uint8 like every Split."""
    generator = torch.Generator().manual_seed(seed)
    n = len(test)
    angle, scale = _uniform(n, SHIFTED_BOUNDS["angle"], generator), _uniform(n, SHIFTED_BOUNDS["scale"], generator)
    shift, stroke = _uniform(n, SHIFTED_BOUNDS["shift"], generator, 2), _uniform(n, SHIFTED_BOUNDS["stroke"], generator)
    parts = []
    for start in range(0, n, batch):
        part = slice(start, start + batch)
        changed = transform(as_input(test.images[part].cpu()), angle[part], scale[part], shift[part], stroke[part])
        parts.append(changed.squeeze(1).mul_(255).round_().to(torch.uint8))
    return Split(torch.cat(parts).to(test.images.device), test.labels.clone())
