"""The training-time estimate counts every cost a link can raise (docs/benchmarks.md compares
it with measured runs: `python -m bench.speed estimates`)."""
import pytest

from core.config.settings import settings
from core.training import budget
from core.training.config import build_config, preset
from core.training.engine import PROBE_IMAGES, PROBES_PER_EPOCH
from core.training.limits import LimitError, check_size, queue_limits


def seconds(**values) -> float:
    return budget.estimate(build_config(values)).seconds


def test_test_set_checks_cost_a_test_set_evaluation_each():
    base = preset("cnn", epochs=1)
    every_10k = build_config({"arch": "cnn", "epochs": 1, "test_every": 10_000})
    per_example = budget.cost(base).macs_per_example * budget._seconds_per_mac("cnn", budget.default_preset_speed(base))
    check = 10_000 * per_example / budget.EVAL_SPEEDUP
    probes = (PROBES_PER_EPOCH - 1) * PROBE_IMAGES * per_example / budget.EVAL_SPEEDUP
    extra = budget.estimate(every_10k).seconds - budget.estimate(base).seconds
    assert extra == pytest.approx(6 * check - probes)  # six checks in 60,000 examples, and no probes
    # a check after every batch: one per step, not one per example
    assert seconds(arch="cnn", epochs=1, test_every=1) == pytest.approx(
        seconds(arch="cnn", epochs=1, test_every=64), rel=1e-6)


def test_small_batches_and_big_optimizer_states_pay_per_step():
    assert seconds(arch="mlp", batch_size=8) > 3 * seconds(arch="mlp", batch_size=256)
    big = {"arch": "mlp", "batch_size": 8, "model": {"hidden": [2048] * 4}}
    assert seconds(**big, optimizer="adamw") > 2 * seconds(**big, optimizer="sgd")


def test_augmentation_is_counted():
    assert seconds(arch="mlp", augment_shift=2.0) > seconds(arch="mlp") + 4 * 60_000 * 20e-6


def test_the_links_that_held_the_hosted_slot_for_hours_are_refused_before_start():
    hosted = queue_limits(settings({"DIGITS_HOSTED": "1"}))
    for values in ({"arch": "cnn", "epochs": 8, "test_every": 1},
                   {"arch": "cnn", "epochs": 8, "test_every": 1, "batch_size": 8},
                   {"arch": "mlp", "batch_size": 8, "optimizer": "adamw", "model": {"hidden": [2048] * 4}}):
        with pytest.raises(LimitError, match="could take up to .* and the limit is 5 min"):
            check_size(build_config(values), hosted)
    assert budget.estimate(build_config({"arch": "cnn", "epochs": 8, "test_every": 1})).seconds > 20 * 60
