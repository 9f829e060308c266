import dataclasses
import json

import pytest

from core.config.fields import ConfigError, field_range
from core.models.architectures import ARCHITECTURES, CNNOptions, MLPOptions
from core.training.config import TrainConfig, build_config, preset


def test_default_config_is_valid_and_fills_model_options():
    config = TrainConfig(arch="mlp")
    assert isinstance(config.model, MLPOptions) and config.dataset == "mnist"


def test_a_config_validates_itself_when_made_and_cannot_change():
    with pytest.raises(ConfigError, match=r"epochs must be in \[1, 50\]"):
        TrainConfig(epochs=0)
    with pytest.raises(ConfigError, match="optimizer must be one of"):
        TrainConfig(optimizer="rmsprop")
    with pytest.raises(dataclasses.FrozenInstanceError):
        TrainConfig().epochs = 2


@pytest.mark.parametrize("changes, fragment", [
    ({"lr": 50.0}, "lr must be in [1e-05, 10.0]"),
    ({"epochs": 0}, "epochs must be in [1, 50]"),
    ({"batch_size": 4}, "batch_size must be in [8, 2048]"),
    ({"optimizer": "rmsprop"}, "optimizer must be one of ['sgd', 'adam', 'adamw']"),
    ({"schedule": "cosine"}, "schedule must be one of"),
    ({"device": "tpu"}, "device must be one of"),
    ({"arch": "resnet"}, "arch must be one of"),
    ({"epochs": "many"}, "epochs must be a number"),
    ({"lr": "inf"}, "lr must be a finite number"),
    ({"colour": "red"}, "unknown config fields: ['colour']"),
    ({"arch": "mlp", "model": {"hidden": [4]}}, "model.hidden[0] must be in [8, 2048]"),
    ({"arch": "cnn", "model": {"channels": [8]}}, "model.channels must be a list of 2 to 2"),
    ({"arch": "cnn", "model": {"depth": 3}}, "unknown cnn options: ['depth']"),
])
def test_invalid_values_name_the_field_and_range(changes, fragment):
    with pytest.raises(ConfigError) as err:
        TrainConfig.from_dict({"arch": "logistic", **changes})
    assert fragment in str(err.value)


def test_strings_from_urls_and_cli_are_coerced():
    config = TrainConfig.from_dict({"arch": "logistic", "epochs": "2", "lr": "0.05", "seed": "7"})
    assert (config.epochs, config.lr, config.seed) == (2, 0.05, 7)


def test_round_trip_through_json():
    config = preset("cnn", "tutorial")
    again = TrainConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config
    assert isinstance(again.model, CNNOptions)


def test_replace_validates():
    config = preset("logistic")
    assert dataclasses.replace(config, epochs=2).epochs == 2
    with pytest.raises(ConfigError):
        dataclasses.replace(config, epochs=1000)


@pytest.mark.parametrize("arch, name", [(arch, name) for arch in sorted(ARCHITECTURES)
                                        for name in ARCHITECTURES[arch].presets])
def test_every_preset_is_valid(arch, name):
    assert preset(arch, name).arch == arch


AUGMENT = {"augment_rotation": (0.0, 45.0), "augment_shift": (0.0, 6.0), "augment_scale": (0.0, 0.4),
           "augment_stroke": (0.0, 1.0)}


@pytest.mark.parametrize("name, bounds", AUGMENT.items())
def test_augmentation_is_off_by_default_and_bounded(name, bounds):
    lo, hi = bounds
    assert getattr(TrainConfig(), name) == 0.0 == field_range(TrainConfig, name)["default"]
    assert getattr(TrainConfig(**{name: hi}), name) == hi
    for outside in (lo - 0.01, hi + 0.01):
        with pytest.raises(ConfigError, match=f"{name} must be in \\[{lo}, {hi}\\]"):
            TrainConfig(**{name: outside})
    with pytest.raises(ConfigError, match=f"{name} must be a number"):
        TrainConfig.from_dict({name: "lots"})


def test_a_stored_config_from_before_augmentation_loads_with_it_off():
    old = {key: value for key, value in preset("cnn").to_dict().items() if key not in AUGMENT}
    config = TrainConfig.from_dict(old)
    assert all(getattr(config, name) == 0.0 for name in AUGMENT) and config == preset("cnn")


