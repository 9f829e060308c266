import pytest
import torch

from core.config.fields import ConfigError
from core.models.architectures import (
    ARCHITECTURES,
    CNNOptions,
    MLPOptions,
    build_model,
    count_parameters,
    describe,
)


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
    from core.data.datasets import MNIST
    model = build_model("logistic").eval()
    assert model.input.mean.item() == pytest.approx(MNIST.mean) and model.input.std.item() == pytest.approx(MNIST.std)
    x = torch.rand(2, 1, 28, 28)
    linear = model.net[1]
    expected = linear(((x - MNIST.mean) / MNIST.std).flatten(1))
    assert torch.allclose(model(x), expected, atol=1e-5)
    assert {"input.mean", "input.std"} <= set(model.state_dict())  # a checkpoint carries them
    assert count_parameters(model) == 784 * 10 + 10  # buffers, not parameters


def test_the_registry_names_every_part_of_an_architecture():
    from core.models.architectures import Architecture, architecture, register_architecture
    assert list(ARCHITECTURES) == ["logistic", "mlp", "cnn"]
    for spec in ARCHITECTURES.values():
        assert spec.label and "default" in spec.presets and spec.examples_per_second > 0
    assert architecture("cnn").channel_fields == ("channels",)
    with pytest.raises(ValueError, match="registered already"):
        register_architecture(ARCHITECTURES["cnn"])
    with pytest.raises(ValueError, match="needs a 'default' preset"):
        Architecture("bare", "Bare", CNNOptions, lambda o, d: None, presets={}, examples_per_second=1.0)


# The default CNN's layer keys as saved models have them: a new option must not move them,
# or every stored model of that shape stops loading.
SAVED_CNN_KEYS = ["input.mean", "input.std", "net.0.weight", "net.1.weight", "net.1.bias", "net.1.running_mean",
                  "net.1.running_var", "net.1.num_batches_tracked", "net.4.weight", "net.5.weight", "net.5.bias",
                  "net.5.running_mean", "net.5.running_var", "net.5.num_batches_tracked", "net.10.weight",
                  "net.10.bias", "net.13.weight", "net.13.bias"]


def test_cnn_options_added_later_leave_saved_models_keys_where_they_were():
    assert list(build_model("cnn", CNNOptions(channels=[32, 64], fc_hidden=128)).state_dict()) == SAVED_CNN_KEYS


def test_a_pool_first_cnn_without_a_hidden_layer_has_the_layers_it_says():
    options = CNNOptions(channels=[8, 48], kernel_size=5, kernel_size_2=3, fc_hidden=0, pool_first=True)
    layers = [type(layer).__name__ for layer in build_model("cnn", options).net]
    assert layers == ["Conv2d", "MaxPool2d", "BatchNorm2d", "ReLU",
                      "Conv2d", "Dropout2d", "MaxPool2d", "BatchNorm2d", "ReLU", "Flatten", "Dropout", "Linear"]
    net = build_model("cnn", options).net
    assert net[0].kernel_size == (5, 5) and net[4].kernel_size == (3, 3)
    assert net[-1].in_features == 48 * 5 * 5  # 28 → 24 → 12 → 10 → 5
    assert count_parameters(build_model("cnn", options)) == 8 * 25 + 16 + 48 * 8 * 9 + 96 + 1200 * 10 + 10
    assert describe("cnn", options) == "CNN (conv 8/48 5x5/3x3 + pool-first BN, no hidden fc)"


def test_conv_2_takes_conv_1s_kernel_unless_told_otherwise():
    assert CNNOptions(kernel_size=3).kernel_sizes == (3, 3)
    assert CNNOptions(kernel_size=7, kernel_size_2=3).kernel_sizes == (7, 3)
    assert build_model("cnn", CNNOptions(kernel_size=7, kernel_size_2=3))(torch.zeros(1, 1, 28, 28)).shape == (1, 10)


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_every_architecture_has_a_fast_preset_that_checks_the_test_set_as_it_goes(arch):
    from core.training.config import preset
    fast, default = preset(arch, "fast"), preset(arch)
    assert fast.test_every == 10_000 and default.test_every == 0
    assert fast.epochs * 60_000 / fast.batch_size < default.epochs * 60_000 / default.batch_size  # fewer steps


def test_cnn_option_labels_use_plain_words_and_keep_the_technical_term_in_their_help():
    import dataclasses

    from core.models.architectures import CNNOptions
    meta = {f.name: f.metadata for f in dataclasses.fields(CNNOptions)}
    for name, term in (("kernel_size", "kernel size"), ("kernel_size_2", "kernel size"),
                       ("conv_dropout", "channel dropout"), ("pool_first", "max-pool")):
        assert not any(word in meta[name]["label"].lower() for word in ("kernel", "channel", "normalising"))
        assert term in meta[name]["help"].lower()
