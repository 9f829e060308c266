import pytest
import torch

from core.models import MODEL_OPTIONS, CNNOptions, MLPOptions, build_model, count_parameters, describe
from core.ranges import ConfigError


@pytest.mark.parametrize("arch", sorted(MODEL_OPTIONS))
def test_every_model_maps_a_batch_to_ten_logits(arch):
    model = build_model(arch)
    assert model(torch.randn(5, 1, 28, 28)).shape == (5, 10)


def test_parameter_counts_match_the_architectures():
    assert count_parameters(build_model("logistic")) == 784 * 10 + 10
    mlp = build_model("mlp", MLPOptions(hidden=[50], dropout=0.5))  # seed 002
    assert count_parameters(mlp) == 784 * 50 + 50 + 50 * 10 + 10
    seed_cnn = CNNOptions(channels=[10, 20], kernel_size=5, fc_hidden=50, dropout=0.5,
                          conv_dropout=0.5, batch_norm=False)  # seed 000: 21,840 parameters
    assert count_parameters(build_model("cnn", seed_cnn)) == 21_840


@pytest.mark.parametrize("kernel", [3, 5, 7])
def test_cnn_flatten_size_follows_kernel(kernel):
    model = build_model("cnn", CNNOptions(kernel_size=kernel))
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_invalid_options_are_rejected():
    with pytest.raises(ConfigError, match="model.dropout"):
        build_model("mlp", MLPOptions(dropout=1.5))
    with pytest.raises(ConfigError, match="arch must be one of"):
        build_model("transformer")


def test_describe_is_readable():
    assert describe("mlp", MLPOptions(hidden=[50])) == "MLP (784 → 50 → 10)"
    assert "conv 16/32" in describe("cnn", CNNOptions())
