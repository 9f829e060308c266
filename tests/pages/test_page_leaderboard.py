from helpers import LEARNER, labelled, open_page
from streamlit.testing.v1 import AppTest

from core.analysis.compare import LEADERBOARD_FIRST
from core.jobs.run_keeper import stored_job
from core.store.learners import Learners
from core.training.config import preset

OTHER = "b" * 32  # another browser


def open_leaderboard(**state) -> AppTest:
    return open_page("pages/leaderboard.py", **state)


def train(store, tiny_mnist, lr: float, **who) -> str:
    job = stored_job(preset("logistic", epochs=1, lr=lr), tiny_mnist, store, **who).start()
    return job.wait(timeout=60).run_id


def test_an_empty_server_invites_the_first_run(app_env):
    at = open_leaderboard()
    assert not at.exception
    assert "No trained model yet" in at.info[0].value


def test_every_run_of_the_server_is_ranked_with_its_learners_nickname(app_env, store, tiny_mnist):
    train(store, tiny_mnist, 0.01, learner=OTHER)
    train(store, tiny_mnist, 0.0001, learner=LEARNER)   # trained before choosing a nickname: still theirs
    train(store, tiny_mnist, 0.00001, nickname="teacher")  # the CLI's: no learner
    Learners(store).set_nickname(OTHER, "ada")
    Learners(store).set_nickname(LEARNER, "grace")
    at = open_leaderboard()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["nickname"]) == ["ada", "grace", "teacher"]  # the higher learning rate learns more
    assert list(table["test accuracy"]) == sorted(table["test accuracy"], reverse=True)
    assert list(table["rank"]) == [1, 2, 3] and list(table.columns[:3]) == ["rank", "nickname", "test accuracy"]
    assert "Your best place: **2** of 3." in at.caption[-1].value
    assert list(at.dataframe[0].proto.column_order) == list(LEADERBOARD_FIRST)  # what a laptop shows whole
    labelled(at.toggle, "Every setting and speed").set_value(True).run()
    assert not at.dataframe[0].proto.column_order and "optimizer" in at.dataframe[0].value.columns


def test_two_learners_with_one_nickname_are_told_apart_and_keep_their_own_places(app_env, store, tiny_mnist):
    train(store, tiny_mnist, 0.01, learner=OTHER)
    train(store, tiny_mnist, 0.0001, learner=LEARNER)
    for learner in (OTHER, LEARNER):
        Learners(store).set_nickname(learner, "ada")
    at = open_leaderboard()
    assert list(at.dataframe[0].value["nickname"]) == [f"ada · {OTHER[:3]}", f"ada · {LEARNER[:3]}"]
    assert "Your best place: **2** of 2." in at.caption[-1].value      # not the other ada's first place
    assert "Your best place: **1** of 2." in open_page("pages/leaderboard.py", learner=OTHER).caption[-1].value


def test_a_learner_without_runs_is_told_so(app_env, store, tiny_mnist):
    train(store, tiny_mnist, 0.01, learner=OTHER)
    assert open_leaderboard().caption[-1].value == "No run of yours here yet."


def test_quick_runs_say_so_and_can_be_left_out(app_env, store, tiny_mnist):
    quick = stored_job(preset("logistic", epochs=1, train_examples=320), tiny_mnist, store).start().wait(60).run_id
    full = train(store, tiny_mnist, 0.00001)
    at = open_leaderboard()
    table = at.dataframe[0].value
    assert dict(zip(table["run"], table["budget"])) == {quick: "quick", full: "full"}
    assert dict(zip(table["run"], table["images"])) == {quick: 320, full: 60_000}
    at.get("button_group")[1].set_value(["full"]).run()
    assert not at.exception and list(at.dataframe[0].value["run"]) == [full]
    at.get("button_group")[1].set_value([]).run()
    assert "No run matches these choices." in at.info[0].value


def test_runs_training_anywhere_are_listed_with_their_progress_above_the_ranking(app_env, store, tiny_mnist):
    """A run another replica or a cluster worker trains shows from its row alone."""
    train(store, tiny_mnist, 0.01, learner=LEARNER)
    live = store.begin_run(preset("cnn"), learner=OTHER)
    store.record_progress(live, examples_seen=45_000, total_examples=180_000, train_seconds=9.0)
    store.begin_run(preset("mlp"), nickname="teacher", status="queued")
    Learners(store).set_nickname(OTHER, "ada")
    at = open_leaderboard()
    assert not at.exception
    assert at.header[0].value == "Training now (2)"
    now = at.dataframe[0].value
    assert list(now["nickname"]) == ["teacher", "ada"] and list(now["status"]) == ["queued", "running"]
    assert list(now["done"]) == [0.0, 0.25]
    assert len(at.dataframe[1].value) == 1  # the ranking holds the evaluated run only


def test_nothing_training_shows_no_live_table(app_env, store, tiny_mnist):
    train(store, tiny_mnist, 0.01, learner=LEARNER)
    at = open_leaderboard()
    assert not at.header and len(at.dataframe) == 1
