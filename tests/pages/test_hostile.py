"""A hostile visitor and a careless host, replayed: every attempt ends in one plain
sentence, a refusal before any work, or nothing at all, and never in a traceback,
rendered markdown, a folder made or a saved run lost."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from helpers import LEARNER, files_of, open_page, shown, wait_until

import ui.resources
from core.cli import main as train_cli
from core.config.fields import ConfigError
from core.jobs.queue import TrainingQueue
from core.jobs.run_keeper import stored_job
from core.store.checkpoints import StoreError
from core.store.runs import RunStore
from core.training.config import TrainConfig, from_query, preset
from core.training.limits import LimitError, QueueLimits

ROOT = Path(__file__).resolve().parents[2]
HUGE_LINK = {"arch": "cnn", "m.channels": "128,128", "m.kernel_size": "3", "m.fc_hidden": "1024",
             "batch_size": "2048", "epochs": "50"}
MARKDOWN_ATTACKS = ["![x](http://evil.example/pixel.png)", "[click](http://evil.example)", "<img src=x>",
                    ":red[boom]"]


def messages(at) -> list[str]:
    return [m.value for m in (*at.warning, *at.error, *at.info)]


def train_page_refuses_before_start(at) -> str:
    start = next(b for b in at.button if b.label == "Start")
    assert start.disabled
    return " ".join(w.value for w in at.warning)


# -- links and forms ---------------------------------------------------------------------
# Every field and attack of a link is read by core.training.config directly in
# tests/unit/training/test_links.py; one hostile link goes through the page here.
def test_a_hostile_link_is_one_plain_warning_and_the_defaults(app_env):
    attack = MARKDOWN_ATTACKS[0]
    at = open_page("pages/train.py", {"arch": "cnn", "epochs": attack})
    assert not at.exception
    [warning] = [w.value for w in at.warning if "could not be used" in w.value]
    assert ui.resources.plain(attack) in warning  # every character markdown could act on is escaped...
    assert attack in shown(warning)                # ...so the reader sees exactly what was sent
    assert at.segmented_control(key="train.arch").value == "logistic"  # the defaults instead


def test_the_cli_says_what_is_wrong_in_one_line(tmp_path, capsys, monkeypatch, tiny_mnist):
    monkeypatch.setattr("core.cli.load_dataset", lambda root, spec: tiny_mnist)
    assert train_cli(["--arch", "mlp", "--model", "[1,2]", "--store-dir", str(tmp_path)]) == 2
    assert "--model must be a JSON object" in capsys.readouterr().err
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert train_cli(["--arch", "logistic", "--epochs", "1", "--store-dir", str(blocked / "runs")]) == 2
    assert "could not be opened" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="finite"):
        from_query({"epochs": "1e400"})


# -- size of the work one visitor can ask for -------------------------------------------------
def test_the_one_link_that_filled_a_server_is_refused_before_start(app_env):
    at = open_page("pages/train.py", HUGE_LINK)
    assert not at.exception
    reason = train_page_refuses_before_start(at)
    assert "MB of memory" in reason or "could take up to" in reason
    assert any("This server allows" in c.value for c in at.caption)   # the limits, before any refusal


def test_hosted_mode_lets_every_one_click_flow_through(app_env, monkeypatch, tiny_mnist):
    monkeypatch.setenv("DIGITS_HOSTED", "1")
    st.cache_resource.clear()
    for arch in ("logistic", "mlp", "cnn"):
        for name in ("default", "tutorial"):
            at = open_page("pages/train.py", {"arch": arch, "preset": name})
            assert not next(b for b in at.button if b.label == "Start").disabled, (arch, name)
    at = open_page("pages/compare.py")
    next(b for b in at.button if b.label == "Train all three").click().run()
    assert not at.warning and not at.exception
    ui.resources.training_queue().latest_sequence("a" * 32).stop()
    home = open_page("pages/home.py")
    assert not any(e.label == "Where MNIST is read from" for e in home.expander)  # no data-folder box
    assert "read from" not in home.caption[0].value


def test_a_full_queue_says_so(tiny_mnist):
    queue = TrainingQueue(QueueLimits(slots=1, max_queued=1))
    first = queue.submit(stored_job(preset("mlp", epochs=3), tiny_mnist, learner="a"))
    with pytest.raises(LimitError, match="queue is full"):
        queue.submit(stored_job(preset("logistic", epochs=1), tiny_mnist, learner="b"))
    queue.cancel(first)
    assert first.wait(30).done


# -- the data folder -------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["/", "/x/../y", "../..", "~", "/etc"])
def test_a_typed_data_folder_outside_the_root_is_ignored_and_creates_nothing(app_env, typed, tmp_path,
                                                                            monkeypatch, tiny_mnist):
    monkeypatch.setenv("DIGITS_DATA_DIR", str(tmp_path / "data"))
    calls = []
    monkeypatch.setattr(ui.resources, "read_dataset",
                        lambda root, spec, download=False: calls.append((root, download)) or files_of(tiny_mnist))
    at = open_page("pages/home.py", data_dir=typed)
    assert not at.exception
    assert calls == [(str((tmp_path / "data").resolve()), True)]  # only the configured root
    assert not Path(typed, "MNIST").exists() or typed == "~" and not Path.home().joinpath("MNIST").exists()


def test_one_folder_spelled_six_ways_is_loaded_once(app_env, monkeypatch, tmp_path, tiny_mnist):
    root = tmp_path / "data"
    (root / "MNIST" / "raw").mkdir(parents=True)
    monkeypatch.setenv("DIGITS_DATA_DIR", str(root))
    calls = []
    monkeypatch.setattr(ui.resources, "read_dataset",
                        lambda r, spec, download=False: calls.append(r) or files_of(tiny_mnist))
    for spelling in (str(root), f"{root}/", f"{root}/.", f"{root}//", f"{root}/MNIST/..", str(root.resolve())):
        assert not open_page("pages/home.py", data_dir=spelling).exception
    assert len(calls) == 1


# -- the store -----------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_store_is_one_message_and_stays_as_it_was(app_env, store_root, tiny_mnist, damage):
    stored_job(preset("logistic", epochs=1), tiny_mnist, RunStore(store_root)).start().wait(timeout=60)
    st.cache_resource.clear()
    db = store_root / "runs.sqlite"
    for extra in ("runs.sqlite-wal", "runs.sqlite-shm"):
        (store_root / extra).unlink(missing_ok=True)
    db.write_bytes(os.urandom(4096) if damage == "garbage" else db.read_bytes()[:len(db.read_bytes()) // 2])
    before = db.read_bytes()
    for page in ("pages/home.py", "pages/train.py", "pages/leaderboard.py", "pages/draw.py"):
        at = open_page(page)
        assert not at.exception, page
        assert any("Saved runs cannot be read or written right now" in e.value for e in at.error), page
    assert db.read_bytes() == before


def test_a_store_folder_that_cannot_be_written_is_one_message(app_env, monkeypatch, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("DIGITS_STORE_DIR", str(blocked / "runs"))  # not even a folder can be made
    st.cache_resource.clear()
    at = open_page("pages/train.py")
    assert not at.exception and any("could not be opened" in shown(e.value) for e in at.error)


def test_a_full_disk_fails_the_run_and_the_page_says_so(app_env, store, monkeypatch):
    def full_disk(checkpoint, path):
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 2368 vs 2262")

    monkeypatch.setattr("core.store.runs.save_checkpoint", full_disk)
    at = open_page("pages/train.py", {"arch": "logistic", "epochs": "1", "batch_size": "64"})
    next(b for b in at.button if b.label == "Start").click().run()
    ui.resources.training_queue().latest_job("a" * 32).wait(60)
    at.run()
    assert not at.exception
    assert any("could not be saved (the disk is full)" in e.value for e in at.error)
    [run] = store.list_runs()
    assert run.status == "failed"


# -- settings --------------------------------------------------------------------------------
@pytest.mark.parametrize("name, value", [("DIGITS_QUEUE_SLOTS", "abc"), ("DIGITS_STORE_MAX_RUNS", "1"),
                                         ("DIGITS_HOSTED", "perhaps"), ("DIGITS_MAX_TRAINING_MB", "-5"),
                                         ("DIGITS_LIVE_REFRESH_SECONDS", "fast"),
                                         ("DIGITS_TEACHER_KEY", "short")])
def test_a_bad_setting_is_named_on_the_first_page_not_at_start(app_env, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    st.cache_resource.clear()
    at = open_page("pages/home.py")
    assert not at.exception
    [error] = at.error
    assert "misconfigured" in error.value and name in shown(error.value)
    assert name != "DIGITS_TEACHER_KEY" or value not in shown(error.value).replace(name, "")  # never echoed


@pytest.mark.parametrize("name, value, arch", [("DIGITS_MAX_CNN_CHANNELS", "1", "CNN"),
                                               ("DIGITS_MAX_TRAINING_MB", "500", "Logistic regression")])
@pytest.mark.parametrize("page, headers", [("pages/home.py", ["Header", "Header"]),
                                           ("pages/leaderboard.py", [])])  # a page that ends early: no runs
def test_limits_that_refuse_every_preset_of_an_architecture_are_named_under_the_heading(app_env, monkeypatch, name,
                                                                                       value, arch, page, headers):
    monkeypatch.setenv(name, value)
    st.cache_resource.clear()
    at = open_page(page)
    [error] = at.error
    assert "misconfigured" in error.value and f"refuse every {arch} preset" in shown(error.value)
    drawn = [type(e).__name__ for e in at.main if type(e).__name__ in ("Title", "Error", "Header")]
    assert drawn == ["Title", "Error", *headers]


@pytest.mark.parametrize("attack", MARKDOWN_ATTACKS)
def test_a_class_code_or_title_from_a_visitor_is_shown_as_text(app_env, monkeypatch, store, attack):
    from core.classroom.classes import Classes
    monkeypatch.setenv("DIGITS_TEACHER_KEY", "workshop-key-42")
    at = open_page("pages/home.py")
    typed = attack[:12]  # the box takes 12 characters, as a browser's does
    next(box for box in at.sidebar.text_input if box.label == "Class code").input(typed).run()
    assert not at.exception
    [warning] = [w.value for w in at.sidebar.warning]
    assert "There is no class with the code" in warning and ui.resources.plain(typed) in warning
    code = Classes(store).start_class(attack)
    Classes(store).join(LEARNER, code)
    at = open_page("pages/leaderboard.py")
    assert not at.exception
    assert any(ui.resources.plain(attack) in c.value for c in [*at.caption, *at.sidebar.caption])


# -- restarts --------------------------------------------------------------------------------
KILLED_SERVER = """
import sys, time
from core.training.config import preset
from core.training.limits import QueueLimits
from core.jobs.queue import TrainingQueue
from core.store.runs import RunStore
from core.jobs.run_keeper import stored_job
from helpers import synthetic_split
from core.data.loading import Dataset
data = Dataset(synthetic_split(2000, 0), synthetic_split(200, 1), None, "synthetic")
store = RunStore(sys.argv[1])
queue = TrainingQueue(QueueLimits(slots=1))
running = queue.submit(stored_job(preset("mlp", epochs=50, batch_size=8), data, store, learner="a"))
queue.submit(stored_job(preset("logistic", epochs=1), data, store, learner="b"))
deadline = time.monotonic() + 120
while not running.snapshot().history.train_points and time.monotonic() < deadline:
    time.sleep(0.05)
