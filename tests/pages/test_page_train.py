import dataclasses
import re

from helpers import (
    LEARNER,
    button,
    labelled,
    open_page,
    server_queue,
    shown,
    tiny_config,
    wait_until,
)
from streamlit.testing.v1 import AppTest

from core.jobs.job import TrainingJob
from core.jobs.run_keeper import stored_job
from core.training.config import preset, to_query

TINY = {"arch": "logistic", "epochs": "2", "batch_size": "32", "lr": "0.01", "log_every": "200"}


def open_train(query: dict | None = None, job: TrainingJob | None = None, **state) -> AppTest:
    """The Train page; `job` (a TrainingJob of LEARNER) is submitted to the server's queue first."""
    if job is not None:
        server_queue().submit(job)
    return open_page("pages/train.py", query, **state)


def my_job() -> TrainingJob:
    return server_queue().latest_job(LEARNER)


def wait_for_job(at: AppTest) -> None:
    my_job().wait(timeout=60)
    at.run()


def test_renders_with_core_defaults_and_mirrors_them_in_the_url(app_env):
    at = open_train()
    assert not at.exception
    default = preset("logistic")
    assert at.segmented_control(key="train.arch").value == "logistic"
    assert at.number_input(key="train.epochs").value == default.epochs
    assert at.select_slider(key="train.lr").value == default.lr
    assert at.number_input(key="train.epochs").max == 50  # the bound comes from core
    assert dict(at.query_params) == to_query(default)
    assert not button(at, "Start").disabled and button(at, "Stop").disabled


def test_a_shared_link_fills_the_form(app_env):
    at = open_train({"arch": "mlp", "epochs": "4", "m.hidden": "64,32", "m.dropout": "0.1"})
    assert not at.exception
    assert at.segmented_control(key="train.arch").value == "mlp"
    assert at.number_input(key="train.epochs").value == 4
    assert at.slider(key="train.m.hidden.n").value == 2
    assert [at.number_input(key=f"train.m.hidden.{i}").value for i in range(2)] == [64, 32]


def test_a_bad_link_warns_and_falls_back_to_defaults(app_env):
    at = open_train({"arch": "mlp", "lr": "500"})
    assert not at.exception
    assert "lr must be in" in at.warning[0].value
    assert at.segmented_control(key="train.arch").value == "logistic"


def test_switching_architecture_loads_its_default_preset(app_env):
    at = open_train()
    at.segmented_control(key="train.arch").set_value("cnn").run()
    assert not at.exception
    cnn = preset("cnn")
    assert at.number_input(key="train.epochs").value == cnn.epochs
    assert at.number_input(key="train.m.channels.0").value == cnn.model.channels[0]
    assert any("the **default** preset's settings" in c.value for c in at.caption)
    at.selectbox(key="train.preset").set_value("tutorial").run()
    assert at.number_input(key="train.m.channels.0").value == 10
    assert at.query_params["m.channels"] == "10,20"
    assert at.selectbox(key="train.preset").value is None  # an action: the box never claims a preset
    assert any("the **tutorial** preset's settings" in c.value for c in at.caption)
    at.number_input(key="train.epochs").set_value(7).run()
    assert not any("preset's settings" in c.value for c in at.caption)  # edited: no preset's any more


def test_start_trains_in_the_background_and_shows_the_result(app_env, store):
    at = open_train(TINY)
    button(at, "Start").click().run()
    assert not at.exception
    wait_for_job(at)
    assert not at.exception
    assert at.success[0].value.startswith("**Finished.**")
    assert {m.label for m in at.metric} >= {"Test accuracy", "Test loss", "Training time", "Parameters"}
    [run] = store.list_runs()
    assert run.status == "finished" and run.config["epochs"] == 2
    assert not any("Below is your last run" in i.value for i in at.info)
    labelled(at.segmented_control, "Architecture").set_value("mlp").run()  # the form moves on: the result says whose it is
    assert any(i.value.startswith("Below is your last run (Logistic regression, 2 epochs") for i in at.info)


