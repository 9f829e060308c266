import torch
from helpers import ListRecorder, tiny_config

from core.data.augment import Change, shifted_test_set
from core.models.architectures import build_model
from core.models.evaluation import evaluate
from core.models.robustness import (
    ANGLES,
    ROBUSTNESS_IMAGES,
    SCALES,
    accuracy_under,
    bent,
    bent_accuracy,
    bent_test_set,
    robustness_curves,
)
from core.training.engine import fit


def test_an_unchanged_digit_is_read_as_the_test_set_reads_it(tiny_mnist):
    torch.manual_seed(0)
    model = build_model("logistic").eval()
    assert accuracy_under(model, tiny_mnist.test, Change()) == evaluate(model, tiny_mnist.test).accuracy


def test_curves_cover_every_angle_and_scale_and_peak_unchanged(tiny_mnist):
    # a model that reads the synthetic digits by where their square is: bending moves the square away
    model = fit(tiny_config(epochs=3), tiny_mnist, ListRecorder()).model
    by_angle, by_scale = robustness_curves(model, tiny_mnist.test)
    assert by_angle.values == tuple(float(a) for a in ANGLES) and by_scale.values == SCALES
    assert len(by_angle.accuracies) == len(ANGLES) and len(by_scale.accuracies) == len(SCALES)
    upright = by_angle.accuracies[ANGLES.index(0)]
    assert upright == evaluate(model, tiny_mnist.test.head(ROBUSTNESS_IMAGES)).accuracy
    assert upright == max(by_angle.accuracies) and by_angle.accuracies[0] < upright - 0.2


def test_a_bent_digit_is_the_same_for_the_same_sliders():
    digit = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    change = Change(angle=20, noise=0.3)
    assert torch.equal(bent(digit, change), bent(digit, change))
    torch.testing.assert_close(bent(digit, Change()), digit, atol=1e-5, rtol=0)  # bilinear at pixel centres
    assert not torch.allclose(bent(digit, change), digit, atol=0.1)


def test_the_bent_test_set_is_made_once_per_split_and_read_as_the_bent_accuracy(tiny_mnist):
    test = tiny_mnist.test
    made = bent_test_set(test)
    assert torch.equal(made.images, shifted_test_set(test).images) and bent_test_set(test) is made
    assert bent_test_set(test.head(50)) is not made  # another split, its own copy
    torch.manual_seed(0)
    model = build_model("logistic").eval()
    assert bent_accuracy(model, test) == evaluate(model, made).accuracy
