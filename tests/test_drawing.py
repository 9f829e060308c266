import numpy as np
import pytest
import torch

from core.data import MNIST_MEAN, MNIST_STD
from core.drawing import BOX, SIDE, ink, paste_digit, preprocess


def canvas(size=280, background=(0, 0, 0, 255)) -> np.ndarray:
    image = np.zeros((size, size, 4), dtype=np.uint8)
    image[:] = background
    return image


def stroke(image, rows, cols, value=255):
    image[rows, cols, :3] = value
    image[rows, cols, 3] = 255
    return image


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    weights = image.astype(np.float64)
    rows, cols = np.indices(weights.shape)
    return (weights * rows).sum() / weights.sum(), (weights * cols).sum() / weights.sum()


def assert_mnist_like(result):
    assert result is not None
    assert result.centred.shape == (SIDE, SIDE) and result.centred.dtype == np.uint8
    assert max(result.scaled.shape) == BOX
    r, c = centre_of_mass(result.centred)
    assert abs(r - 14) <= 0.75 and abs(c - 14) <= 0.75  # where MNIST puts it
    assert result.tensor.shape == (1, 1, SIDE, SIDE)
    assert result.tensor.min().item() == pytest.approx(-MNIST_MEAN / MNIST_STD, rel=1e-4)


def test_an_off_centre_bar_is_centred_and_boxed():
    image = stroke(canvas(), slice(10, 90), slice(200, 215))  # a "1" in the top right corner
    result = preprocess(image)
    assert_mnist_like(result)
    assert result.scaled.shape[0] == BOX and result.scaled.shape[1] < 6  # tall and thin stays so


@pytest.mark.parametrize("rows, cols", [
    (slice(130, 140), slice(136, 138)),    # tiny
    (slice(0, 280), slice(0, 280)),        # huge: the whole canvas
    (slice(20, 260), slice(139, 141)),     # very thin
    (slice(40, 240), slice(60, 220)),      # very thick
])
def test_any_size_and_thickness(rows, cols):
    assert_mnist_like(preprocess(stroke(canvas(), rows, cols)))


def test_a_ring_keeps_its_hole_and_aspect():
    yy, xx = np.indices((280, 280))
    ring = (np.hypot(yy - 140, xx - 100) < 80) & (np.hypot(yy - 140, xx - 100) > 50)
    image = canvas()
    image[ring] = 255
    result = preprocess(image)
    assert_mnist_like(result)
    assert result.centred[13:15, 13:15].max() == 0  # the hole of the "0" is still empty


def test_non_square_canvas_and_transparent_background():
    image = np.zeros((200, 400, 4), dtype=np.uint8)  # fully transparent
    stroke(image, slice(50, 150), slice(300, 320))
    assert_mnist_like(preprocess(image))
    image[..., :3] = 255  # white but transparent is still no ink
    image[..., 3] = 0
    assert preprocess(image) is None


@pytest.mark.parametrize("dots", [0, 3])
def test_empty_or_nearly_empty_gives_nothing(dots):
    image = canvas()
    for i in range(dots):
        image[10 + i, 10] = 255
    assert preprocess(image) is None


def test_grey_and_rgb_inputs():
    assert ink(np.full((4, 4), 255, dtype=np.uint8)).max() == 1.0
    assert ink(np.zeros((4, 4, 3), dtype=np.uint8)).max() == 0.0


def test_an_mnist_digit_pasted_large_comes_back_in_its_own_framing(real_mnist):
    rng = np.random.default_rng(0)
    scores = []
    for index in range(50):
        digit = real_mnist.test.images[index].numpy()
        size = int(rng.integers(110, 250))
        top, left = (int(v) for v in rng.integers(0, 280 - size, size=2))
        result = preprocess(paste_digit(digit, 280, size, top, left))
        a, b = result.centred.astype(np.float64).ravel(), digit.astype(np.float64).ravel()
        scores.append(np.corrcoef(a, b)[0, 1])
    assert np.median(scores) > 0.9 and min(scores) > 0.7


def test_predict_reports_digit_confidence_and_doubt():
    from core.drawing import NOT_SURE_BELOW, predict

    class Fixed(torch.nn.Module):
        def __init__(self, logits):
            super().__init__()
            self.logits = torch.tensor([logits])

        def forward(self, x):
            return self.logits

    x = torch.zeros(1, 1, 28, 28)
    sure = predict(Fixed([0.0] * 7 + [10.0, 0.0, 0.0]), x)
    assert sure.digit == 7 and sure.confidence > 0.99 and sure.sure
    assert len(sure.probabilities) == 10 and abs(sum(sure.probabilities) - 1) < 1e-6
    doubtful = predict(Fixed([1.0, 1.0] + [0.0] * 8), x)
    assert doubtful.confidence < NOT_SURE_BELOW and not doubtful.sure
