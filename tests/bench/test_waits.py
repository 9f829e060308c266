"""The wait the Train page shows at Start against the real one (bench.speed waits): eight
learners start a mix of presets at once on a fresh server's queue."""
import pytest

pytestmark = [pytest.mark.benchmark, pytest.mark.real_data]


def test_every_wait_shown_at_start_is_near_the_real_one():
    """The target is ±35% on a quiet machine (docs/benchmarks.md); CI's machines are busier, so
    within half to twice. Whole trainings (about 30 s in all): on a tenth of the data a run's
    fixed costs, which the estimate leaves out, weigh three times as much."""
    from bench.common import in_fresh_process
    # a fresh process, as a fresh server is: the tests before this one leave threads behind
    # (a cluster replica's pollers) that would share the CPU with its speed measurement
    rows = in_fresh_process("bench.speed.waits:shown_against_real", quick=False)
    assert [row["ahead"] for row in rows] == list(range(8))   # everyone who pressed Start before
    assert all(0.5 <= row["ratio"] <= 2.0 for row in rows), rows
    assert rows[-1]["real"] > rows[0]["real"]