def test_a_finished_job_shows_summary_charts_grid_and_download(app_env, store, tiny_mnist):
    job = stored_job(tiny_config(), tiny_mnist, store, learner=LEARNER)
    server_queue().submit(job).wait(timeout=60)
    at = open_train()
    assert not at.exception
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    metric = {m.label: m.value for m in at.metric}
    assert metric["Test accuracy"] == f"{job.snapshot().test_accuracy:.2%}" and metric["Parameters"] == "7,850"
    [grid] = at.get("imgs") or at.get("image")
    assert len(grid.proto.imgs) == 32 and grid.proto.imgs[0].caption.startswith("says ")
    assert at.get("download_button")
    at.toggle(key=f"current.{job.snapshot().run_id}.mistakes").set_value(True).run()
    assert not at.exception


def test_stop_ends_the_run_and_keeps_the_model(app_env, store):
    at = open_train({**TINY, "epochs": "50", "batch_size": "8"})
    button(at, "Start").click().run()
    job = my_job()
    wait_until(lambda: job.snapshot().history.train_points)
    assert not button(at, "Stop").disabled
    button(at, "Stop").click().run()
    wait_for_job(at)
    assert not at.exception
    assert at.info[0].value.startswith("Stopped by request in epoch 1 after ") and "kept" in at.info[0].value
    assert store.list_runs()[0].status == "stopped"


def test_a_diverged_job_shows_its_message_and_advice(app_env, store, tiny_mnist):
    job = stored_job(tiny_config(arch="mlp", lr=10.0, optimizer="sgd", momentum=0.99, epochs=5),
                      tiny_mnist, store, learner=LEARNER)
    server_queue().submit(job).wait(timeout=60)
    at = open_train()
    assert not at.exception
    assert at.warning[0].value.startswith("**Diverged.**") and "smaller" in at.warning[0].value


def test_a_run_stopped_at_the_time_limit_says_so_once(app_env, store, tiny_mnist, monkeypatch):
    from core.training import limits
    monkeypatch.setattr(limits, "estimate", lambda config: limits.Estimate(0.1, 700))  # it looks short
    queue = server_queue()
    monkeypatch.setattr(queue, "limits", dataclasses.replace(queue.limits, max_seconds=1.0))
    job = stored_job(tiny_config(epochs=50, batch_size=8), tiny_mnist, store, learner=LEARNER)
    queue.submit(job).wait(timeout=60)
    at = open_train()
    assert not at.exception
    assert at.info[0].value.startswith("Stopped at this server's time limit (1 s) after ")
    assert at.info[0].value.endswith("The model trained so far is kept.")


def test_earlier_runs_can_be_overlaid_and_reopened(app_env, store, tiny_mnist):
    earlier = stored_job(tiny_config(), tiny_mnist, store, learner=LEARNER).start().wait(timeout=60)
    current = stored_job(tiny_config(seed=2), tiny_mnist, store, learner=LEARNER)
    server_queue().submit(current).wait(timeout=60)
    stored_job(tiny_config(seed=3), tiny_mnist, store, learner="b" * 32).start().wait(timeout=60)  # not theirs
    at = open_train()
    overlay = at.multiselect(key="train_overlay")
    assert overlay.options == [f"Logistic regression {earlier.test_accuracy:.1%} ({earlier.run_id[-6:]})"]
    traces_before = len(at.get("plotly_chart")[0].proto.spec)
    overlay.set_value([earlier.run_id]).run()
    assert not at.exception
    assert len(at.get("plotly_chart")[0].proto.spec) > traces_before
    labelled(at.selectbox, "Open a saved run").set_value(earlier.run_id).run()
    assert not at.exception
    assert any(m.value == f"{earlier.test_accuracy:.2%}" for m in at.metric)
    labelled(at.selectbox, "Open a saved run").set_value(current.snapshot().run_id).run()  # the current run, shown twice
    assert not at.exception


def test_visiting_another_page_keeps_the_run_and_the_form(app_env):
    at = open_train({**TINY, "epochs": "50", "batch_size": "8", "arch": "mlp", "m.hidden": "40"})
    button(at, "Start").click().run()
    job = my_job()
    at.switch_page("pages/home.py").run()
    assert not job.snapshot().done  # leaving the page does not stop it
    at.switch_page("pages/train.py").run()
    assert not at.exception
    assert my_job() is job
    [summary] = [e for e in at.expander if e.label.startswith("Settings of this run")]
    assert {row["setting"]: row["value"] for row in summary.dataframe[0].value.to_dict("records")}["Layers"] == "784 → 40 → 10"
    assert not button(at, "Stop").disabled
    job.stop()
    job.wait(timeout=30)
    wait_for_job(at)
    assert at.number_input(key="train.m.hidden.0").value == 40  # the form kept its values through the run


