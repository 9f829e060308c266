"""The lesson simulation behind `python -m bench.server capacity` (docs/deployment.md sizes
clusters with it)."""
from bench.server.capacity import most_learners, simulate


def test_one_slot_serves_trainings_first_come_and_makes_the_later_ones_wait():
    waits = simulate(learners=5, every=60.0, slots=1, turn=1000.0, minutes=1, seed=1)  # each starts within a minute
    assert len(waits) >= 5 and waits[0] == 0.0 and all(a < b for a, b in zip(waits, waits[1:]))
    assert set(simulate(learners=5, every=60.0, slots=1, turn=0.0, minutes=1, seed=1)) == {0.0}


def test_a_cluster_serves_no_more_learners_than_its_slots_can_train():
    turn, every, slots = 30.0, 180.0, 4
    served = most_learners(every, slots, turn, minutes=45, max_wait=30.0)
    assert 0 < served <= slots * every / turn  # at most every slot busy all the time
    assert most_learners(every, slots * 2, turn, minutes=45, max_wait=30.0) > served
