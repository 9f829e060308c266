""""My drawings": digits learners drew and labelled, kept in the run store's database.

They make an extra test set: how well do models trained on MNIST read new handwriting?
Each drawing is stored as the model sees it (28x28 uint8 after `core.models.drawing.preprocess`),
with its true digit, the nickname of whoever drew it and their learner id (core.store.learners).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from sqlalchemy import select

from core.data.datasets import MNIST
from core.data.loading import Split
from core.store.runs import RunStore
from core.store.schema import drawings as drawings_table

IMAGE_SIZE = MNIST.image_size  # drawings are digits, read by MNIST models


@dataclass(frozen=True)
class Drawing:
    drawing_id: int
    label: int
    image: np.ndarray  # uint8 (28, 28)
    nickname: str
    learner: str
    created_at: float


class MyDrawings:
    """The labelled drawings in `store`'s database (one table beside the runs)."""

    def __init__(self, store: RunStore) -> None:
        self._store = store
        store.ensure_table(drawings_table)

    def add(self, image: np.ndarray, label: int, nickname: str = "", learner: str = "") -> int:
        """Save one preprocessed drawing with its true digit; returns its id."""
        image = np.asarray(image)
        if image.shape != (IMAGE_SIZE, IMAGE_SIZE) or image.dtype != np.uint8:
            raise ValueError(f"a drawing is a {IMAGE_SIZE}x{IMAGE_SIZE} uint8 image, got {image.shape} {image.dtype}")
        if label not in range(10):
            raise ValueError(f"the true digit must be 0-9, got {label!r}")
        [row] = self._store.execute(drawings_table.insert().returning(drawings_table.c.drawing_id).values(
            label=int(label), image=image.tobytes(), nickname=nickname, learner=learner, created_at=time.time()))
        return int(row["drawing_id"])

    def list(self, learner: str | None = None) -> list[Drawing]:
        """Oldest first; only `learner`'s when given."""
        query = select(drawings_table).order_by(drawings_table.c.drawing_id)
        if learner is not None:
            query = query.where(drawings_table.c.learner == learner)
        return [Drawing(r["drawing_id"], r["label"],
                        np.frombuffer(r["image"], dtype=np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE).copy(),
                        r["nickname"], r["learner"], r["created_at"])
                for r in self._store.execute(query)]


def as_split(drawings: list[Drawing]) -> Split:
    """The drawings as a test split, ready for `core.models.evaluation.evaluate`."""
    images = np.stack([d.image for d in drawings]) if drawings else np.zeros((0, IMAGE_SIZE, IMAGE_SIZE), np.uint8)
    return Split(torch.from_numpy(images), torch.tensor([d.label for d in drawings], dtype=torch.int64))
