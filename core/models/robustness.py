"""How answers change when a digit is bent: one digit for the lab's sliders, accuracy
curves against rotation and scale on a fixed test subset, and the accuracy on the whole
bent test set that a run records as it ends.

The curves use the test set's first ROBUSTNESS_IMAGES digits (all ten digits appear
there), the same for every model, so curves of different models compare.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import torch
from torch import nn

from core.data.augment import Change, apply_change, shifted_test_set
from core.data.loading import Split, as_input
from core.models.evaluation import EVAL_BATCH_SIZE, evaluate

ROBUSTNESS_IMAGES = 1_000
ANGLES = tuple(range(-45, 50, 5))                        # degrees
SCALES = tuple(round(0.5 + 0.1 * i, 1) for i in range(11))  # 0.5 .. 1.5


@dataclass(frozen=True)
class RobustnessCurve:
    setting: str               # "angle" or "scale"
    values: tuple[float, ...]
    accuracies: tuple[float, ...]


@torch.no_grad()
def accuracy_under(model: nn.Module, split: Split, change: Change) -> float:
    """Accuracy on `split` with every digit changed by `change`."""
    model.eval()
    correct = 0
    for start in range(0, len(split), EVAL_BATCH_SIZE):
        images = as_input(split.images[start:start + EVAL_BATCH_SIZE])
        predictions = model(apply_change(images, change)).argmax(dim=1)
        correct += int((predictions == split.labels[start:start + EVAL_BATCH_SIZE]).sum())
    return correct / len(split)


def robustness_curves(model: nn.Module, test: Split) -> list[RobustnessCurve]:
    """Accuracy against rotation angle (ANGLES) and against scale (SCALES) on the first
    ROBUSTNESS_IMAGES test digits."""
    subset = test.head(ROBUSTNESS_IMAGES)
    by_angle = tuple(accuracy_under(model, subset, Change(angle=a)) for a in ANGLES)
    by_scale = tuple(accuracy_under(model, subset, Change(scale=s)) for s in SCALES)
    return [RobustnessCurve("angle", tuple(float(a) for a in ANGLES), by_angle),
            RobustnessCurve("scale", SCALES, by_scale)]


def bent(image: torch.Tensor, change: Change) -> torch.Tensor:
    """One digit (1, 1, H, W) in 0..1 after `change`; noise is seeded, so a slider position
    always shows the same digit."""
    return apply_change(image, change, seed=0)


# Bending 10,000 digits takes about a second: each test split's bent copy is made once and shared
# by every training that ends on it. The split itself is held too, so its id is never reused.
_BENT_KEPT = 2
_bent_sets: dict[int, tuple[Split, Split]] = {}
_bent_lock = threading.Lock()


def bent_test_set(test: Split) -> Split:
    """core.data.augment.shifted_test_set of `test`, made once while `test` is among the last few asked for."""
    with _bent_lock:
        kept = _bent_sets.get(id(test))
        if kept is not None and kept[0] is test:
            return kept[1]
    bent = shifted_test_set(test)
    with _bent_lock:
        _bent_sets[id(test)] = (test, bent)
        while len(_bent_sets) > _BENT_KEPT:
            del _bent_sets[next(iter(_bent_sets))]
    return bent


def bent_accuracy(model: nn.Module, test: Split, batch_size: int = EVAL_BATCH_SIZE) -> float:
    """Accuracy on the bent copy of `test` (bent_test_set), on the device the model is on."""
    device = next(model.parameters(), torch.zeros(())).device
    return evaluate(model, bent_test_set(test), device=device, batch_size=batch_size).accuracy
