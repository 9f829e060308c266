"""Nothing trained is lost when the database fails as a training ends: a PostgreSQL of the
test's own is stopped at the worst moment (between the last batch and the run's row)."""
import threading

import pytest
from helpers import tiny_config
from postgres import PrivatePostgres

from core.jobs.job import TrainingJob
from core.jobs.run_keeper import ROW_LATER, RunKeeper
from core.store import runs
from core.store.checkpoints import make_checkpoint, save_checkpoint
from core.store.runs import RunStore
from core.training.status import Status


@pytest.fixture
def database():
    from helpers import POSTGRES_ENV, needed_server
    needed_server(POSTGRES_ENV, "PostgreSQL (its binaries start a server of the test's own)")
    server = PrivatePostgres().start()
    yield server
    server.remove()


class DatabaseGoesDown:
    """A job observer told before the store's keeper: the database stops as the training ends,
    and comes back `back_after` seconds later (None: it stays down)."""

    def __init__(self, server: PrivatePostgres, back_after: float | None) -> None:
        self.server, self.back_after = server, back_after

    def job_queued(self, job):
        pass

    def job_started(self, job):
        pass

    def job_ending(self, job, outcome):
        self.server.stop()
        if self.back_after is not None:
            threading.Timer(self.back_after, self.server.start).start()
        return outcome


def train(store, tiny_mnist, server, back_after):
    job = TrainingJob(tiny_config(), tiny_mnist, (DatabaseGoesDown(server, back_after), RunKeeper(store)))
    return job.start().wait(timeout=120)


def test_a_database_restarting_as_a_training_ends_keeps_the_model_and_the_row(database, tmp_path, tiny_mnist):
    store = RunStore(tmp_path / "runs", database_url=database.url)
    snap = train(store, tiny_mnist, database, back_after=2.0)
    assert snap.status == Status.FINISHED and ROW_LATER not in snap.message
    record = store.get_run(snap.run_id)
    assert record.status == Status.FINISHED and record.test_accuracy == snap.test_accuracy
    assert store.load_model(snap.run_id)[0] is not None


def test_a_database_down_for_longer_gets_the_row_when_it_is_back(database, tmp_path, tiny_mnist, monkeypatch):
    monkeypatch.setattr(runs, "ROW_RETRY_SECONDS", 1.0)
    store = RunStore(tmp_path / "runs", database_url=database.url)
    snap = train(store, tiny_mnist, database, back_after=None)
    assert snap.status == Status.FINISHED and snap.message.endswith(ROW_LATER)  # said, in one sentence more
    assert (tmp_path / "runs" / "models" / f"{snap.run_id}.pt").exists()
    database.start()
    monkeypatch.setattr(runs, "SWEEP_SECONDS", 0.0)  # the next live listing sweeps
    store.live_runs()
    record = store.get_run(snap.run_id)
    assert record.status == Status.FINISHED and record.test_accuracy == snap.test_accuracy


def test_a_store_opened_after_the_process_died_finishes_its_run_from_the_model_file(tmp_path, tiny_mnist):
    """The process that trained it died before the database answered again: its row is still
    `running` under a dead process, and its model file holds what the row needs."""
    from core.models.architectures import build_model
    from core.training.history import History
    root = tmp_path / "runs"
    store = RunStore(root)
    config = tiny_config()
    run_id = store.begin_run(config)
    store.execute("UPDATE runs SET process = 'a-process-that-died' WHERE run_id = :id", {"id": run_id})
    model = build_model(config.arch, config.model, config.dataset)
    evaluation = type("Evaluation", (), {"accuracy": 0.93, "loss": 0.25})()
    save_checkpoint(make_checkpoint(run_id, Status.FINISHED, config.to_dict(), model, History(), evaluation,
                                    12.5, 4_000, 0.0, "Finished 2 epochs."), root / "models" / f"{run_id}.pt")
    record = RunStore(root).get_run(run_id)
    assert (record.status, record.message, record.test_accuracy, record.examples_seen) == \
        (Status.FINISHED, "Finished 2 epochs.", 0.93, 4_000)
    assert record.param_count == 7_850 and RunStore(root).load_model(run_id)[0] is not None


def test_a_hung_database_is_a_store_error_within_seconds_and_is_used_again_once_it_answers(database, tmp_path,
                                                                                            monkeypatch):
    """A frozen server (SIGSTOP) takes our bytes and never answers: without a watchdog the
    page waited as long as the freeze."""
    import time

    from core.store import database as db
    from core.store.checkpoints import StoreError
    monkeypatch.setattr(db, "STATEMENT_SECONDS", 2.0)
    monkeypatch.setattr(db, "CONNECT_SECONDS", 2)
    store = RunStore(tmp_path / "runs", database_url=database.url)
    store.begin_run(tiny_config())
    database.freeze(True)
    try:
        for _ in range(2):  # the pooled connection, then a new one
            start = time.monotonic()
            with pytest.raises(StoreError, match="could not be used"):
                store.list_runs()
            assert time.monotonic() - start < 12
    finally:
        database.freeze(False)
    assert len(store.list_runs()) == 1  # and the same store goes on once the server answers


def test_a_restarted_database_is_used_again_without_a_failed_statement(database, tmp_path):
    store = RunStore(tmp_path / "runs", database_url=database.url)
    store.begin_run(tiny_config())
    database.stop()
    database.start()
    assert len(store.list_runs()) == 1  # the pooled connection the restart dropped is replaced
