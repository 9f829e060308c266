import json

import pytest
import torch

from core import cli
from core.store.runs import RunStore


@pytest.fixture
def tiny_data(monkeypatch, tiny_mnist):
    monkeypatch.setattr(cli, "load_dataset", lambda root, spec: tiny_mnist)


def test_json_line_and_saved_run(tiny_data, store_root, capsys):
    code = cli.main(["--arch", "logistic", "--epochs", "2", "--batch-size", "32", "--lr", "0.01",
                       "--log-every", "200", "--store-dir", str(store_root), "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    assert any(line.startswith("epoch 1:") for line in out)
    assert any("examples  loss" in line and "ex/s" in line for line in out)
    result = json.loads(out[-1])
    assert result["arch"] == "logistic" and 0.9 < result["test_accuracy"] <= 1.0
    assert result["train_seconds"] > 0 and result["config"]["epochs"] == 2
    assert set(result["seconds_to"]) == {"90%", "95%", "98%", "99%"} == set(result["examples_to"])
    assert any(line.startswith("training seconds to test accuracy (checked at epoch ends): 90% ") for line in out)


def test_json_reports_time_to_accuracy_at_the_checks_grain(tiny_data, store_root, capsys):
    assert cli.main(["--arch", "logistic", "--epochs", "1", "--batch-size", "32", "--lr", "0.05", "--test-every",
                     "100", "--store-dir", str(store_root), "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    result = json.loads(out[-1])
    epoch_end = RunStore(store_root).get_run(result["run_id"]).history.epochs[-1].train_seconds
    reached = [s for s in result["seconds_to"].values() if s is not None]
    assert reached and min(reached) < epoch_end  # reached at a check, before the epoch's end
    assert any("(checked every 100 examples)" in line for line in out)
    assert RunStore(store_root).get_run(result["run_id"]).nickname == "cli"


def test_preset_and_model_options(tiny_data):
    args = cli.parse_args(["--arch", "mlp", "--preset", "tutorial", "--model", '{"dropout": 0.1}', "--epochs", "1"])
    config = cli.config_of(args)
    assert config.model.hidden == [50] and config.model.dropout == 0.1 and config.epochs == 1
    assert config.momentum == 0.5 and config.optimizer == "sgd"


def test_bad_values_exit_with_a_message_not_a_traceback(tiny_data, store_root, capsys):
    assert cli.main(["--arch", "cnn", "--lr", "50", "--store-dir", str(store_root)]) == 2
    assert "lr must be in [1e-05, 10.0]" in capsys.readouterr().err


def test_missing_data_explains_what_to_do(tmp_path, store_root, capsys, monkeypatch):
    monkeypatch.setattr(cli, "load_dataset", lambda root, spec: __import__("core.data.loading").data.loading.load_dataset(
        root, spec, download=False))
    assert cli.main(["--arch", "logistic", "--data-dir", str(tmp_path), "--store-dir", str(store_root)]) == 2
    err = capsys.readouterr().err
    assert "MNIST not found" in err and str(tmp_path) in err


def test_every_hyperparameter_is_a_flag_with_its_range():
    import contextlib
    import io

    from core.training.config import SETTINGS
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        cli.parse_args(["--help"])
    for name in SETTINGS:
        assert f"--{name.replace('_', '-')}" in out.getvalue(), name
    assert "1..50" in out.getvalue() and "sgd|adam|adamw" in out.getvalue() and "tutorial" in out.getvalue()


def test_the_tutorial_preset_and_the_module_entry_point(tiny_data, store_root, capsys):
    args = cli.parse_args(["--arch", "cnn", "--preset", "tutorial", "--epochs", "1"])
    assert cli.config_of(args).model.channels == [10, 20]
    with pytest.raises(SystemExit):  # "seed", the tutorial preset's earlier name, is no choice of --preset
        cli.parse_args(["--arch", "cnn", "--preset", "seed"])
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-m", "core.cli", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "--weight-decay" in done.stdout


def test_a_model_that_is_not_an_object_is_one_line(tiny_data, store_root, capsys):
    assert cli.main(["--arch", "mlp", "--model", "[1, 2]", "--store-dir", str(store_root)]) == 2
    assert "--model must be a JSON object" in capsys.readouterr().err


def test_a_bad_setting_is_one_line_before_anything_runs(tiny_data, store_root, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DIGITS_QUEUE_MAX", "lots")
    assert cli.main(["--arch", "logistic", "--data-dir", str(tmp_path), "--store-dir", str(store_root)]) == 2
    assert "DIGITS_QUEUE_MAX must be a whole number" in capsys.readouterr().err


def test_a_huge_number_is_one_line(tiny_data, store_root, capsys):
    assert cli.main(["--arch", "cnn", "--model", '{"fc_hidden": 1%s}' % ("0" * 400), "--store-dir",
                     str(store_root)]) == 2
    assert "model.fc_hidden must be in [0, 1024]" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_a_gpu_the_machine_lacks_is_one_sentence_not_a_traceback(capsys):
    assert cli.main(["--arch", "logistic", "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == ["error: device 'cuda' was asked for, but PyTorch sees no CUDA GPU here: "
                                        "use 'auto' or 'cpu'"]
