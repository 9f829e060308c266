import pytest
import torch

from core.data.loading import as_input
from core.models.architectures import architecture, build_model, count_parameters
from core.models.inspect import (
    blocks,
    conv_filters,
    embedding,
    feature_stages,
    first_layer_units,
    has_hidden_layer,
    layer_outputs,
    logistic_scores,
    logistic_weights,
    place_on_map,
    unit_influence,
)


def trained_looking(arch: str, **options):
    """A model with random (not freshly initialised) weights, in evaluation mode."""
    torch.manual_seed(0)
    model = build_model(arch, architecture(arch).options(**options))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    return model.eval()


def a_digit(seed: int = 0) -> torch.Tensor:
    return torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(seed))


def test_logistic_weight_images_are_the_parameters_exactly():
    model = trained_looking("logistic")
    weights = logistic_weights(model)
    assert weights.shape == (10, 28, 28)
    assert torch.equal(weights.reshape(10, -1), model.net[1].weight.detach())


def test_logistic_scores_add_up_to_the_models_logits_and_blank_pixels_add_nothing():
    model = trained_looking("logistic")
    image = a_digit()
    image[..., :5, :] = 0  # the top rows hold no ink
    parts = logistic_scores(model, image)
    torch.testing.assert_close(parts.scores, model(image)[0].detach(), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(parts.contributions.sum(dim=(1, 2)) + parts.blank, parts.scores)
    assert (parts.contributions[:, :5, :] == 0).all()
    torch.testing.assert_close(parts.blank, model(torch.zeros(1, 1, 28, 28))[0].detach(), atol=1e-5, rtol=1e-5)


def test_mlp_units_come_most_influential_first_and_are_their_weights():
    model = trained_looking("mlp", hidden=[32, 16])
    units, order = first_layer_units(model, 8)
    influence = unit_influence(model)
    assert units.shape == (8, 28, 28) and len(order) == 8
    assert influence[order].tolist() == sorted(influence.tolist(), reverse=True)[:8]
    assert torch.equal(units[0].flatten(), model.net[1].weight[order[0]].detach())


@pytest.mark.parametrize("batch_norm", [True, False])
def test_feature_maps_have_each_layers_shape(batch_norm):
    model = trained_looking("cnn", channels=[6, 12], kernel_size=5, fc_hidden=20, batch_norm=batch_norm)
    stages = feature_stages(model, a_digit())
    assert [tuple(s.maps.shape) for s in stages] == [(6, 24, 24), (6, 12, 12), (12, 8, 8), (12, 4, 4), (20,), (10,)]
    assert [s.title.split(":")[0] for s in stages] == ["conv 1", "max-pool + ReLU 1", "conv 2", "max-pool + ReLU 2",
                                                       "hidden layer 1", "output"]
    assert (stages[1].maps >= 0).all()  # after ReLU
    torch.testing.assert_close(stages[-1].maps, model(a_digit())[0].detach())
    outputs = layer_outputs(model, a_digit())
    assert len(outputs) == len(model.net)


def test_a_pool_first_cnn_shows_each_conv_once_then_pool_norm_and_relu():
    model = trained_looking("cnn", channels=[6, 12], kernel_size=5, kernel_size_2=3, fc_hidden=0, pool_first=True)
    stages = feature_stages(model, a_digit())
    assert [s.title.split(":")[0] for s in stages] == ["conv 1", "max-pool + batch norm + ReLU 1", "conv 2",
                                                       "max-pool + batch norm + ReLU 2", "output"]
    assert [tuple(s.maps.shape) for s in stages] == [(6, 24, 24), (6, 12, 12), (12, 10, 10), (12, 5, 5), (10,)]
    assert sum(b.parameters for b in blocks(model, 28)) == count_parameters(model)


def test_conv_filters_are_the_weights_in_nchw_order():
    model = trained_looking("cnn", channels=[6, 12], kernel_size=3)  # channels-last in memory
    first, second = conv_filters(model)
    assert first.shape == (6, 1, 3, 3) and second.shape == (12, 6, 3, 3)
    assert torch.equal(second, model.net[4].weight.detach())


@pytest.mark.parametrize("arch", ["logistic", "mlp", "cnn"])
def test_the_diagram_counts_every_parameter_and_ends_in_ten_scores(arch):
    model = build_model(arch)
    found = blocks(model, 28)
    assert found[0].shape == (1, 28, 28) and found[-1].shape == (10,)
    assert sum(b.parameters for b in found) == count_parameters(model)


def test_a_drawing_lands_where_the_same_digit_of_the_map_lies(tiny_mnist):
    model = trained_looking("mlp", hidden=[32])
    found = embedding(model, tiny_mnist.test, count=100, seed=0)
    index = int(found.indices[7])
    x, y = place_on_map(model, found, as_input(tiny_mnist.test.images[index][None]))
    assert (x, y) == pytest.approx(tuple(found.coords[7].tolist()), abs=1e-4)
    assert not has_hidden_layer(trained_looking("logistic")) and has_hidden_layer(model)


def test_the_embedding_is_reproducible_for_a_seed(tiny_mnist):
    model = trained_looking("mlp", hidden=[32])
    first, again = embedding(model, tiny_mnist.test, count=150, seed=3), embedding(model, tiny_mnist.test, 150, 3)
    other = embedding(model, tiny_mnist.test, count=150, seed=4)
    assert first.coords.shape == (150, 2) and first.features == 32
    assert torch.equal(first.coords, again.coords) and torch.equal(first.indices, again.indices)
    assert not torch.equal(first.indices, other.indices)
    assert torch.equal(first.labels, tiny_mnist.test.labels[first.indices])
    assert 0 < first.explained[1] <= first.explained[0] <= 1
    logits = model(as_input(tiny_mnist.test.images[first.indices]))
    assert torch.equal(first.predictions, logits.argmax(dim=1))
