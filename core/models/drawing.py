"""Turn a drawing into what an MNIST model expects, the way MNIST itself was made.

MNIST digits were size-normalised to fit a 20x20 box (keeping the aspect ratio,
with anti-aliasing) and then placed in a 28x28 image so that their centre of
mass sits at the centre. A canvas drawing goes through the same steps.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core.data.datasets import MNIST
from core.data.loading import as_input
from core.models.architectures import predict_proba

BOX = 20                 # the longer side of the digit after scaling, in pixels
SIDE = MNIST.image_size  # the model's input side
INK_THRESHOLD = 0.1  # grey level (0..1) above which a pixel counts as ink
MIN_INK_FRACTION = 0.0002  # less ink than this share of the canvas (16 px of 280x280) is "nothing drawn"


@dataclass(frozen=True)
class Preprocessed:
    grey: np.ndarray      # float32 (H, W) in 0..1: the canvas as ink intensity
    cropped: np.ndarray   # float32: the ink's bounding box
    scaled: np.ndarray    # float32: longer side BOX pixels
    centred: np.ndarray   # uint8 (28, 28): what the model sees, 255 = ink
    tensor: torch.Tensor  # float32 (1, 1, 28, 28) in 0..1: a model's input


def ink(rgba: np.ndarray) -> np.ndarray:
    """RGBA or RGB or grey image -> ink intensity in 0..1 (transparent counts as no ink)."""
    image = np.asarray(rgba, dtype=np.float32)
    if image.ndim == 2:
        return image / 255.0
    grey = image[..., :3].mean(axis=2) / 255.0
    if image.shape[2] == 4:
        grey = grey * (image[..., 3] / 255.0)
    return grey


def crop_to_ink(grey: np.ndarray) -> np.ndarray | None:
    mask = grey > INK_THRESHOLD
    if mask.sum() < max(1, MIN_INK_FRACTION * mask.size):
        return None
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return grey[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def scale_to_box(cropped: np.ndarray, box: int = BOX) -> np.ndarray:
    """Resize so the longer side is `box` pixels, keeping the aspect ratio, anti-aliased."""
    h, w = cropped.shape
    factor = box / max(h, w)
    size = (max(1, round(h * factor)), max(1, round(w * factor)))
    image = torch.from_numpy(np.ascontiguousarray(cropped))[None, None]
    scaled = F.interpolate(image, size=size, mode="bilinear", antialias=factor < 1, align_corners=False)
    return scaled[0, 0].clamp(0, 1).numpy()


def centre_by_mass(scaled: np.ndarray, side: int = SIDE) -> np.ndarray:
    """Place `scaled` in a side x side frame with its centre of mass at the frame's centre."""
    h, w = scaled.shape
    total = scaled.sum()
    rows, cols = np.arange(h), np.arange(w)
    com_r = (scaled.sum(axis=1) * rows).sum() / total
    com_c = (scaled.sum(axis=0) * cols).sum() / total
    # MNIST's centres of mass sit at pixel (14, 14) on average (measured on the test set)
    top, left = int(round(side / 2 - com_r)), int(round(side / 2 - com_c))
    top, left = min(max(top, 0), side - h), min(max(left, 0), side - w)  # never cut the digit
    frame = np.zeros((side, side), dtype=np.float32)
    frame[top:top + h, left:left + w] = scaled
    return np.round(frame * 255).astype(np.uint8)


def preprocess(image: np.ndarray) -> Preprocessed | None:
    """Canvas image -> model input, or None when (almost) nothing is drawn."""
    grey = ink(image)
    cropped = crop_to_ink(grey)
    if cropped is None:
        return None
    scaled = scale_to_box(cropped)
    centred = centre_by_mass(scaled)
    return Preprocessed(grey, cropped, scaled, centred, as_input(torch.from_numpy(centred)[None]))


