"""This machine's training speeds: measured once, kept in a file keyed by the machine, and
used by the estimates and by `auto` precision."""
import json
import threading
import time

import pytest

from core.training import budget, calibration, precision
from core.training.config import preset


@pytest.fixture(autouse=True)
def fresh_speeds(monkeypatch):
    monkeypatch.setattr(calibration, "_speeds", {})
    monkeypatch.setattr(precision, "_measured_faster", {})


def test_a_measured_speed_is_a_real_training_rate_and_orders_the_architectures():
    logistic = calibration.measure_one("logistic", False, threads=1, seconds=0.2)
    cnn = calibration.measure_one("cnn", False, threads=1, seconds=0.2)
    assert logistic > 10 * cnn > 0


def test_speeds_are_measured_once_and_read_back_for_the_same_machine(tmp_path, monkeypatch):
    path, measured = tmp_path / "speeds.json", []
    rates = {"logistic/float32": 1e5, "mlp/float32": 2e4, "cnn/float32": 4e3, "cnn/bf16": 8e3}

    def measure(threads):
        measured.append(threads)
        return calibration.Speeds(calibration.machine_key(threads), rates), True

    monkeypatch.setattr(calibration, "measure_uncontended", measure)
    speeds = calibration.calibrate(path, 2)
    assert speeds.examples_per_second == rates and measured == [2]
    assert calibration.calibrate(path, 2) == speeds and measured == [2]       # read, not measured again
    calibration.calibrate(path, 1)                                             # other threads: measured
    assert measured == [2, 1]
    assert set(json.loads(path.read_text())) == {calibration.machine_key(2), calibration.machine_key(1)}
    assert calibration.calibrate(path, 2) == speeds and measured == [2, 1]    # both kept


def test_a_damaged_or_foreign_file_is_measured_again(tmp_path):
    path = tmp_path / "speeds.json"
    path.write_text("{not json")
    assert calibration.read(path, 2) is None
    path.write_text(json.dumps({"another machine": {"cnn/float32": 1.0}}))
    assert calibration.read(path, 2) is None
    path.write_text(json.dumps({calibration.machine_key(2): {"cnn/float32": "fast"}}))
    assert calibration.read(path, 2) is None


def test_estimates_follow_the_measured_speed_and_auto_its_bf16_gain():
    config = preset("cnn")
    before = budget.estimate(config).seconds
    calibration.use(calibration.Speeds("here", {"cnn/float32": 1_000.0, "cnn/bf16": 1_050.0}))
    assert budget.estimate(preset("cnn", precision="float32")).seconds > 3 * before  # 5,400 -> 1,000 examples/s
    assert precision._measured_faster["cnn"] is False                              # 5% is no gain
    calibration.use(calibration.Speeds("here", {"cnn/float32": 1_000.0, "cnn/bf16": 2_000.0}))
    assert precision._measured_faster["cnn"] is True
    assert calibration.examples_per_second("mlp") == calibration.architecture("mlp").examples_per_second


def test_calibrating_in_the_background_never_fails_the_server(tmp_path, monkeypatch):
    monkeypatch.setattr(calibration, "measure", lambda threads: 1 / 0)
    thread = calibration.calibrate_in_background(tmp_path / "speeds.json", 2)
    thread.join(10)
    assert not thread.is_alive() and not (tmp_path / "speeds.json").exists()
    assert isinstance(thread, threading.Thread)


def test_speeds_measured_on_a_busy_machine_are_neither_used_nor_kept_and_measured_again(tmp_path, monkeypatch):
    busy = calibration.Speeds(calibration.machine_key(2), {"cnn/float32": 500.0})
    quiet = calibration.Speeds(calibration.machine_key(2), {"cnn/float32": 6_000.0})
    outcomes = [(busy, False), (busy, False), (quiet, True)]
    monkeypatch.setattr(calibration, "measure_uncontended", lambda threads: outcomes.pop(0))
    monkeypatch.setattr(calibration, "RETRY_SECONDS", 0.0)
    assert calibration.calibrate(tmp_path / "speeds.json", 2) is None
    assert calibration.measured_speed("cnn", "float32") is None and not (tmp_path / "speeds.json").exists()
    calibration.calibrate_in_background(tmp_path / "speeds.json", 2).join(10)
    assert calibration.examples_per_second("cnn") == 6_000.0 and outcomes == []
    assert calibration.read(tmp_path / "speeds.json", 2) == quiet


def test_a_measurement_knows_whether_it_had_its_cpus(monkeypatch):
    def descheduled(threads):  # another process had the CPU all along
        time.sleep(0.2)
        return calibration.Speeds("here", {})

    monkeypatch.setattr(calibration, "measure", descheduled)
    assert calibration.measure_uncontended(1)[1] is False
