"""When a run's turn comes on a cluster, from the seconds left to the runs before it (the
two-replica measurement is tests/bench/test_cluster_waits.py)."""
import pytest


@pytest.mark.parametrize("running, waiting, slots, expected", [
    ([], [], 2, 0.0),                      # a free slot: at once
    ([5.0], [], 2, 0.0),
    ([5.0, 4.0], [], 2, 4.0),              # the first to end
    ([5.0, 4.0], [4.0], 2, 5.0),           # the one before it takes the first free slot
    ([5.0, 4.0], [4.0, 4.0], 2, 8.0),      # trainings end in steps of two
    ([3.0, 2.0, 1.0], [], 2, 2.0),         # more with a turn than slots (the cluster shrank)
])
def test_a_turn_comes_when_a_slot_frees_after_the_runs_before_it(running, waiting, slots, expected):
    from core.jobs.cluster_queue import turn_comes_in
    assert turn_comes_in(running, waiting, slots) == expected
