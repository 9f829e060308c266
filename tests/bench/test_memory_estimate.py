"""The memory estimate against a measured training (`python -m bench.speed memory-estimates`):
the most memory a hosted server lets one training ask for, measured as a server's first
training in a fresh process, as its run-time memory limit measures it."""

import os

import pytest

pytestmark = [pytest.mark.benchmark, pytest.mark.real_data]
LARGEST = {"arch": "mlp", "batch_size": 896, "optimizer": "adamw", "model": {"hidden": [2048] * 4}, "epochs": 1}


def test_the_largest_training_a_hosted_server_allows_fits_its_estimate_and_the_memory_limit():
    from bench.common import in_fresh_process
    from core.config.settings import settings
    from core.training.budget import BASE_MB, estimate
    from core.training.config import build_config
    from core.training.limits import check_size, queue_limits

    limits = queue_limits(settings({"DIGITS_HOSTED": "1"}))
    config = build_config(LARGEST)
    assert check_size(config, limits) is not None  # allowed: its estimate is within the hosted 1,500 MB
    measured = BASE_MB + in_fresh_process("bench.speed.estimates:peak_memory", data_dir=os.environ["DIGITS_DATA_DIR"],
                                          values=LARGEST, warm=False)["growth_mb"]
    assert measured <= estimate(config).peak_mb <= limits.max_mb  # so the run-time limit lets it train
