"""Test-set evaluation: loss, accuracy, per-class accuracy, confusion, mistakes."""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from core.data.loading import Split, as_input

EVAL_BATCH_SIZE = 250  # fits the CPU caches: the default CNN evaluates 2x faster than at 1000


@dataclass(frozen=True)
class Evaluation:
    loss: float                  # mean cross-entropy
    accuracy: float              # 0..1
    predictions: torch.Tensor    # int64 (N,)
    confidences: torch.Tensor    # float (N,): probability of the predicted class
    labels: torch.Tensor         # int64 (N,)

    num_classes: int = 10

    @property
    def confusion(self) -> torch.Tensor:
        """(classes, classes) counts; row = true class, column = predicted class."""
        n = self.num_classes
        flat = self.labels * n + self.predictions
        return torch.bincount(flat, minlength=n ** 2).reshape(n, n)

    @property
    def per_class_accuracy(self) -> list[float]:
        """Accuracy for each true digit (nan for a digit absent from the labels)."""
        confusion = self.confusion.to(torch.float64)
        return (confusion.diagonal() / confusion.sum(dim=1)).tolist()

    def mistakes(self, limit: int | None = None) -> list["Mistake"]:
        """Misclassified examples, most confident mistakes first."""
        wrong = (self.predictions != self.labels).nonzero().flatten()
        wrong = wrong[self.confidences[wrong].argsort(descending=True)]
        return [Mistake(int(i), int(self.labels[i]), int(self.predictions[i]), float(self.confidences[i]))
                for i in wrong[:limit]]


@dataclass(frozen=True)
class Mistake:
    index: int        # position in the evaluated split
    true: int
    predicted: int
    confidence: float


def evaluate(model: nn.Module, split: Split, device: torch.device | str = "cpu",
             batch_size: int = EVAL_BATCH_SIZE) -> Evaluation:
    """Evaluate in inference mode (no autograd, dropout off), then restore the model's mode."""
    was_training = model.training
    model.eval()
    total_loss = torch.zeros((), dtype=torch.float64, device=device)
    predictions, confidences, classes = [], [], 10
    with torch.inference_mode():
        for start in range(0, len(split), batch_size):
            images = split.images[start:start + batch_size].to(device, non_blocking=True)
            labels = split.labels[start:start + batch_size].to(device, non_blocking=True)
            logits = model(as_input(images))
            classes = logits.shape[1]
            total_loss += F.cross_entropy(logits, labels, reduction="sum").double()
            confidence, predicted = logits.softmax(dim=1).max(dim=1)
            predictions.append(predicted)
            confidences.append(confidence)
    model.train(was_training)
    predicted = torch.cat(predictions).cpu() if predictions else torch.zeros(0, dtype=torch.int64)
    labels = split.labels.cpu()
    return Evaluation(
        loss=total_loss.item() / max(len(split), 1),
        accuracy=(predicted == labels).double().mean().item() if len(split) else 0.0,
        predictions=predicted, confidences=torch.cat(confidences).cpu() if confidences else torch.zeros(0),
        labels=labels, num_classes=classes)