PICTURE_MAX_BYTES = 2_000_000  # an uploaded picture of one digit: a phone photo, scaled down, fits
PICTURE_MAX_SIDE = 4_000       # pixels; a bigger one is refused before it is decoded


def picture_ink(data: bytes) -> np.ndarray:
    """An uploaded picture (PNG, JPEG, ...) as ink, uint8 (H, W) with 255 = ink: dark ink on light
    paper is turned round to MNIST's light ink on black. ValueError, in one sentence, for a file
    that is too big or not a picture."""
    from PIL import Image, UnidentifiedImageError
    if len(data) > PICTURE_MAX_BYTES:
        raise ValueError(f"That file is {len(data) / 1e6:.1f} MB: a picture of one digit up to "
                         f"{PICTURE_MAX_BYTES / 1e6:.0f} MB is enough.")
    try:
        with Image.open(io.BytesIO(data)) as picture:
            if max(picture.size) > PICTURE_MAX_SIDE:
                raise ValueError(f"That picture is {picture.size[0]:,} × {picture.size[1]:,} pixels: "
                                 f"send one at most {PICTURE_MAX_SIDE:,} pixels on a side.")
            grey = np.asarray(picture.convert("L"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValueError("That file is not a picture this page can read: send a PNG or JPEG.") from None
    edges = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    return 255 - grey if np.median(edges) > 127 else grey  # a light background is paper


def paste_digit(digit: np.ndarray, canvas: int, size: int, top: int, left: int) -> np.ndarray:
    """An MNIST digit (28x28 uint8) enlarged to `size` px, drawn white on a transparent RGBA canvas."""
    cropped = crop_to_ink(digit.astype(np.float32) / 255.0)
    big = scale_to_box(cropped, size)
    h, w = big.shape
    rgba = np.zeros((canvas, canvas, 4), dtype=np.uint8)
    rgba[top:top + h, left:left + w, :3] = 255
    rgba[top:top + h, left:left + w, 3] = np.round(big * 255).astype(np.uint8)
    return rgba


NOT_SURE_BELOW = 0.6  # a top probability under this is flagged "not sure"


@dataclass(frozen=True)
class Prediction:
    digit: int
    confidence: float         # probability of `digit`
    probabilities: list[float]  # one per digit 0-9

    @property
    def sure(self) -> bool:
        return self.confidence >= NOT_SURE_BELOW


def predict(model: torch.nn.Module, tensor: torch.Tensor) -> Prediction:
    """One model's answer for one preprocessed drawing."""
    probabilities = predict_proba(model, tensor)[0]
    confidence, digit = probabilities.max(dim=0)
    return Prediction(int(digit), float(confidence), probabilities.tolist())


def saliency(model: torch.nn.Module, centred: np.ndarray, digit: int) -> np.ndarray:
    """Gradient x input of `digit`'s score, per pixel of the 28x28 drawing (float32).

    Positive where the ink pushed the model towards `digit`, negative where it pushed
    away. Taken on the ink (0..1), the model's own input, so blank background scores
    exactly 0. Gradients go to the drawing only; the model's own `.grad`s are
    untouched, so a model shared between sessions stays as it was."""
    ink = torch.from_numpy(centred.astype(np.float32) / 255.0)[None, None].requires_grad_(True)
    with torch.enable_grad():
        score = model.eval()(ink)[0, digit]
        (gradient,) = torch.autograd.grad(score, ink)
    return (gradient * ink).detach()[0, 0].numpy()


def saliency_overlay(centred: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """uint8 RGB (28, 28, 3): the drawing in dim grey, red where it supports the answer,
    blue where it argues against, each scaled to the strongest pixel."""
    strongest = float(np.abs(scores).max()) or 1.0
    base = centred.astype(np.float32) * 0.35
    towards, against = np.clip(scores / strongest, 0, 1) * 255, np.clip(-scores / strongest, 0, 1) * 255
    rgb = np.stack([base + towards, base, base + against], axis=-1)
    return np.clip(rgb, 0, 255).astype(np.uint8)
