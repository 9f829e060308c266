"""Trainings on a real Ray cluster with runs in a real PostgreSQL (both started by .ci/run)."""
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers import wait_until

from core.config.settings import settings
from core.jobs.run_keeper import stored_job
from core.jobs.server import server_queue
from core.store.runs import RunStore
from core.training.config import preset
from core.training.status import Status

ROOT = Path(__file__).resolve().parents[3]
LEARNER = "c" * 32
pytestmark = pytest.mark.real_data  # the workers read MNIST from $DIGITS_DATA_DIR


@pytest.fixture
def cluster(ray_address, postgres_url, store_root, real_mnist, monkeypatch):
    """A replica's store and queue on the cluster, one torch thread per training."""
    monkeypatch.setenv("DIGITS_DATABASE_URL", postgres_url)
    store = RunStore(store_root)
    config = settings({"DIGITS_RAY_ADDRESS": ray_address, "DIGITS_DATABASE_URL": postgres_url,
                       "DIGITS_TORCH_THREADS": "1", "DIGITS_DATA_DIR": str(real_mnist.root)})
    return store, server_queue(config, store)


def long_cnn():
    return preset("cnn", epochs=2)  # about a minute on one thread: time to watch it, stop it, kill things


def test_a_cluster_training_streams_its_progress_and_saves_its_model_for_every_replica(cluster):
    store, queue = cluster
    assert queue.executor.remote and queue.limits.threads_per_job == 1 and queue.limits.slots >= 1
    job = queue.submit(stored_job(preset("cnn", "fast", train_examples=20_000, log_every=1_000), None,
                                  store, "ada", learner=LEARNER))
    seen = set()
    while not job.snapshot().done:
        seen.add(job.snapshot().examples_seen)
        time.sleep(0.05)
    snap = job.wait(timeout=60)
    assert snap.status == Status.FINISHED and snap.test_accuracy > 0.9
    assert len(seen - {0}) >= 2  # progress arrived while it trained, not only at the end
    assert len(job.result.evaluation.predictions) == 10_000 and job.result.model is None
    other_replica = RunStore(store.root)
    record = other_replica.get_run(snap.run_id)
    assert (record.status, record.nickname, record.learner) == (Status.FINISHED, "ada", LEARNER)
    assert record.test_accuracy == snap.test_accuracy and record.history.train_points == snap.history.train_points
    assert other_replica.load_model(snap.run_id)[0] is not None
    assert 0.1 < record.bent_accuracy < record.test_accuracy  # measured on the worker as the run ended
    [row] = other_replica.execute("SELECT process FROM runs WHERE run_id=:id", {"id": snap.run_id})
    assert row["process"] != store.process  # a worker trained it, not this replica


def test_stop_reaches_the_worker_and_keeps_the_model_trained_so_far(cluster):
    store, queue = cluster
    job = queue.submit(stored_job(long_cnn(), None, store, learner=LEARNER))
    wait_until(lambda: job.snapshot().examples_seen > 0 or job.snapshot().done, timeout=120, what="training")
    queue.cancel(job)
    snap = job.wait(timeout=60)
    assert snap.status == Status.STOPPED and 0 < snap.examples_seen < snap.total_examples
    record = store.get_run(snap.run_id)
    assert record.status == Status.STOPPED and record.model_path.exists()


def test_a_training_stopped_before_its_worker_starts_is_cancelled_in_its_row(cluster):
    store, queue = cluster
    job = queue.submit(stored_job(long_cnn(), None, store, learner=LEARNER))
    queue.cancel(job, "Stopped by the test.")  # the actor is still being made: it must not train
    snap = job.wait(timeout=60)
    assert (snap.status, snap.message, snap.examples_seen) == (Status.CANCELLED, "Stopped by the test.", 0)
    record = store.get_run(snap.run_id)
    assert (record.status, record.message, record.model_path) == (Status.CANCELLED, "Stopped by the test.", None)


DRIVER = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {root!r})
    from core.training.config import preset
    from core.jobs.server import server_queue
    from core.jobs.run_keeper import stored_job
    from core.config.settings import settings
    from core.store.runs import RunStore
    store = RunStore({store!r}, database_url={url!r})
    queue = server_queue(settings({{"DIGITS_RAY_ADDRESS": {ray!r}, "DIGITS_TORCH_THREADS": "1",
                                    "DIGITS_DATA_DIR": {data!r}}}), store)
    job = queue.submit(stored_job(preset("cnn", "fast"), None, store, learner="d" * 32))
    while job.snapshot().examples_seen == 0 and not job.snapshot().done:
        time.sleep(0.05)
    print(job.snapshot().status, job.snapshot().message, file=sys.stderr)
    print(job.snapshot().run_id, flush=True)
    os._exit(9)  # the replica dies mid-run, cleaning nothing up
