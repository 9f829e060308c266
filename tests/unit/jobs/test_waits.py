"""How long a learner waits: turns as slots free up, a server's pace learnt from its trainings,
and what the queue says before and after Start (the measured accuracy: bench.speed waits)."""
import pytest
from helpers import GatedJob, tiny_config

from core.jobs.queue import TrainingQueue
from core.jobs.waits import Durations, Place, finish_times, redraw_every, turn_comes_in, wait_sentence
from core.training.budget import estimate
from core.training.limits import QueueLimits


@pytest.mark.parametrize("running, waiting, slots, expected", [
    ([], [], 2, 0.0),                      # a free slot: at once
    ([5.0], [], 2, 0.0),
    ([5.0, 4.0], [], 2, 4.0),              # the first to end
    ([5.0, 4.0], [4.0], 2, 5.0),           # the one before it takes the first free slot
    ([5.0, 4.0], [4.0, 4.0], 2, 8.0),      # trainings end in steps of two
    ([3.0, 2.0, 1.0], [], 2, 2.0),         # more with a turn than slots (the cluster shrank)
    ([3.0], [2.0, 1.0], 1, 6.0),           # one slot: everything before it, in turn
])
def test_a_turn_comes_when_a_slot_frees_after_the_trainings_before_it(running, waiting, slots, expected):
    assert turn_comes_in(running, waiting, slots) == expected


def test_each_waiting_training_ends_on_the_first_slot_to_free_up():
    assert finish_times([5.0], [2.0, 3.0, 1.0], 2) == [2.0, 5.0, 6.0]
    assert finish_times([], [], 1) == []


def test_a_servers_pace_follows_its_recent_trainings_within_bounds():
    durations, config = Durations(), tiny_config()
    expected = estimate(config).seconds
    assert durations.pace("logistic") == 1.0 and durations.total(config) == pytest.approx(expected)
    durations.learn(config, expected * 2)
    durations.learn(config, expected * 3)
    durations.learn(config, expected * 2.5)
    assert durations.pace("logistic") == pytest.approx(2.5) and durations.pace("mlp") == 1.0
    durations.learn(config, expected * 0.5, completed=0.1)   # too little of it trained to teach anything
    assert durations.pace("logistic") == pytest.approx(2.5)
    durations.learn(config, expected * 0.5, completed=0.5)   # stopped half-way at its estimated pace: 1.0
    assert durations.pace("logistic") == pytest.approx(2.25)
    for _ in range(5):
        durations.learn(config, expected * 1_000)
    assert durations.pace("logistic") == 6.0                  # a stalled server does not promise hours


def test_a_training_under_way_has_what_its_estimate_leaves_or_what_its_pace_says():
    durations, config = Durations(), tiny_config()
    total = durations.total(config)
    assert durations.remaining(config, None, None) == pytest.approx(total)
    assert durations.remaining(config, 100.0, None, now=100.0 + total / 2) == pytest.approx(total / 2)
    assert durations.remaining(config, 100.0, 30.0, now=100.0 + total / 2) == 30.0   # slower than estimated
    assert durations.remaining(config, 100.0, None, now=100.0 + total * 2) == 0.5    # past it: a moment left


def test_the_wait_reads_as_the_trainings_ahead_then_the_learners_own():
    assert wait_sentence(2, 32.0, 8.0) == "about 40 s: 2 trainings ahead of you, then about 8 s"
    assert wait_sentence(1, 3.0, 100.0) == "about 2 min: 1 training ahead of you, then about 2 min"
    assert wait_sentence(0, 0.0, 8.0) == "about 8 s"
    assert wait_sentence(3, None, None) == "3 trainings ahead of you"


@pytest.fixture
def gated(tiny_mnist):
    GatedJob.starts, GatedJob.running_now, GatedJob.most_at_once = [], 0, 0
    return lambda name, **kw: GatedJob(name, tiny_config(epochs=1), tiny_mnist, **kw)


def test_start_now_counts_every_training_ahead_in_turn_and_a_class_sees_when_its_queue_clears(gated):
    queue = TrainingQueue(QueueLimits(slots=1, threads_per_job=1))
    own = queue.durations.total(tiny_config(epochs=1))
    assert queue.place_if_started(tiny_config(epochs=1), "z", "net-z").wait_seconds == 0.0  # an idle server
    first = queue.submit(gated("a", learner="a", class_code="C1"))
    assert first.entered.wait(10)
    second = gated("b", learner="b", class_code="C1")
    second.address = "net-b"
    third = gated("c", learner="c")
    third.address = "net-b"      # the same network again: its second training waits a round
    queue.submit(second), queue.submit(third)
    newcomer = queue.place_if_started(tiny_config(epochs=1), "z", "net-z")
    assert newcomer.ahead == 2   # the running one and net-b's first; net-b's second comes after it
    assert newcomer.wait_seconds == pytest.approx(queue.place(third).wait_seconds, rel=0.2)  # both behind a, b
    assert newcomer.own_seconds == pytest.approx(own)
    assert "2 trainings ahead of you, then about" in newcomer.sentence()
    clears = queue.class_clears_in("C1")
    assert clears == pytest.approx(queue.place(second).wait_seconds + own, rel=0.2)
    assert queue.class_clears_in("nobody's") is None
    queue.pause("C1")
    assert queue.class_clears_in("C1") is None   # held: it clears when the teacher lets it go on
    queue.pause("C1", False)
    for job in (first, second, third):
        job.gate.set()
    assert [job.wait(60).status for job in (first, second, third)] == ["finished"] * 3
    assert queue.durations.pace("logistic") != 1.0   # learnt from the trainings that ended


@pytest.mark.parametrize("wait_seconds, every", [
    (None, 3.0), (0.0, 3.0), (30.0, 3.0),   # its turn is near, or not known yet: often
    (31.0, 6.0), (120.0, 6.0),
    (121.0, 12.0), (3_600.0, 12.0),          # far back in the queue: its sentence changes slowly
])
def test_a_waiting_learners_place_is_redrawn_more_often_as_their_turn_comes_nearer(wait_seconds, every):
    assert redraw_every(wait_seconds) == every
    assert Place(running=False, ahead=3, wait_seconds=wait_seconds).redraw_seconds() == every


def test_a_training_that_has_its_turn_is_redrawn_as_often_as_a_waiting_one_can_be():
    assert Place(running=True, ahead=0, wait_seconds=500.0).redraw_seconds() == redraw_every(0.0)
