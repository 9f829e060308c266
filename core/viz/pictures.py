"""Pictures of digits for display: enlarged uint8 arrays, no plotting library needed."""
from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import segno

from core.data.loading import Split

if TYPE_CHECKING:  # not imported here: Home draws its sample of digits before a fresh server imports torch
    import torch


def enlarge(image: torch.Tensor | np.ndarray, factor: int = 3) -> np.ndarray:
    """Nearest-neighbour upscaling keeps the pixels crisp, as a learner should see them."""
    return np.asarray(image).repeat(factor, axis=0).repeat(factor, axis=1)


def digit_picture(image: torch.Tensor, factor: int = 3) -> np.ndarray:
    """One model input (1, 1, H, W) in 0..1 as an enlarged uint8 picture."""
    return enlarge((image[0, 0] * 255).byte().numpy(), factor)


def sample_grid(images: torch.Tensor | np.ndarray, labels: torch.Tensor | np.ndarray, count: int, seed: int,
                factor: int = 3) -> tuple[list[np.ndarray], list[int]]:
    """`count` random digits of uint8 `images` (N, H, W) (seeded) as enlarged arrays, with their labels."""
    indices = np.random.default_rng(seed).permutation(len(labels))[:count]
    return [enlarge(images[i], factor) for i in indices], [int(labels[i]) for i in indices]


RIGHT, WRONG = (46, 160, 67), (215, 38, 61)  # green and red frames, as seed 003 colours its titles


def evaluation_tiles(images: torch.Tensor, evaluation, indices: list[int]) -> tuple[list[np.ndarray], list[str]]:
    """Tiles and "says p, is t" captions for some examples of an evaluated split."""
    predicted, labels = evaluation.predictions[indices], evaluation.labels[indices]
    captions = [f"says {p}, is {t}" for p, t in zip(predicted.tolist(), labels.tolist())]
    return prediction_tiles(images[indices], predicted, labels), captions


def prediction_tiles(images: torch.Tensor, predicted: torch.Tensor, labels: torch.Tensor,
                     factor: int = 3, border: int = 3) -> list[np.ndarray]:
    """Enlarged RGB digits framed green when the prediction is right and red when wrong."""
    tiles = []
    for image, guess, truth in zip(images, predicted.tolist(), labels.tolist()):
        grey = enlarge(image, factor)
        tile = np.zeros((grey.shape[0] + 2 * border, grey.shape[1] + 2 * border, 3), dtype=np.uint8)
        tile[:, :] = RIGHT if guess == truth else WRONG
        tile[border:-border, border:-border] = grey[..., None]
        tiles.append(tile)
    return tiles


NEGATIVE, ZERO, POSITIVE = np.array([33, 102, 172]), np.array([247, 247, 247]), np.array([178, 24, 43])


def diverging(values: torch.Tensor | np.ndarray, scale: float | None = None) -> np.ndarray:
    """uint8 RGB of signed values: blue below 0, white at 0, red above, full colour at
    ±`scale` (default: the largest magnitude, so pictures sharing a scale compare)."""
    values = np.asarray(values, dtype=np.float32)
    scale = float(scale if scale is not None else np.nanmax(np.abs(values), initial=0.0)) or 1.0
    t = np.clip(np.nan_to_num(values) / scale, -1.0, 1.0)[..., None]
    rgb = np.where(t >= 0, ZERO + t * (POSITIVE - ZERO), ZERO + (-t) * (NEGATIVE - ZERO))
    return rgb.astype(np.uint8)


def mosaic(pictures: torch.Tensor | np.ndarray, columns: int, gap: int = 1, fill: float = np.nan) -> np.ndarray:
    """(n, H, W) values laid out `columns` to a row with `gap` pixels of `fill` between them;
    NaN gaps turn white in `diverging`."""
    pictures = np.asarray(pictures, dtype=np.float32)
    n, height, width = pictures.shape
    rows = -(-n // columns)
    out = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap), fill, dtype=np.float32)
    for i, picture in enumerate(pictures):
        top, left = (i // columns) * (height + gap), (i % columns) * (width + gap)
        out[top:top + height, left:left + width] = picture
    return out


def qr_png(text: str, scale: int = 8) -> bytes:
    """A QR code of `text` as PNG bytes, `scale` pixels a module, with error correction that
    still reads from a phone held at an angle to a projected wall."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def average_digits(split: Split, factor: int = 3) -> list[np.ndarray]:
    """The mean image of each digit 0-9 of `split`: what a linear model's weights grow toward."""
    images = split.images.float()
    return [enlarge((images[split.labels == digit].mean(0)).round().byte().numpy(), factor)
            for digit in range(10)]


# A 3×3 filter that answers where ink ends on the left and begins on the right: a vertical edge.
EDGE_FILTER = ((-1.0, 0.0, 1.0), (-2.0, 0.0, 2.0), (-1.0, 0.0, 1.0))


def edge_map(image: torch.Tensor, factor: int = 3) -> np.ndarray:
    """`image` (uint8, 28×28) filtered with EDGE_FILTER, as a CNN's first layer filters it: red
    where the filter's answer is positive, blue where negative (as Inside's views colour them)."""
    import torch

    kernel = torch.tensor(EDGE_FILTER)[None, None]
    answer = torch.nn.functional.conv2d(image.float()[None, None] / 255, kernel, padding=1)[0, 0]
    return enlarge(diverging(answer), factor)