def test_a_run_behind_others_shows_its_place_in_the_queue(app_env, tiny_mnist):
    from helpers import GatedJob

    import ui.resources
    queue = ui.resources._queue()   # the process's queue, as the page gets it
    other = queue.submit(GatedJob("other learner", tiny_config(), tiny_mnist, learner="someone else"))
    assert other.entered.wait(10)
    at = open_train(TINY)
    before = " ".join(c.value for c in at.caption)
    assert re.search(r"Started now, it would take about \d+ s: 1 training ahead of you, then about \d+ s", before)
    start = next(b for b in at.button if b.label == "Start")
    start.click().run()
    assert not at.exception
    mine = my_job()
    assert mine.snapshot().status == "queued"
    assert any(re.search(r"Waiting in the training queue: about \d+ s: 1 training ahead of you, then about \d+ s",
                         p.proto.text) for p in at.get("progress"))
    other.gate.set()
    assert mine.wait(60).status == "finished"
    wait_for_job(at)
    assert any("Finished" in s.value for s in at.success)


def test_a_link_opened_during_a_run_shows_the_runs_settings_and_keeps_the_links_for_after(app_env, tiny_mnist):
    from helpers import GatedJob
    running = GatedJob("mine", tiny_config(arch="logistic", epochs=2), tiny_mnist, learner=LEARNER)
    at = open_train({"arch": "mlp", "epochs": "4"}, job=running)  # a shared link, opened in a new tab
    assert running.entered.wait(10)
    at.run()
    assert not at.exception
    [summary] = [e for e in at.expander if e.label.startswith("Settings of this run")]
    assert summary.label.startswith("Settings of this run: Logistic regression, 2 epochs")
    rows = {row["setting"]: row["value"] for row in summary.dataframe[0].value.to_dict("records")}
    assert rows["Architecture"] == "Logistic regression" and rows["Epochs"] == "2"
    running.gate.set()
    running.wait(60)
    wait_for_job(at)
    assert labelled(at.segmented_control, "Architecture").value == "mlp"  # the link's, for the next run
    assert at.query_params["arch"] == "mlp" and at.query_params["epochs"] == "4"


def test_a_teacher_link_fixes_some_settings_says_which_in_words_and_hides_them(app_env):
    at = open_train({"arch": "cnn", "preset": "tutorial", "epochs": "1", "lock": "arch,epochs,model"})
    assert not at.exception
    [lock] = [shown(i.value) for i in at.info if "Your teacher set" in i.value]
    assert lock.startswith("Your teacher set: CNN, 1 epoch and layers conv 10/20 5x5, fc 50.") and "arch" not in lock
    drawn = {w.key for w in [*at.number_input, *at.segmented_control, *at.select_slider, *at.selectbox]}
    assert not drawn & {"train.arch", "train.epochs", "train.m.channels.0", "train.preset"}  # only what may change
    assert not at.select_slider(key="train.lr").disabled       # the rest is the learner's to explore
    at.select_slider(key="train.lr").set_value(0.003).run()
    assert at.query_params["lock"] == "arch,epochs,model" and at.query_params["epochs"] == "1"
    assert at.query_params["arch"] == "cnn" and at.query_params["m.channels"] == "10,20"
    button(at, "Start").click().run()
    assert list(my_job().config.model.channels) == [10, 20]
    server_queue().cancel(my_job())


def test_a_link_locking_everything_leaves_only_start(app_env):
    at = open_train({"arch": "mlp", "epochs": "2", "lr": "0.01", "lock": "all"})
    [lock] = [shown(i.value) for i in at.info if "Your teacher set" in i.value]
    assert lock == ("Your teacher set: MLP, 2 epochs, layers 784 → 512 → 256 → 10, learning rate 0.01 and the "
                    "default preset's other settings. "
                    "Press **Start**.")
    assert not at.number_input and not at.select_slider and not at.segmented_control
    assert not button(at, "Start").disabled


