import numpy as np
import pytest
import torch

from core.data.datasets import MNIST
from core.models.drawing import BOX, PICTURE_MAX_BYTES, SIDE, ink, paste_digit, picture_ink, preprocess


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
    assert result.tensor.min().item() == 0.0 and result.tensor.max().item() <= 1.0  # ink, as models take it


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
    from core.models.drawing import NOT_SURE_BELOW, predict

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


def linear_model_with(weights: torch.Tensor) -> torch.nn.Module:
    from core.models.architectures import build_model
    model = build_model("logistic")
    linear = next(m for m in model.modules() if isinstance(m, torch.nn.Linear))
    with torch.no_grad():
        linear.weight.copy_(weights.reshape(10, -1))
        linear.bias.zero_()
    return model


def test_saliency_is_gradient_times_ink_and_zero_on_the_background():
    from core.models.drawing import saliency
    weights = torch.zeros(10, 28, 28)
    weights[3, :14] = 1.0    # ink in the top half speaks for a 3
    weights[3, 14:] = -2.0   # ink in the bottom half against it
    model = linear_model_with(weights)
    drawing = np.zeros((28, 28), dtype=np.uint8)
    drawing[5:9, 10:18] = 255
    drawing[20:22, 10:18] = 128
    scores = saliency(model, drawing, digit=3)
    assert scores.shape == (28, 28) and scores.dtype == np.float32
    # for a linear model d(score)/d(ink) = weight / std exactly (the model standardises its input)
    expected = weights[3].numpy() / MNIST.std * drawing / 255.0
    np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-6)
    assert (scores[5:9, 10:18] > 0).all() and (scores[20:22, 10:18] < 0).all()
    assert (scores[drawing == 0] == 0).all()
    assert all(p.grad is None for p in model.parameters())  # a shared model stays untouched


def test_saliency_works_for_every_architecture():
    from core.models.architectures import ARCHITECTURES, build_model
    from core.models.drawing import saliency
    drawing = np.zeros((28, 28), dtype=np.uint8)
    drawing[6:22, 13:16] = 255
    for arch in ARCHITECTURES:
        scores = saliency(build_model(arch), drawing, digit=1)
        assert scores.shape == (28, 28) and np.isfinite(scores).all(), arch
        assert (scores[drawing == 0] == 0).all() and np.abs(scores).max() > 0, arch


def test_saliency_overlay_colours_support_red_and_opposition_blue():
    from core.models.drawing import saliency_overlay
    drawing = np.zeros((28, 28), dtype=np.uint8)
    drawing[:, :3] = 255
    scores = np.zeros((28, 28), dtype=np.float32)
    scores[:, 0], scores[:, 1] = 2.0, -1.0
    rgb = saliency_overlay(drawing, scores)
    assert rgb.shape == (28, 28, 3) and rgb.dtype == np.uint8
    red, green, blue = (rgb[..., i].astype(int) for i in range(3))
    assert (red[:, 0] == 255).all() and (blue[:, 0] == green[:, 0]).all()      # strongest support
    assert (blue[:, 1] > green[:, 1] + 100).all() and (red[:, 1] == green[:, 1]).all()  # against
    assert (red[:, 2] == green[:, 2]).all() and (green[:, 2] == blue[:, 2]).all()   # ink, no say: grey
    assert (rgb[:, 3:] == 0).all()
    silent = saliency_overlay(drawing, np.zeros_like(scores))  # nothing mattered: plain grey, no division by 0
    assert (silent[..., 0] == silent[..., 1]).all() and (silent[..., 1] == silent[..., 2]).all()


def png_bytes(grey: np.ndarray, kind: str = "PNG") -> bytes:
    import io

    from PIL import Image
    out = io.BytesIO()
    Image.fromarray(grey).save(out, format=kind)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_a_photo_of_dark_ink_on_paper_reads_as_mnist_ink(kind):
    paper = np.full((300, 200), 235, dtype=np.uint8)  # light paper, a dark bar off centre
    paper[40:220, 30:60] = 20
    result = preprocess(picture_ink(png_bytes(paper, kind)))
    assert_mnist_like(result)
    assert result.centred[14, 14] > 150 and result.centred[0, 0] == 0  # the ink is light, the paper black


def test_light_ink_on_black_is_kept_as_it_is():
    dark = np.zeros((64, 64), dtype=np.uint8)
    dark[10:50, 30:36] = 255
    assert (picture_ink(png_bytes(dark)) == dark).all()


@pytest.mark.parametrize("data, words", [
    (b"not a picture at all", "not a picture this page can read"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "not a picture this page can read"),
    (b"x" * (PICTURE_MAX_BYTES + 1), "a picture of one digit up to 2 MB is enough"),
])
def test_a_file_that_is_not_a_small_picture_is_one_sentence(data, words):
    with pytest.raises(ValueError, match=words):
        picture_ink(data)


def test_a_picture_too_many_pixels_wide_is_refused_before_it_is_decoded():
    wide = png_bytes(np.zeros((2, 5000), dtype=np.uint8))
    with pytest.raises(ValueError, match="5,000 × 2 pixels"):
        picture_ink(wide)
