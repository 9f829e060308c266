"""What a training records as it goes: loss points and per-epoch metrics.

`History` is the typed form every part uses (the job's snapshots, the store, the
plots, Compare); `to_dict`/`from_dict` give the plain form kept in the run database
and in checkpoints.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class EpochMetrics:
    epoch: int                     # 0 = before training
    examples_seen: int
    train_seconds: float           # optimisation time so far, evaluation excluded
    train_loss: float | None       # mean over the epoch's batches (None for epoch 0)
    train_accuracy: float | None   # on the batches as trained (dropout on)
    test_loss: float
    test_accuracy: float


@dataclass(frozen=True)
class History:
    train_points: tuple[tuple[int, float], ...] = ()  # (examples seen, mean train loss since the last point)
    epochs: tuple[EpochMetrics, ...] = ()             # epoch 0 is the untrained model
    probes: tuple[tuple[int, float], ...] = ()        # (examples seen, accuracy on core.training.engine's probe images)
    checks: tuple[tuple[int, float, float], ...] = ()  # (examples seen, training seconds, whole test set's
                                                       # accuracy) within epochs: TrainConfig.test_every

    @property
    def trained_epochs(self) -> int:
        return max(len(self.epochs) - 1, 0)

    def test_accuracy_points(self) -> list[tuple[int, float]]:
        """Test accuracy against examples seen: the probes and checks within epochs and the
        full test set at each epoch's end, in order."""
        return sorted([*self.probes, *((seen, accuracy) for seen, _, accuracy in self.checks),
                       *((e.examples_seen, e.test_accuracy) for e in self.epochs)])

    def test_set_accuracy_times(self) -> list[tuple[float, float]]:
        """(training seconds, accuracy) of every whole-test-set measurement, checks within
        epochs and epoch ends, in order."""
        return sorted([*((seconds, accuracy) for _, seconds, accuracy in self.checks),
                       *((e.train_seconds, e.test_accuracy) for e in self.epochs)])

    def to_dict(self) -> dict[str, Any]:
        return {"train_points": [list(p) for p in self.train_points], "epochs": [asdict(e) for e in self.epochs],
                "probes": [list(p) for p in self.probes], "checks": [list(c) for c in self.checks]}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "History":
        """The stored form back; keys it does not know are ignored, an empty dict is an empty history."""
        data = data or {}
        names = {f.name for f in fields(EpochMetrics)}
        return cls(tuple((int(seen), float(loss)) for seen, loss in data.get("train_points", [])),
                   tuple(EpochMetrics(**{k: v for k, v in e.items() if k in names}) for e in data.get("epochs", [])),
                   tuple((int(seen), float(accuracy)) for seen, accuracy in data.get("probes", [])),
                   tuple((int(seen), float(seconds), float(accuracy))
                         for seen, seconds, accuracy in data.get("checks", [])))