def test_augmentation_travels_through_a_link_and_the_command_line():
    from core.cli import config_of, parse_args
    from core.training.config import from_query, to_query
    config = preset("cnn", augment_rotation=12.5, augment_shift=2.0, augment_scale=0.25, augment_stroke=0.5)
    query = to_query(config)
    assert query["augment_rotation"] == "12.5" and from_query(query) == config
    flags = parse_args(["--arch", "cnn", "--augment-rotation", "12.5", "--augment-shift", "2",
                        "--augment-scale", "0.25", "--augment-stroke", "0.5"])
    assert config_of(flags) == config
    with pytest.raises(ConfigError, match="augment_rotation must be in"):
        config_of(parse_args(["--arch", "cnn", "--augment-rotation", "90"]))


def test_the_robust_cnn_has_the_defaults_conv_widths_and_trains_on_bent_digits():
    from core.data.augment import Augmentation
    from core.training.config import (
        PRESET_NAMES,
        lock_sentence,
        locked_values,
        matching_preset,
        parse_lock,
    )
    robust, default = preset("cnn", "robust"), preset("cnn")
    assert Augmentation.of(robust).active and not Augmentation.of(default).active
    assert robust.model.channels == default.model.channels and robust.model.batch_norm
    assert (robust.optimizer, robust.schedule) == (default.optimizer, default.schedule)
    assert all(not Augmentation.of(preset(arch, name)).active
               for arch in ARCHITECTURES for name in ARCHITECTURES[arch].presets if name != "robust")
    assert matching_preset(robust) == "robust" and "robust" in PRESET_NAMES
    assert lock_sentence(locked_values(robust, parse_lock("all"))).endswith("the robust preset's other settings")


def test_the_tutorial_presets_earlier_name_is_refused_in_words():
    from core.training.config import from_query
    with pytest.raises(ConfigError, match="preset"):
        from_query({"arch": "mlp", "preset": "seed", "seed": "3"})
    assert from_query({"arch": "mlp", "preset": "tutorial", "seed": "3"}) == preset("mlp", "tutorial", seed=3)


def test_model_options_merge_into_the_presets_the_same_way_everywhere():
    """preset(), a link and the CLI's build_config all update the preset's options."""
    from core.training.config import from_query
    merged = build_config({"arch": "mlp", "model": {"dropout": 0.1}}, "tutorial")
    assert merged.model.hidden == [50] and merged.model.dropout == 0.1
    assert preset("mlp", "tutorial", model={"dropout": 0.1}) == merged
    assert from_query({"arch": "mlp", "preset": "tutorial", "m.dropout": "0.1"}) == merged


def test_seed_presets_match_the_tutorials():
    cnn = preset("cnn", "tutorial")
    assert (cnn.optimizer, cnn.lr, cnn.momentum, cnn.batch_size, cnn.epochs) == ("sgd", 0.01, 0.5, 64, 3)
    assert cnn.model.channels == [10, 20] and cnn.model.fc_hidden == 50 and not cnn.model.batch_norm
    assert cnn.model.dropout == 0.5 and cnn.model.conv_dropout == 0.5
    logistic = preset("logistic", "tutorial")
    assert (logistic.optimizer, logistic.lr, logistic.momentum, logistic.batch_size, logistic.epochs) == (
        "sgd", 0.001, 0.0, 100, 5)
    mlp = preset("mlp", "tutorial")
    assert mlp.model.hidden == [50] and mlp.model.dropout == 0.5


def test_preset_overrides_and_unknown_names():
    assert preset("cnn", "default", epochs=1).epochs == 1
    with pytest.raises(ConfigError, match="preset must be one of"):
        preset("cnn", "turbo")


def test_field_range_exposes_bounds_for_the_ui():
    meta = field_range(TrainConfig, "lr")
    assert meta["min"] == 1e-5 and meta["max"] == 10.0 and meta["log"] is True
    assert meta["default"] == TrainConfig().lr


@pytest.mark.parametrize("arch, name", [("logistic", "default"), ("mlp", "default"), ("cnn", "tutorial")])
def test_query_round_trip(arch, name):
    from core.training.config import from_query, to_query
    config = preset(arch, name)
    query = to_query(config)
    assert all(isinstance(v, str) for v in query.values())
    assert from_query(query) == config


