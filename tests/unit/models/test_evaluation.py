import torch
from torch import nn

from core.data.loading import Split
from core.models.evaluation import evaluate


class FixedLogits(nn.Module):
    """Returns prepared logits whatever the input: a model whose answers we choose."""

    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.logits = logits
        self.calls = 0

    def forward(self, x):
        out = self.logits[self.calls:self.calls + len(x)]
        self.calls += len(x)
        return out


def test_metrics_confusion_and_mistakes():
    labels = torch.tensor([0, 1, 2, 3, 3])
    predicted = torch.tensor([0, 1, 2, 5, 3])
    logits = torch.full((5, 10), -5.0)
    logits[torch.arange(5), predicted] = torch.tensor([5.0, 5.0, 5.0, 1.0, 5.0])
    split = Split(torch.zeros(5, 28, 28, dtype=torch.uint8), labels)
    result = evaluate(FixedLogits(logits), split, batch_size=2)
    assert result.accuracy == 0.8
    assert torch.equal(result.predictions, predicted)
    assert result.confusion[3, 5] == 1 and result.confusion[3, 3] == 1 and result.confusion.sum() == 5
    per_class = result.per_class_accuracy
    assert per_class[:4] == [1.0, 1.0, 1.0, 0.5] and all(torch.tensor(per_class[4:]).isnan())
    [mistake] = result.mistakes()
    assert (mistake.index, mistake.true, mistake.predicted) == (3, 3, 5)
    assert 0.1 < mistake.confidence < 1.0
    expected_loss = nn.functional.cross_entropy(logits, labels).item()
    assert abs(result.loss - expected_loss) < 1e-5


def test_mistakes_are_sorted_by_confidence_and_limited():
    labels = torch.zeros(3, dtype=torch.long)
    logits = torch.zeros(3, 10)
    logits[0, 1], logits[1, 2], logits[2, 3] = 1.0, 9.0, 4.0
    result = evaluate(FixedLogits(logits), Split(torch.zeros(3, 28, 28, dtype=torch.uint8), labels))
    assert [m.index for m in result.mistakes()] == [1, 2, 0]
    assert len(result.mistakes(limit=2)) == 2


def test_evaluation_restores_training_mode():
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    model.train()
    evaluate(model, Split(torch.zeros(4, 28, 28, dtype=torch.uint8), torch.zeros(4, dtype=torch.long)))
    assert model.training


def test_the_batch_size_changes_the_speed_not_the_figures(tiny_mnist):
    from core.models.architectures import ARCHITECTURES, build_model
    from core.training.engine import probe_accuracy

    for arch, spec in ARCHITECTURES.items():
        torch.manual_seed(0)
        model = build_model(arch)
        small, large = evaluate(model, tiny_mnist.test, batch_size=7), evaluate(model, tiny_mnist.test, batch_size=1000)
        assert torch.equal(small.predictions, large.predictions), arch
        assert abs(small.loss - large.loss) < 1e-5 and small.accuracy == large.accuracy
        assert probe_accuracy(model, tiny_mnist.test, spec.eval_batch_size) == probe_accuracy(model, tiny_mnist.test, 7)