def test_a_link_locking_an_unknown_setting_falls_back_to_the_open_form(app_env):
    at = open_train({"arch": "cnn", "lock": "everything"})
    assert any("could not be used" in w.value for w in at.warning)
    assert not at.segmented_control(key="train.arch").disabled


def test_a_learner_lists_only_their_own_runs(app_env, store, tiny_mnist):
    stored_job(tiny_config(), tiny_mnist, store, learner="someone else").start().wait(timeout=60)
    at = open_train(TINY)
    assert any("Runs you train are saved here" in c.value for c in at.markdown)  # nothing of theirs
    next(b for b in at.button if b.label == "Start").click().run()
    wait_for_job(at)
    [table] = at.dataframe
    assert list(table.value["run"]) == [my_job().snapshot().run_id]
    assert table.proto.placeholder == "—"  # a value a run lacks never reads "None"


def test_a_reload_finds_the_running_job_and_its_limit_still_counts(app_env, store_root):
    first = open_train({**TINY, "epochs": "50", "batch_size": "8"})
    next(b for b in first.button if b.label == "Start").click().run()
    job = my_job()
    wait_until(lambda: job.snapshot().history.train_points)
    reloaded = open_train()                                   # a new session of the same browser
    assert not reloaded.exception
    assert any("examples/s" in p.proto.text for p in reloaded.get("progress"))
    assert [b.label for b in reloaded.button][:2] == ["Training…", "Stop"]  # Start reads what is happening
    next(b for b in reloaded.button if b.label == "Training…").click().run()  # and pressing it again starts nothing
    assert my_job() is job and not reloaded.warning
    compare = open_page("pages/compare.py")                   # a second training is still refused
    next(b for b in compare.button if b.label == "Train all three").click().run()
    assert any("already have a training" in w.value for w in compare.warning)
    next(b for b in reloaded.button if b.label == "Stop").click().run()
    assert job.wait(timeout=30).status == "stopped"
    stranger = open_train(learner="b" * 32)                   # another browser never sees it
    assert any("Press **Start** to train" in i.value for i in stranger.info)


def test_a_teacher_link_opened_during_a_run_keeps_the_teachers_settings(app_env):
    first = open_train({**TINY, "arch": "mlp", "epochs": "50", "batch_size": "8", "m.hidden": "40"})
    next(b for b in first.button if b.label == "Start").click().run()
    job = my_job()
    link = open_train({"arch": "cnn", "epochs": "1", "lock": "all"})  # a new tab of the same browser
    assert any("Your teacher set: CNN, 1 epoch" in i.value for i in link.info)
    assert any("examples/s" in p.proto.text or "Waiting" in p.proto.text or "Starting" in p.proto.text
               for p in link.get("progress"))                          # the running job is still shown
    server_queue().cancel(job)
    job.wait(timeout=30)


def test_a_race_started_on_compare_holds_the_train_page_start(app_env, tiny_mnist):
    from core.jobs.sequence import JobSequence
    sequence = JobSequence([tiny_config(epochs=50, batch_size=8)], tiny_mnist, learner=LEARNER)
    server_queue().submit_sequence(sequence)
    at = open_train(TINY)
    assert any(b.label == "Training…" for b in at.button) and not any(b.label == "Start" for b in at.button)
    assert any("still training" in i.value for i in at.info)
    sequence.stop()
    sequence.wait(timeout=30)
    at.run()
    assert not next(b for b in at.button if b.label == "Start").disabled


def test_a_run_cancelled_while_waiting_draws_no_empty_charts(app_env, tiny_mnist):
    from helpers import GatedJob

    import ui.resources
    other = ui.resources._queue().submit(GatedJob("other learner", tiny_config(), tiny_mnist, learner="x" * 32))
    assert other.entered.wait(10)
    at = open_train(TINY)
    button(at, "Start").click().run()
    button(at, "Stop").click().run()
    assert not at.exception
    assert my_job().snapshot().status == "cancelled"
    assert any("Cancelled before it started" in i.value for i in at.info)
    assert not at.get("plotly_chart")  # no axes from -1 to 6 around nothing
    assert any("curves appear here once the training has started" in c.value for c in at.markdown)
    other.gate.set()
    other.wait(60)


