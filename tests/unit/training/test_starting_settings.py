from core.training.config import locked_values, parse_lock, preset, settings_locked, starting_settings, to_query


def test_a_link_wins_over_the_latest_training_and_brings_its_lock():
    link = {**to_query(preset("mlp", epochs=2)), "lock": "epochs"}
    start = starting_settings(link, latest=preset("cnn"))
    assert (start.config, start.locked, start.problem) == (preset("mlp", epochs=2), {"epochs": 2}, "")


def test_without_a_link_the_latest_training_then_the_logistic_default():
    assert starting_settings({}, latest=preset("cnn")).config == preset("cnn")
    assert starting_settings({}, latest=None).config == preset("logistic")


def test_a_link_that_cannot_be_read_falls_back_to_the_default_saying_why():
    start = starting_settings({"arch": "mlp", "epochs": "many"}, latest=preset("cnn"))
    assert (start.config, start.locked) == (preset("logistic"), {})
    assert "epochs" in start.problem


def test_a_locked_class_setup_locks_everything_and_a_suggested_one_nothing_more():
    setup = preset("cnn", "fast")
    assert settings_locked({"epochs": 2}, setup, "lock") == locked_values(setup, parse_lock("all"))
    assert settings_locked({"epochs": 2}, setup, "suggest") == {"epochs": 2}
    assert settings_locked({}, None, "") == {}