def test_query_reads_like_a_link_and_ignores_foreign_keys():
    from core.training.config import from_query, to_query
    query = to_query(preset("mlp", "default"))
    assert query["m.hidden"] == "512,256" and query["arch"] == "mlp"
    config = from_query({"arch": "cnn", "epochs": "2", "m.channels": "8,16", "m.batch_norm": "false",
                         "utm_source": "slides"})
    assert config.epochs == 2 and config.model.channels == [8, 16] and config.model.batch_norm is False
    cnn_default = preset("cnn")
    assert (config.lr, config.optimizer, config.model.fc_hidden) == (
        cnn_default.lr, cnn_default.optimizer, cnn_default.model.fc_hidden)  # left out: from the preset


@pytest.mark.parametrize("params, fragment", [
    ({"arch": "mlp", "m.hidden": "big"}, "model.hidden must be a list"),
    ({"arch": "mlp", "lr": "99"}, "lr must be in"),
    ({"arch": "rnn"}, "arch must be one of"),
])
def test_bad_links_raise_config_errors(params, fragment):
    from core.training.config import from_query
    with pytest.raises(ConfigError, match=fragment.replace("[", r"\[")):
        from_query(params)


def test_a_link_may_name_the_preset_its_missing_settings_come_from():
    from core.training.config import from_query
    config = from_query({"arch": "cnn", "preset": "tutorial", "epochs": "1"})
    assert config.epochs == 1 and config.model == preset("cnn", "tutorial").model and config.optimizer == "sgd"
    with pytest.raises(ConfigError, match="preset must be one of"):
        from_query({"arch": "cnn", "preset": "fastest"})


def test_parse_lock_names_settings_or_all():
    from core.training.config import parse_lock
    assert parse_lock(None) == frozenset() and parse_lock("") == frozenset()
    assert parse_lock("arch, epochs,lr") == {"arch", "epochs", "lr"}
    assert {"arch", "model", "lr", "seed"} <= parse_lock("all")
    with pytest.raises(ConfigError, match="unknown settings \\['speed'\\]"):
        parse_lock("lr,speed")


def test_a_configs_lists_are_its_own_not_the_presets():
    from core.models.architectures import ARCHITECTURES
    config = preset("mlp")
    assert config.model.hidden == ARCHITECTURES["mlp"].presets["default"]["model"]["hidden"]
    assert config.model.hidden is not ARCHITECTURES["mlp"].presets["default"]["model"]["hidden"]


@pytest.mark.parametrize("values", [{"arch": ["cnn"]}, {"dataset": ["mnist"]}, {"arch": None}])
def test_a_name_that_is_not_text_is_a_config_error(values):
    with pytest.raises(ConfigError, match="must be one of"):
        build_config(values, preset=None)


def test_a_lock_keeps_the_links_values_and_says_them_in_words():
    from core.training.config import (
        from_query,
        lock_sentence,
        locked_values,
        matching_preset,
        parse_lock,
    )
    config = from_query({"arch": "cnn", "preset": "tutorial", "epochs": "1"})
    locked = locked_values(config, parse_lock("epochs,model"))
    assert set(locked) == {"arch", "epochs", "model"}  # the model's options belong to its architecture
    assert locked["model"] == config.model.to_dict()
    assert lock_sentence(locked) == "CNN, 1 epoch and layers conv 10/20 5x5, fc 50"
    everything = locked_values(preset("mlp", lr=0.01, epochs=2), parse_lock("all"))
    assert lock_sentence(everything).endswith("learning rate 0.01 and the default preset's other settings")
    assert matching_preset(preset("cnn", "tutorial")) == "tutorial" and matching_preset(config) is None


def test_settings_in_words_name_every_setting_of_the_form_with_its_label():
    from core.training.config import settings_in_words
    rows = {row["setting"]: row["value"] for row in settings_in_words(preset("cnn"))}
    assert rows["Architecture"] == "CNN" and rows["Layers"] == preset("cnn").model.describe()
    assert rows["Optimizer"] == "AdamW" and rows["Learning rate"] == f"{preset('cnn').lr:g}"
    assert "dataset" not in rows and all(value and value != "None" for value in rows.values())
