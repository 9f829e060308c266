"""The cluster's one queue in the store: turns first come first served, never more than the
slots, classes held on every replica; on SQLite and PostgreSQL."""
import threading

import pytest
from helpers import tiny_config

from core.store.runs import RunStore
from core.store.shared_queue import SharedQueue
from core.training.status import Status


@pytest.fixture
def queue(each_database, store):
    return SharedQueue(store)


def queued(store, class_code: str = "", offered: bool = True) -> str:
    """A queued run; `offered`: its replica has put it in line for a turn."""
    run_id = store.begin_run(tiny_config(), status=Status.QUEUED, class_code=class_code)
    if offered:
        SharedQueue(store).offer({run_id})
    return run_id


def test_turns_go_first_come_first_served_and_never_past_the_slots(queue, store):
    first, second, third = queued(store), queued(store), queued(store)
    assert queue.claim_next({second, third}, slots=2) is None  # the first waits on another replica
    assert queue.claim_next({first}, slots=2) == first
    assert queue.claim_next({second, third}, slots=2) == second
    assert queue.claim_next({third}, slots=2) is None  # both slots are taken
    store.mark_running(first)
    store.execute("UPDATE runs SET status = 'finished' WHERE run_id = :id", {"id": first})
    assert queue.claim_next({third}, slots=2) == third and queue.with_turn() == 2


def test_a_later_model_of_a_train_all_holds_nobody_up_until_it_is_in_line(queue, store):
    later_model = queued(store, offered=False)  # its row exists from the start; its job waits for the one before
    learner = queued(store)
    assert queue.ahead_of(learner) == ([], False)
    assert queue.claim_next({learner}, slots=1) == learner
    queue.offer({later_model})
    assert [run.run_id for run in queue.ahead_of(later_model)[0]] == [learner]  # the one with the turn


def test_places_are_the_runs_with_a_turn_and_the_earlier_waiting_ones(queue, store):
    first, second, third = queued(store), queued(store), queued(store)
    queue.claim_next({first}, slots=1)
    ahead, has_turn = queue.ahead_of(third)
    assert [run.run_id for run in ahead] == [first, second] and not has_turn
    assert [run.has_turn for run in ahead] == [True, False]
    assert queue.ahead_of(first) == ([], True)
    store.execute("UPDATE runs SET status = 'cancelled' WHERE run_id = :id", {"id": third})
    assert queue.ahead_of(third) is None


def test_a_held_class_waits_on_every_replica_and_blocks_nobody(queue, store):
    other_replica = SharedQueue(RunStore(store.root))
    held, free = queued(store, class_code="HOLD42"), queued(store)
    queue.hold("HOLD42", True)
    assert other_replica.held() == {"HOLD42"}
    assert other_replica.claim_next({held, free}, slots=2) == free  # the held one is skipped
    assert [run.run_id for run in queue.ahead_of(held)[0]] == [free]  # with a turn: ahead of it
    queue.hold("HOLD42", False)
    assert other_replica.claim_next({held}, slots=2) == held


def test_two_replicas_claiming_at_once_never_take_more_turns_than_slots(queue, store):
    runs = [queued(store) for _ in range(8)]
    replicas = [SharedQueue(RunStore(store.root)) for _ in range(4)]
    claimed, barrier = [], threading.Barrier(len(replicas))

    def claim(replica):
        barrier.wait()
        for _ in range(10):
            found = replica.claim_next(set(runs), slots=3)
            if found:
                claimed.append(found)
    threads = [threading.Thread(target=claim, args=(replica,)) for replica in replicas]
    [thread.start() for thread in threads]
    [thread.join(timeout=60) for thread in threads]
    assert sorted(claimed) == sorted(runs[:3]) and queue.with_turn() == 3
