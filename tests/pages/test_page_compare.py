import pytest
from helpers import LEARNER, button, labelled, open_page, server_queue, tiny_config, wait_until
from streamlit.testing.v1 import AppTest

from core.analysis.compare import time_to_accuracy, train_all_configs
from core.data.augment import shifted_test_set
from core.jobs.sequence import JobSequence
from core.models.evaluation import evaluate
from core.store.drawings import MyDrawings, as_split


def open_compare(**state) -> AppTest:
    return open_page("pages/compare.py", timeout=60, **state)


@pytest.fixture
def three_runs(store, tiny_mnist):
    """Small real models of all three architectures, trained on the tiny digits."""
    configs = train_all_configs(epochs=1, batch_size=64, log_every=200)
    snaps = JobSequence(configs, tiny_mnist, store, learner=LEARNER).start().wait(timeout=120)
    assert [s.status for s in snaps] == ["finished"] * 3
    return store, snaps


def test_without_models_the_page_explains_and_offers_training(app_env):
    at = open_compare()
    assert not at.exception
    assert "No trained model of yours yet" in at.info[0].value
    assert not button(at, "Train all three").disabled


def test_charts_tables_and_galleries_render_for_three_models(app_env, three_runs, tiny_mnist):
    store, snaps = three_runs
    at = open_compare()
    assert not at.exception
    assert [ms.value for ms in at.multiselect] == [[s.run_id] for s in snaps]  # best of each preselected
    table, speed = at.dataframe  # two narrow tables, each whole on a laptop's screen
    assert len(table.value) == 3 and len(table.value.columns) <= 8 and len(speed.value.columns) <= 8
    assert list(table.value["test accuracy"]) == pytest.approx([s.test_accuracy for s in snaps])
    bent = shifted_test_set(tiny_mnist.test)  # beside it: the same models on the bent digits
    assert list(table.value["bent-digit accuracy"]) == pytest.approx(
        [evaluate(store.load_model(s.run_id)[0], bent).accuracy for s in snaps])
    assert list(table.value.columns[:3]) == ["model", "test accuracy", "bent-digit accuracy"]
    seconds = [time_to_accuracy(store.get_run(s.run_id).history)[0.99] for s in snaps]
    # NaN shows as "—"; a number as its format shows it (one decimal), for screen readers too
    assert [None if v != v else v for v in speed.value["seconds to 99%"]] == [
        None if s is None else round(s, 1) for s in seconds]
    assert list(speed.value.columns[:2]) == ["model", "examples to 90%"] and "test loss" in table.value.columns
    charts = at.get("plotly_chart")
    assert len(charts) == 2 + 1 + 1 + 3  # bars, two curve charts, per digit, a confusion matrix per model
    in_words = [e for e in at.expander if e.label == "The chart in words"]
    assert len(in_words) == len(charts)  # each chart's text alternative
    assert any("CNN" in m.value and "%" in m.value for m in in_words[0].markdown)
    tabs = [t.label for t in at.tabs]  # depth first: each model's tab sits inside "Where each fails"
    assert tabs == ["Test accuracy", "Where each fails", "Logistic regression", "MLP", "CNN", "Disagreements",
                    "My drawings"]
    assert len(at.tabs) == 4 + 3  # the sections, then a confusion matrix per model
    titles = [c.proto.spec for c in charts[1:3]]
    assert "against examples seen" in titles[0] and "against training time" in titles[1]
    assert any("True 4, predicted 9" in m.value for m in at.markdown)
    run_id = snaps[0].run_id
    at.selectbox(key=f"guess.{run_id}").set_value(4).run()  # the diagonal: fours read as fours
    assert not at.exception
    [gallery] = at.get("image")
    assert gallery.proto.imgs[0].caption == "says 4, is 4"


def test_the_bent_digit_accuracies_are_read_from_the_runs_not_evaluated(app_env, three_runs, monkeypatch):
    import ui.resources

    def not_here(*args, **kwargs):
        raise AssertionError("Compare bent the test digits or evaluated a model on them")

    monkeypatch.setattr(ui.resources, "bent_evaluation_of_run", not_here)
    monkeypatch.setattr("core.models.robustness.bent_test_set", not_here)  # what ui.resources bends with
    store, snaps = three_runs
    at = open_compare()
    assert not at.exception
    stored = [store.get_run(s.run_id).bent_accuracy for s in snaps]
    assert None not in stored and list(at.dataframe[0].value["bent-digit accuracy"]) == stored
    bars = [c for c in at.get("plotly_chart") if "bent test digits" in c.proto.spec][0]
    assert all(f"{a:.2%}" in bars.proto.spec for a in stored)  # the chart's bars beside the MNIST ones


