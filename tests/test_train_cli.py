import json

import pytest

from core import train
from core.store import RunStore


@pytest.fixture
def tiny_data(monkeypatch, tiny_mnist):
    monkeypatch.setattr(train, "load_mnist", lambda root: tiny_mnist)


def test_json_line_and_saved_run(tiny_data, store_root, capsys):
    code = train.main(["--arch", "logistic", "--epochs", "2", "--batch-size", "32", "--lr", "0.01",
                       "--log-every", "200", "--store-dir", str(store_root), "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    assert any(line.startswith("epoch 1:") for line in out)
    assert any("examples  loss" in line and "ex/s" in line for line in out)
    result = json.loads(out[-1])
    assert result["arch"] == "logistic" and 0.9 < result["test_accuracy"] <= 1.0
    assert result["train_seconds"] > 0 and result["config"]["epochs"] == 2
    assert RunStore(store_root).get_run(result["run_id"]).nickname == "cli"


def test_preset_and_model_options(tiny_data):
    args = train.parse_args(["--arch", "mlp", "--preset", "seed", "--model", '{"dropout": 0.1}', "--epochs", "1"])
    config = train.build_config(args)
    assert config.model.hidden == [50] and config.model.dropout == 0.1 and config.epochs == 1
    assert config.momentum == 0.5 and config.optimizer == "sgd"


def test_bad_values_exit_with_a_message_not_a_traceback(tiny_data, store_root, capsys):
    assert train.main(["--arch", "cnn", "--lr", "50", "--store-dir", str(store_root)]) == 2
    assert "lr must be in [1e-05, 10.0]" in capsys.readouterr().err


def test_missing_data_explains_what_to_do(tmp_path, store_root, capsys, monkeypatch):
    monkeypatch.setattr(train, "load_mnist", lambda root: __import__("core.data").data.load_mnist(root, download=False))
    assert train.main(["--arch", "logistic", "--data-dir", str(tmp_path), "--store-dir", str(store_root)]) == 2
    err = capsys.readouterr().err
    assert "MNIST not found" in err and str(tmp_path) in err
