import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from core.models.architectures import build_model
from core.models.evaluation import evaluate
from core.store.checkpoints import StoreError
from core.store.runs import RunStore
from core.training.config import preset
from core.training.history import History

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.usefixtures("each_database")  # every test on SQLite, then on PostgreSQL


def saved_run(store: RunStore, tiny_mnist, arch="cnn") -> tuple[str, torch.nn.Module]:
    config = preset(arch, "tutorial")
    torch.manual_seed(0)
    model = build_model(arch, config.model).eval()
    run_id = store.begin_run(config, nickname="ada")
    history = History(train_points=((100, 2.0),))
    store.finish_run(run_id, "finished", "done", history, model=model,
                     evaluation=evaluate(model, tiny_mnist.test), train_seconds=1.5,
                     examples_seen=100, started=0.0)
    return run_id, model


def test_round_trip_keeps_weights_config_and_metrics(store, tiny_mnist):
    run_id, model = saved_run(store, tiny_mnist)
    record = store.get_run(run_id)
    assert (record.status, record.arch, record.nickname, record.train_seconds) == ("finished", "cnn", "ada", 1.5)
    assert record.config == preset("cnn", "tutorial").to_dict()
    assert record.history.train_points == ((100, 2.0),) and record.dataset == "mnist"
    loaded, checkpoint = store.load_model(run_id)
    x = torch.randn(3, 1, 28, 28)
    assert torch.equal(loaded(x), model(x))
    assert checkpoint["versions"]["torch"] == torch.__version__
    assert checkpoint["metrics"]["test_accuracy"] == record.test_accuracy
    assert not list(record.model_path.parent.glob("*.tmp"))


def test_listing_filters_and_orders(store, tiny_mnist):
    first, _ = saved_run(store, tiny_mnist, "logistic")
    second, _ = saved_run(store, tiny_mnist, "mlp")
    unfinished = store.begin_run(preset("cnn"))
    assert [r.run_id for r in store.list_runs()] == [unfinished, second, first]
    assert unfinished not in [r.run_id for r in store.list_runs(with_model=True)]
    store.delete_run(first)
    assert first not in [r.run_id for r in store.list_runs()]


@pytest.mark.parametrize("content", [
    b"",                                      # empty
    b"\x00\x01 random bytes",                 # garbage
])
def test_corrupt_files_give_a_clear_error_and_nothing_else_breaks(store, tiny_mnist, content):
    good, _ = saved_run(store, tiny_mnist)
    bad, _ = saved_run(store, tiny_mnist)
    store.get_run(bad).model_path.write_bytes(content)
    with pytest.raises(StoreError, match="not a readable model file"):
        store.load_model(bad)
    store.load_model(good)
    assert len(store.list_runs()) == 2


def test_truncated_file_is_refused(store, tiny_mnist):
    run_id, _ = saved_run(store, tiny_mnist)
    path = store.get_run(run_id).model_path
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(StoreError):
        store.load_model(run_id)


