import pytest
import torch

from core.models import (
    ARCHITECTURES,
    CNNOptions,
    MLPOptions,
    build_model,
    count_parameters,
    describe,
)
from core.ranges import ConfigError


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
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


def test_the_cnn_runs_channels_last_with_the_values_of_the_nchw_model():
    torch.manual_seed(0)
    model = build_model("cnn").eval()
    conv = model.net[0]
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    seen = {}

    def record_layout(module, args, output):
        seen["nhwc"] = args[0].is_contiguous(memory_format=torch.channels_last)

    conv.register_forward_hook(record_layout)
    plain = build_model("cnn").eval()
    plain.input.channels_last = False
    plain.to(memory_format=torch.contiguous_format)
    plain.load_state_dict(model.state_dict())   # the same keys and values in either layout
    assert list(model.state_dict())[:3] == ["input.mean", "input.std", "net.0.weight"]
    x = torch.rand(4, 1, 28, 28)
    assert torch.allclose(model(x), plain(x), atol=1e-5)
    assert seen == {"nhwc": True}


def test_every_model_standardises_its_input_with_its_datasets_constants():
    from core.datasets import MNIST
    model = build_model("logistic").eval()
    assert model.input.mean.item() == pytest.approx(MNIST.mean) and model.input.std.item() == pytest.approx(MNIST.std)
    x = torch.rand(2, 1, 28, 28)
    linear = model.net[1]
    expected = linear(((x - MNIST.mean) / MNIST.std).flatten(1))
    assert torch.allclose(model(x), expected, atol=1e-5)
    assert {"input.mean", "input.std"} <= set(model.state_dict())  # a checkpoint carries them
    assert count_parameters(model) == 784 * 10 + 10  # buffers, not parameters


def test_the_registry_names_every_part_of_an_architecture():
    from core.models import Architecture, architecture, register_architecture
    assert list(ARCHITECTURES) == ["logistic", "mlp", "cnn"]
    for spec in ARCHITECTURES.values():
        assert spec.label and "default" in spec.presets and spec.examples_per_second > 0
    assert architecture("cnn").channel_fields == ("channels",)
    with pytest.raises(ValueError, match="registered already"):
        register_architecture(ARCHITECTURES["cnn"])
    with pytest.raises(ValueError, match="needs a 'default' preset"):
        Architecture("bare", "Bare", CNNOptions, lambda o, d: None, presets={}, examples_per_second=1.0)
