"""The number format a training computes in (how fast it is: bench.speed presets and bf16)."""
import pytest
import torch
from helpers import ListRecorder, tiny_config

from core.config.fields import ConfigError
from core.data.loading import Dataset
from core.training import precision
from core.training.config import build_config, from_query, to_query
from core.training.engine import fit


@pytest.fixture
def without_measurements(monkeypatch):
    monkeypatch.setattr(precision, "_measured_faster", {})


def test_precision_is_a_setting_of_three_choices_that_links_carry():
    config = build_config({"arch": "cnn", "precision": "bf16"})
    assert from_query(to_query(config)).precision == "bf16"
    assert build_config({"arch": "cnn"}).precision == "auto"
    with pytest.raises(ConfigError, match="precision"):
        build_config({"arch": "cnn", "precision": "float16"})


def test_native_bf16_is_read_from_the_cpus_flags(monkeypatch):
    monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset({"avx2", "amx_bf16"}))
    assert precision.native_bf16(torch.device("cpu"))
    monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset({"avx2", "avx512f"}))
    assert not precision.native_bf16(torch.device("cpu"))


def test_auto_chooses_bf16_only_with_native_bf16_for_an_architecture_measured_to_gain(monkeypatch,
                                                                                      without_measurements):
    cpu = torch.device("cpu")
    monkeypatch.setattr(precision, "native_bf16", lambda device: True)
    assert precision.uses_bf16("auto", "cnn", cpu)           # the registry's measurement
    assert not precision.uses_bf16("auto", "logistic", cpu)  # no gain measured for it
    precision.record_measured("cnn", False)                  # this server measured bf16 no faster
    assert not precision.uses_bf16("auto", "cnn", cpu)
    assert precision.uses_bf16("bf16", "logistic", cpu) and not precision.uses_bf16("float32", "cnn", cpu)
    monkeypatch.setattr(precision, "native_bf16", lambda device: False)
    precision.record_measured("cnn", True)
    assert not precision.uses_bf16("auto", "cnn", cpu)       # emulated bf16 is slower
    assert precision.precision_name("auto", "cnn", cpu) == "float32"


def test_a_bf16_training_learns_as_a_float32_one_and_keeps_float32_weights(tiny_mnist: Dataset):
    results = {p: fit(tiny_config(arch="mlp", precision=p, model={"hidden": [32]}), tiny_mnist, ListRecorder())
               for p in ("float32", "bf16")}
    assert results["float32"].evaluation.accuracy > 0.9
    assert results["bf16"].evaluation.accuracy == pytest.approx(results["float32"].evaluation.accuracy, abs=0.05)
    assert all(p.dtype == torch.float32 for p in results["bf16"].model.parameters())
    assert results["bf16"].model.state_dict().keys() == results["float32"].model.state_dict().keys()
