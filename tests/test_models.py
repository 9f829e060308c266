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


def test_the_cnn_runs_channels_last_with_unchanged_values_and_checkpoint_keys():
    torch.manual_seed(0)
    model = build_model("cnn").eval()
    conv = model[0]
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    seen = {}

    def record_layout(module, args, output):
        seen["nhwc"] = args[0].is_contiguous(memory_format=torch.channels_last)

    conv.register_forward_hook(record_layout)
    plain = build_model("cnn").eval()
    plain._forward_pre_hooks.clear()
    plain.to(memory_format=torch.contiguous_format)
    plain.load_state_dict(model.state_dict())   # checkpoints of NCHW models load, and back
    assert list(model.state_dict())[0] == "0.weight"
    x = torch.randn(4, 1, 28, 28)
    assert torch.allclose(model(x), plain(x), atol=1e-5)
    assert seen == {"nhwc": True}