def test_runs_saved_before_bent_accuracies_were_kept_are_evaluated_here(app_env, three_runs, tiny_mnist):
    store, snaps = three_runs
    store.execute("UPDATE runs SET bent_accuracy = NULL")
    at = open_compare()
    assert not at.exception
    bent = shifted_test_set(tiny_mnist.test)
    assert list(at.dataframe[0].value["bent-digit accuracy"]) == pytest.approx(
        [evaluate(store.load_model(s.run_id)[0], bent).accuracy for s in snaps])


def test_a_broken_model_file_is_reported_and_skipped(app_env, three_runs):
    store, snaps = three_runs
    broken = snaps[1].run_id
    store.get_run(broken).model_path.write_bytes(b"not a model")
    at = open_compare()
    assert not at.exception
    assert any(broken in w.value and "could not be loaded" in w.value for w in at.warning)
    assert len(at.dataframe[0].value) == 2


def test_train_all_three_runs_every_architecture(app_env, store_root):
    at = open_compare()
    labelled(at.toggle, "Quick comparison (1 epoch on 5,000 images)").set_value(True).run()
    button(at, "Train all three").click().run()
    assert not at.exception
    sequence = server_queue().latest_sequence(LEARNER)
    snaps = sequence.wait(timeout=180)
    assert [s.config.arch for s in snaps] == ["logistic", "mlp", "cnn"]
    assert all(s.status == "finished" and s.config.epochs == 1 for s in snaps)
    at.run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 3


def test_my_drawings_are_an_extra_test_set_for_every_model(app_env, three_runs, tiny_mnist):
    store, snaps = three_runs
    drawings = MyDrawings(store)
    for i in range(5):  # five test digits, "drawn" and labelled by a learner
        drawings.add(tiny_mnist.test.images[i].numpy(), int(tiny_mnist.test.labels[i]), learner=LEARNER)
    drawings.add(tiny_mnist.test.images[9].numpy(), 3, nickname="ada", learner="b" * 32)  # same name, not theirs
    at = open_compare()
    assert not at.exception
    table = at.dataframe[2].value
    assert len(table) == 3 and "accuracy on your 5 drawings" in table.columns
    split = as_split(drawings.list(learner=LEARNER))  # not the other learner's
    for snap, accuracy in zip(snaps, table["accuracy on your 5 drawings"]):
        assert accuracy == pytest.approx(evaluate(store.load_model(snap.run_id)[0], split).accuracy)
    assert len(at.tabs) == 4 + 3 + 3  # sections, confusion per model, then drawings per model
    assert len(at.get("image")[-1].proto.imgs) == 5


def test_without_drawings_the_section_says_how_to_make_them(app_env, three_runs):
    at = open_compare()
    assert any("Draw" in c.value and "true digit" in c.value for c in at.markdown)


def test_only_my_runs_unless_i_ask_for_everyones(app_env, store, tiny_mnist):
    [theirs] = JobSequence(train_all_configs(epochs=1, batch_size=64, log_every=200)[:1], tiny_mnist, store,
                           learner="b" * 32).start().wait(timeout=120)
    at = open_compare()
    assert "No trained model of yours yet" in at.info[0].value
    labelled(at.toggle, "Everyone's runs on this server").set_value(True).run()
    assert not at.exception
    assert [ms.value for ms in at.multiselect] == [[theirs.run_id], [], []]


def test_after_a_race_exactly_the_raced_models_are_shown(app_env, three_runs, tiny_mnist, store):
    _, older = three_runs   # trained longer: more accurate than the race's
    sequence = JobSequence(train_all_configs(epochs=1, train_examples=200, batch_size=64, log_every=200), tiny_mnist,
                           store, learner=LEARNER)
    raced = server_queue().submit_sequence(sequence).wait(timeout=120)
    at = open_compare()
    assert not at.exception
    assert [ms.value for ms in at.multiselect] == [[s.run_id] for s in raced]
    assert {s.run_id for s in older}.isdisjoint(v for ms in at.multiselect for v in ms.value)


def test_a_race_in_progress_says_what_each_waiting_model_waits_for(app_env, tiny_mnist):
    sequence = JobSequence([tiny_config(epochs=50, batch_size=8), tiny_config(arch="mlp"), tiny_config(arch="cnn")],
                           tiny_mnist, learner=LEARNER)
    server_queue().submit_sequence(sequence)
    wait_until(lambda: sequence.snapshots()[0].total_examples, what="the first model training")
    at = open_compare()
    texts = [bar.proto.text for bar in at.get("progress")]
    assert any(text.startswith("Logistic regression: running, ") for text in texts)
    assert "MLP: next, once the model before it has trained" in texts
    assert "CNN: next, once the model before it has trained" in texts
    assert not any("of 0 examples" in text for text in texts)
    sequence.stop()
    sequence.wait(timeout=30)