def test_runs_of_a_crashed_process_are_marked_interrupted(store_root):
    crash = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from core.training.config import preset
        from core.store.runs import RunStore
        store = RunStore({str(store_root)!r})
        print(store.begin_run(preset("logistic")), flush=True)
        os._exit(9)  # dies without cleaning up, like a killed server
    """)
    out = subprocess.run([sys.executable, "-c", crash], capture_output=True, text=True, timeout=120)
    crashed = out.stdout.strip()
    store = RunStore(store_root)
    mine = store.begin_run(preset("logistic"))
    record = store.get_run(crashed)
    assert record.status == "interrupted" and "stopped before" in record.message
    assert RunStore(store_root).get_run(mine).status == "running"  # a live process's run is left alone


def test_missing_run_is_a_store_error(store):
    with pytest.raises(StoreError, match="no run"):
        store.get_run("nope")


def test_runs_remember_their_learner_and_can_be_filtered(store):
    from core.training.config import preset
    mine = store.begin_run(preset("logistic"), nickname="ada", learner="l1")
    store.begin_run(preset("logistic"), nickname="ada", learner="l2")  # the same name, another browser
    assert [r.run_id for r in store.list_runs(learner="l1")] == [mine]
    assert store.get_run(mine).learner == "l1"


@pytest.mark.sqlite_only
def test_a_store_from_before_learners_gains_the_column(store_root):
    import sqlite3
    store_root.mkdir(parents=True)
    con = sqlite3.connect(store_root / "runs.sqlite")
    con.execute("CREATE TABLE runs (run_id TEXT PRIMARY KEY, arch TEXT NOT NULL, status TEXT NOT NULL, "
                "message TEXT NOT NULL DEFAULT '', nickname TEXT NOT NULL DEFAULT '', process TEXT NOT NULL, "
                "created_at REAL NOT NULL, finished_at REAL, config_json TEXT NOT NULL, "
                "history_json TEXT NOT NULL DEFAULT '{}', train_seconds REAL, examples_seen INTEGER, "
                "test_accuracy REAL, test_loss REAL, param_count INTEGER, model_file TEXT)")
    con.execute("INSERT INTO runs (run_id, arch, status, process, created_at, config_json) "
                "VALUES ('old', 'logistic', 'finished', 'gone', 1.0, '{}')")
    con.commit()
    con.close()
    store = RunStore(store_root)
    old = store.get_run("old")
    assert (old.learner, old.status, old.dataset) == ("", "finished", "mnist")  # nobody's, and MNIST's
    assert "process" in {row["name"] for row in store.execute("PRAGMA table_info(runs)")}
    assert "class_code" in {row["name"] for row in store.execute("PRAGMA table_info(runs)")}


def test_tables_beside_the_runs_are_made_once_per_store(store, monkeypatch):
    from core.store import schema
    from core.store.drawings import MyDrawings
    made = []
    real = schema.drawings.create
    monkeypatch.setattr(schema.drawings, "create", lambda *a, **kw: made.append(1) or real(*a, **kw))
    MyDrawings(store), MyDrawings(store), MyDrawings(store)  # every page rerun makes one
    assert made == [1]


def test_prune_keeps_the_newest_the_live_and_the_chosen(store):
    from core.training.config import preset
    ids = []
    for i in range(6):
        ids.append(store.begin_run(preset("logistic")))
        if i != 1:  # run 1 is still training
            store.execute("UPDATE runs SET status='finished', created_at=:at WHERE run_id=:id",
                          {"at": 1000.0 + i, "id": ids[-1]})
        else:
            store.execute("UPDATE runs SET created_at=:at WHERE run_id=:id", {"at": 1000.0 + i, "id": ids[-1]})
    deleted = store.prune(2, keep={ids[0]})
    assert sorted(deleted) == sorted([ids[2], ids[3]])           # oldest beyond 2, minus live 1 and kept 0
    assert {r.run_id for r in store.list_runs()} == {ids[0], ids[1], ids[4], ids[5]}


def test_prune_keeps_the_model_files_under_a_byte_cap_oldest_first(store):
    from core.training.config import preset
    ids = []
    for i in range(4):
        ids.append(store.begin_run(preset("logistic")))
        (store.root / "models" / f"{ids[-1]}.pt").write_bytes(b"x" * 1000)
        store.execute("UPDATE runs SET status='finished', created_at=:at, model_file=:file WHERE run_id=:id",
                      {"at": 1000.0 + i, "file": f"models/{ids[-1]}.pt", "id": ids[-1]})
    assert store.model_bytes() == 4000
    deleted = store.prune(100, keep={ids[0]}, max_bytes=2500)   # two files must go: not the kept one
    assert deleted == [ids[1], ids[2]] and store.model_bytes() == 2000
    assert not (store.root / "models" / f"{ids[1]}.pt").exists()


def test_an_unreadable_row_hides_no_other_run_and_stays_in_the_database(store):
    good, odd = store.begin_run(preset("logistic")), store.begin_run(preset("mlp"))
    store.execute("UPDATE runs SET status='exploded', history_json=:history WHERE run_id=:id",
                  {"history": '{"epochs": [1]}', "id": odd})
    assert [r.run_id for r in store.list_runs()] == [good]
    with pytest.raises(StoreError, match="cannot be read"):
        store.get_run(odd)
    assert len(store.execute("SELECT run_id FROM runs")) == 2


@pytest.mark.sqlite_only
def test_an_unreachable_database_is_one_sentence_without_its_password(store_root):
    with pytest.raises(StoreError, match="could not be opened") as refused:
        RunStore(store_root, database_url="postgresql+psycopg://digits:s3cret-pw@127.0.0.1:1/digits")
    assert "s3cret-pw" not in str(refused.value) and "127.0.0.1" in str(refused.value)


def test_live_listings_mark_a_dead_processs_runs_now_and_then_not_only_at_start(store_root, monkeypatch):
    """A replica that goes on must not count a dead replica's live rows forever."""
    from core.store import runs as store_module
    crash = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from core.training.config import preset
        from core.store.runs import RunStore
        print(RunStore({str(store_root)!r}).begin_run(preset("logistic")), flush=True)
        os._exit(9)
    """)
    store = RunStore(store_root)  # opened first: its own sweep saw nothing
    crashed = subprocess.run([sys.executable, "-c", crash], capture_output=True, text=True,
                             timeout=120).stdout.strip()
    assert crashed in {row["run_id"] for row in store.live_runs()}  # within the sweep interval: still listed
    monkeypatch.setattr(store_module, "SWEEP_SECONDS", 0.0)
    assert crashed not in {row["run_id"] for row in store.live_runs()}
    assert store.get_run(crashed).status == "interrupted"
    assert store.list_runs(live_only=True) == []


def test_a_run_keeps_its_bent_digit_accuracy_in_its_row_and_model_file(store, tiny_mnist):
    config = preset("logistic")
    model = build_model("logistic", config.model).eval()
    run_id = store.begin_run(config)
    store.finish_run(run_id, "finished", "done", History(), model=model, evaluation=evaluate(model, tiny_mnist.test),
                     train_seconds=1.0, examples_seen=10, started=0.0, bent_accuracy=0.625)
    assert store.get_run(run_id).bent_accuracy == 0.625
    assert [r.bent_accuracy for r in store.list_runs(with_history=False)] == [0.625]
    assert store.load_model(run_id)[1]["metrics"]["bent_accuracy"] == 0.625
    assert store.get_run(saved_run(store, tiny_mnist)[0]).bent_accuracy is None  # not measured: left empty


def test_a_row_written_from_its_model_file_keeps_the_bent_digit_accuracy(store_root, tiny_mnist):
    from core.store.checkpoints import make_checkpoint, save_checkpoint
    store = RunStore(store_root)
    config = preset("logistic")
    run_id = store.begin_run(config)
    store.execute("UPDATE runs SET process = 'a-process-that-died' WHERE run_id = :id", {"id": run_id})
    model = build_model("logistic", config.model).eval()
    save_checkpoint(make_checkpoint(run_id, "finished", config.to_dict(), model, History(),
                                    evaluate(model, tiny_mnist.test), 1.0, 10, 0.0, bent_accuracy=0.5),
                    store.root / "models" / f"{run_id}.pt")
    assert RunStore(store_root).get_run(run_id).bent_accuracy == 0.5


@pytest.mark.sqlite_only
def test_a_store_from_before_bent_digit_accuracies_gains_the_column_its_runs_none(store_root, tiny_mnist):
    store = RunStore(store_root)
    run_id = saved_run(store, tiny_mnist)[0]
    store.execute("ALTER TABLE runs DROP COLUMN bent_accuracy")  # the table as runs were saved before it
    assert "bent_accuracy" not in {row["name"] for row in store.execute("PRAGMA table_info(runs)")}
    reopened = RunStore(store_root)
    assert reopened.get_run(run_id).bent_accuracy is None and reopened.get_run(run_id).status == "finished"
