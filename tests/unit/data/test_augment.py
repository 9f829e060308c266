import pytest
import torch
from helpers import synthetic_split, tiny_config

from core.data.augment import Augmentation, Change, apply_change, shifted_test_set, transform
from core.data.loading import as_input
from core.training.engine import augmentation_generator, training_batch

BENT = Augmentation(rotation=25.0, scale=0.3, shift=2.5, stroke=1.0)


def digits(n: int = 8, seed: int = 0) -> torch.Tensor:
    """Float (n, 1, 28, 28) inputs in 0..1 with a blank border, so nothing falls off a whole-pixel move."""
    images = as_input(synthetic_split(n, seed).images)
    images[..., :4, :], images[..., -4:, :], images[..., :, :4], images[..., :, -4:] = 0, 0, 0, 0
    return images


def unchanged(n: int) -> dict:
    return {"angle": torch.zeros(n), "scale": torch.ones(n), "shift": torch.zeros(n, 2), "stroke": torch.zeros(n)}


def test_no_change_is_the_identity():
    x = digits()
    assert torch.allclose(transform(x, **unchanged(len(x))), x, atol=1e-6)
    assert torch.allclose(apply_change(x, Change()), x, atol=1e-6)


def test_a_quarter_turn_is_counter_clockwise_on_screen():
    x = digits()
    turned = transform(x, **{**unchanged(len(x)), "angle": torch.full((len(x),), 90.0)})
    assert torch.allclose(turned, torch.rot90(x, 1, (2, 3)), atol=1e-5)
    assert not torch.allclose(turned, torch.rot90(x, -1, (2, 3)), atol=1e-2)


@pytest.mark.parametrize("dx, dy", [(2, 0), (0, -3), (1, 2)])
def test_a_whole_pixel_shift_moves_the_digit_right_and_down(dx, dy):
    x = digits()
    shift = torch.tensor([[float(dx), float(dy)]]).expand(len(x), 2)
    moved = transform(x, **{**unchanged(len(x)), "shift": shift})
    assert torch.allclose(moved, torch.roll(x, (dy, dx), (2, 3)), atol=1e-5)


def test_thicker_strokes_never_lose_ink_and_thinner_never_gain_it():
    x = torch.rand(6, 1, 28, 28)
    n = len(x)
    thicker = transform(x, **{**unchanged(n), "stroke": torch.ones(n)})
    thinner = transform(x, **{**unchanged(n), "stroke": -torch.ones(n)})
    assert (thicker >= x - 1e-6).all() and (thinner <= x + 1e-6).all()
    assert thicker.sum() > x.sum() > thinner.sum()


def test_apply_change_noise_is_seeded():
    x = digits(4)
    noisy = Change(noise=0.2)
    assert torch.equal(apply_change(x, noisy, seed=3), apply_change(x, noisy, seed=3))
    assert not torch.equal(apply_change(x, noisy, seed=3), apply_change(x, noisy, seed=4))
    assert apply_change(x, noisy).min() >= 0 and apply_change(x, noisy).max() <= 1


def test_an_augmentation_comes_from_the_config_and_is_off_by_default():
    assert not Augmentation.of(tiny_config()).active
    config = tiny_config(augment_rotation=25.0, augment_shift=2.5, augment_scale=0.3, augment_stroke=1.0)
    assert Augmentation.of(config) == BENT and BENT.active


def test_augmented_batches_repeat_under_a_seed_and_keep_their_labels(tiny_mnist):
    train, indices = tiny_mnist.train, torch.arange(0, 64, 2)
    first, labels = training_batch(train, indices, BENT, torch.Generator().manual_seed(5))
    again, _ = training_batch(train, indices, BENT, torch.Generator().manual_seed(5))
    other, other_labels = training_batch(train, indices, BENT, torch.Generator().manual_seed(6))
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert torch.equal(labels, train.labels[indices]) and torch.equal(other_labels, labels)
    assert first.shape == (32, 1, 28, 28) and first.dtype == torch.float32
    assert not torch.allclose(first, as_input(train.images[indices]), atol=0.05)


def test_without_augmentation_a_batch_is_the_plain_input_and_draws_nothing(tiny_mnist):
    train, indices = tiny_mnist.train, torch.arange(10)
    generator = augmentation_generator(tiny_config())
    state = generator.get_state()
    images, labels = training_batch(train, indices, Augmentation(), generator)
    assert torch.equal(images, as_input(train.images[indices])) and torch.equal(labels, train.labels[indices])
    assert torch.equal(generator.get_state(), state)


def test_the_shifted_test_set_is_fixed_and_keeps_labels_shape_and_dtype(tiny_mnist):
    test = tiny_mnist.test
    shifted = shifted_test_set(test, batch=64)  # several batches: the draws must not depend on them
    assert torch.equal(shifted.images, shifted_test_set(test).images)
    assert torch.equal(shifted.labels, test.labels)
    assert shifted.images.shape == test.images.shape and shifted.images.dtype == torch.uint8
    assert (shifted.images != test.images).float().mean() > 0.1  # bent, not copied
    assert not torch.equal(shifted_test_set(test, seed=1).images, shifted.images)