""")


def test_the_run_outlives_the_replica_that_started_it(cluster, postgres_url, real_mnist):
    """A replica outside the cluster, through Ray Client (ray://host:port, as docker-compose.yml's
    replicas); tests/browser/test_replicas.py kills one on a Ray node (host:port)."""
    from helpers import RAY_CLIENT_ENV, needed_server
    address = needed_server(RAY_CLIENT_ENV, "a Ray head's client server")
    store, _ = cluster
    script = DRIVER.format(root=str(ROOT), store=str(store.root), url=postgres_url, ray=address,
                           data=str(real_mnist.root))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert out.stdout.strip(), f"the replica never trained: {out.stderr[-3000:]}"
    run_id = out.stdout.strip().splitlines()[-1]
    restarted = RunStore(store.root)  # a replica starting now marks dead processes' runs
    assert restarted.get_run(run_id).status in (Status.RUNNING, Status.FINISHED), out.stderr[-3000:]
    wait_until(lambda: restarted.get_run(run_id).status.done, timeout=120, every=0.5, what="the orphaned run")
    record = restarted.get_run(run_id)
    assert record.status == Status.FINISHED and record.test_accuracy > 0.95 and record.model_path.exists()


def test_a_worker_that_dies_leaves_its_run_interrupted(cluster):
    import ray

    from core.jobs.ray_connection import NAMESPACE
    store, queue = cluster
    job = queue.submit(stored_job(long_cnn(), None, store, learner=LEARNER))
    wait_until(lambda: job.snapshot().examples_seen > 0, timeout=120, what="training")
    ray.kill(ray.get_actor(f"training-{job.snapshot().run_id}", namespace=NAMESPACE))
    snap = job.wait(timeout=60)
    assert snap.status == Status.INTERRUPTED and "cluster worker" in snap.message
    assert store.get_run(snap.run_id).status == Status.INTERRUPTED


def test_the_command_line_trains_on_the_cluster_when_the_setting_names_one(cluster, ray_address, monkeypatch,
                                                                            capsys):
    from core.cli import main
    store, _ = cluster
    monkeypatch.setenv("DIGITS_RAY_ADDRESS", ray_address)
    monkeypatch.setenv("DIGITS_TORCH_THREADS", "1")
    assert main(["--arch", "logistic", "--epochs", "1", "--store-dir", str(store.root), "--nickname", "teacher"]) == 0
    printed = capsys.readouterr().out
    assert f"on the Ray cluster at {ray_address}" in printed and "finished" in printed
    [run] = store.list_runs()
    [row] = store.execute("SELECT process FROM runs WHERE run_id=:id", {"id": run.run_id})
    assert run.status == Status.FINISHED and run.nickname == "teacher" and row["process"] != store.process


def test_a_head_that_does_not_answer_is_one_sentence_at_once():
    from core.jobs.ray_connection import (  # what a connect asks before ray.init
        ClusterUnreachable,
        check_reachable,
    )
    start = time.monotonic()
    for address in ("127.0.0.1:1", "ray://127.0.0.1:1"):
        with pytest.raises(ClusterUnreachable, match="does not answer"):
            check_reachable(address)
    assert time.monotonic() - start < 10  # ray.init alone waits minutes for a head that is not there


def test_another_replica_finds_the_learners_cluster_training_and_can_stop_it(cluster, ray_address, postgres_url,
                                                                           real_mnist):
    """The learner's browser lands on replica B (A died, or the balancer moved it): B follows
    the same training, live, and its Stop reaches the worker."""
    store, replica_a = cluster
    replica_b = server_queue(settings({"DIGITS_RAY_ADDRESS": ray_address, "DIGITS_DATABASE_URL": postgres_url,
                                       "DIGITS_TORCH_THREADS": "1", "DIGITS_DATA_DIR": str(real_mnist.root)}),
                             RunStore(store.root))
    started = replica_a.submit(stored_job(long_cnn(), None, store, learner=LEARNER))
    wait_until(lambda: started.snapshot().examples_seen > 0, timeout=120, what="training")
    assert replica_b.latest_job("someone else") is None
    followed = replica_b.latest_job(LEARNER)
    assert followed is not None and followed is not started and replica_b.latest_job(LEARNER) is followed
    assert followed.snapshot().run_id == started.snapshot().run_id
    wait_until(lambda: followed.snapshot().examples_seen > 0, timeout=30, what="progress on replica B")
    replica_b.cancel(followed)
    ends = followed.wait(timeout=60), started.wait(timeout=60)
    assert [s.status for s in ends] == [Status.STOPPED, Status.STOPPED]
    assert 0 < ends[1].examples_seen < ends[1].total_examples
    record = store.get_run(ends[0].run_id)
    assert record.status == Status.STOPPED and record.model_path.exists()


def test_train_all_on_the_cluster_trains_each_model_and_its_later_models_hold_nobody_up(cluster, real_mnist):
    """The later models of a "Train all" have rows from the start; a learner who presses Start
    after it must not wait behind models that are not yet in line."""
    from core.jobs.sequence import JobSequence
    store, queue = cluster
    quick = preset("logistic", "fast")
    sequence = queue.submit_sequence(JobSequence([preset("cnn", "fast", train_examples=20_000), quick, quick],
                                                 None, store, learner="e" * 32))
    wait_until(lambda: sequence.snapshots()[0].examples_seen > 0, timeout=120, what="the first model training")
    other = queue.submit(stored_job(quick, None, store, learner=LEARNER))
    assert other.wait(timeout=120).status == Status.FINISHED
    ends = sequence.wait(timeout=300)
    assert [s.status for s in ends] == [Status.FINISHED] * 3
    rows = {row["run_id"]: row["dispatched_at"] for row in store.execute("SELECT run_id, dispatched_at FROM runs")}
    assert rows[other.snapshot().run_id] < rows[ends[1].run_id]  # it went before the models still to come