def test_a_finished_run_worse_than_untrained_ends_in_a_warning_not_a_success(app_env, store, tiny_mnist):
    import dataclasses

    import torch

    from core.data.loading import Split
    g = torch.Generator().manual_seed(0)
    noise = Split(tiny_mnist.train.images, torch.randint(0, 10, (len(tiny_mnist.train),), generator=g))
    unlearnable = dataclasses.replace(tiny_mnist, train=noise)  # labels no weights can predict
    config = tiny_config(lr=5.0, optimizer="sgd", momentum=0.0, epochs=3, log_every=128)
    job = server_queue().submit(stored_job(config, unlearnable, store, learner=LEARNER))
    assert job.wait(timeout=60).status == "finished"
    at = open_train()
    assert not at.exception and not at.success
    assert any("worse than the untrained model's" in w.value for w in at.warning)


def test_the_augmentation_settings_are_in_their_own_expander_and_the_robust_preset_fills_them(app_env):
    at = open_train()
    assert any(e.label == "Augmentation" for e in at.expander)
    boxes = {"train.augment_rotation": at.number_input, "train.augment_shift": at.number_input,
             "train.augment_scale": at.slider, "train.augment_stroke": at.slider}
    assert all(kind(key=key).value == 0.0 for key, kind in boxes.items())  # off unless asked for
    assert at.number_input(key="train.augment_rotation").max == 45.0  # the bound comes from core
    at.segmented_control(key="train.arch").set_value("cnn").run()
    at.selectbox(key="train.preset").set_value("robust").run()
    assert not at.exception
    robust = preset("cnn", "robust")
    assert {key: kind(key=key).value for key, kind in boxes.items()} == {
        f"train.{name}": getattr(robust, name) for name in ("augment_rotation", "augment_shift", "augment_scale",
                                                             "augment_stroke")}
    assert any("the **robust** preset's settings" in c.value for c in at.caption)
    assert at.query_params["augment_rotation"] == str(robust.augment_rotation)
    at.number_input(key="train.augment_rotation").set_value(10.0).run()
    assert at.query_params["augment_rotation"] == "10.0"
    assert not any("preset's settings" in c.value for c in at.caption)


def test_a_teacher_link_may_fix_the_augmentation(app_env):
    at = open_train({"arch": "cnn", "preset": "robust", "lock": "augment_rotation,augment_stroke"})
    assert not at.exception
    drawn = {w.key for w in [*at.number_input, *at.slider]}
    assert {"train.augment_shift", "train.augment_scale"} <= drawn
    assert not drawn & {"train.augment_rotation", "train.augment_stroke"}
    button(at, "Start").click().run()
    config = my_job().config
    assert (config.augment_rotation, config.augment_stroke) == (preset("cnn", "robust").augment_rotation,
                                                                preset("cnn", "robust").augment_stroke)
    server_queue().cancel(my_job())


def test_the_form_draws_every_setting_once():
    from core.training.config import SETTINGS
    from ui.train_form import (
        AUGMENT_SETTINGS,
        MAIN_SETTINGS,
        MORE_SETTINGS,
        PAIRED_SETTINGS,
    )
    drawn = PAIRED_SETTINGS + MAIN_SETTINGS + MORE_SETTINGS + AUGMENT_SETTINGS
    assert sorted(drawn) == sorted(SETTINGS)


def test_an_augmented_run_says_its_train_accuracy_is_on_bent_digits(app_env, store, tiny_mnist):
    job = stored_job(tiny_config(augment_rotation=15.0), tiny_mnist, store, learner=LEARNER)
    server_queue().submit(job).wait(timeout=60)
    at = open_train()
    assert not at.exception
    assert any("as augmentation bent them" in c.value for c in at.caption)
    other = "b" * 32
    server_queue().submit(stored_job(tiny_config(), tiny_mnist, store, learner=other)).wait(timeout=60)
    plain = open_train(learner=other)
    assert any("Accuracy within an epoch" in c.value for c in plain.caption)  # the curves' note, without that line
    assert not any("as augmentation bent them" in c.value for c in plain.caption)