print("ready" if running.snapshot().history.train_points else "never trained", flush=True)
time.sleep(600)  # a server busy training, until the test kills it
"""


def test_kill_9_with_jobs_queued_leaves_them_lost_and_no_lock_files(store_root):
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SERVER, str(store_root)], env=env, stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        assert sorted(r.status for r in RunStore(store_root).list_runs()) == ["queued", "running"]
    finally:
        proc.kill()
        proc.wait(timeout=30)
    runs = {r.arch: r for r in RunStore(store_root).list_runs()}   # the next start
    assert (runs["mlp"].status, runs["logistic"].status) == ("interrupted", "lost")
    assert "before this training's turn came" in runs["logistic"].message
    leftovers = [p for p in (store_root / "locks").iterdir() if not p.name.startswith(f"{os.getpid()}-")]
    assert leftovers == []


def test_the_cli_leaves_no_lock_file_behind(tmp_path):
    store = tmp_path / "runs"
    code = ("import sys; from core.store.runs import RunStore; RunStore(sys.argv[1]); print('opened')")
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code, str(store)], cwd=ROOT, capture_output=True, text=True,
                             timeout=120)
        assert out.stdout.strip() == "opened", out.stderr
    assert list((store / "locks").iterdir()) == []


def test_queued_jobs_cancelled_from_the_page_are_recorded(store, tiny_mnist):
    queue = TrainingQueue(QueueLimits(slots=1))
    first = queue.submit(stored_job(preset("mlp", epochs=50, batch_size=8), tiny_mnist, store, learner="a"))
    waiting = queue.submit(stored_job(preset("logistic", epochs=1), tiny_mnist, store, learner="b"))
    queue.cancel(waiting)
    wait_until(lambda: first.snapshot().history.train_points, what="a first loss point")
    queue.cancel(first)
    wait_until(lambda: all(job.snapshot().done for job in (first, waiting)), what="both jobs ending")
    statuses = {r.arch: r.status for r in store.list_runs()}
    assert statuses == {"mlp": "stopped", "logistic": "cancelled"}  # stopped while training, cancelled while waiting
    assert store.get_run(waiting.snapshot().run_id).message == "Cancelled before it started."


def test_a_config_built_by_hand_is_checked_before_it_trains(tiny_mnist):
    with pytest.raises(ConfigError):
        stored_job(TrainConfig(arch="mlp", epochs=10**9), tiny_mnist)
    with pytest.raises(StoreError):
        RunStore(Path("/proc/self/status") / "runs")


def test_a_store_that_stops_taking_writes_refuses_start_in_one_sentence(app_env, monkeypatch):
    def read_only(*args, **kwargs):
        raise StoreError("the run store runs.sqlite could not be used (attempt to write a readonly database)")

    at = open_page("pages/train.py", {"arch": "logistic", "epochs": "1"})
    monkeypatch.setattr(RunStore, "begin_run", read_only)
    next(b for b in at.button if b.label == "Start").click().run()
    assert not at.exception
    assert any("readonly database" in w.value for w in at.warning)
    assert ui.resources.training_queue().latest_job("a" * 32) is None   # nothing queued, nothing held
