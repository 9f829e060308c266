from dataclasses import dataclass

import pytest

from core.config.fields import (
    ConfigError,
    bounded,
    choice,
    parse_text,
    switch,
    validate_fields,
)


@dataclass
class Knobs:
    width: int = bounded(8, 1, 16, "w", label="Width")
    rate: float = bounded(0.1, 0.0, 1.0, "r", label="Rate")
    layers: list = bounded([4, 4], 1, 32, "l", length=(1, 3), label="Layer")
    mode: str = choice("a", ("a", "b"), "m", label="Mode")
    on: bool = switch(True, "o", label="On")


def test_defaults_are_valid():
    validate_fields(Knobs())


@pytest.mark.parametrize("changes, fragment", [
    ({"width": 0}, "width must be in [1, 16]"),
    ({"width": 2.5}, "width must be a whole number"),
    ({"rate": float("nan")}, "rate must be in [0.0, 1.0]"),
    ({"rate": "fast"}, "rate must be a number"),
    ({"width": True}, "width must be a number"),
    ({"layers": []}, "layers must be a list of 1 to 3"),
    ({"layers": [4, 40]}, "layers[1] must be in [1, 32]"),
    ({"mode": "c"}, "mode must be one of ['a', 'b']"),
    ({"on": "yes"}, "on must be true or false"),
])
def test_out_of_range_names_field_and_range(changes, fragment):
    with pytest.raises(ConfigError) as err:
        validate_fields(Knobs(**changes))
    assert fragment in str(err.value)


def test_list_default_is_not_shared():
    a, b = Knobs(), Knobs()
    a.layers.append(1)
    assert b.layers == [4, 4]


def test_log_steps_cover_the_range_and_keep_the_current_value():
    from core.config.fields import log_steps
    steps = log_steps(1e-5, 10.0)
    assert steps[0] == 1e-5 and steps[-1] == 10.0
    assert 0.003 in steps and 0.01 in steps and steps == sorted(steps)
    assert 0.0042 in log_steps(1e-5, 10.0, current=0.0042)


@pytest.mark.parametrize("name, text, value", [
    ("width", "12", 12), ("width", "12.0", 12), ("rate", "0.5", 0.5), ("layers", "4,8", [4, 8]),
    ("mode", " b ", "b"), ("on", "false", False), ("on", "TRUE", True), ("width", 7, 7)])
def test_text_is_read_as_the_fields_type(name, text, value):
    from core.config.fields import field_range
    assert parse_text(name, field_range(Knobs, name), text) == value


@pytest.mark.parametrize("name, text, fragment", [
    ("width", "many", "width must be a number"), ("rate", "inf", "rate must be a finite number"),
    ("width", "9" * 5000, "width must be a finite number"), ("layers", "4,x", "layers must be a list of numbers")])
def test_unreadable_text_is_one_sentence(name, text, fragment):
    from core.config.fields import field_range
    with pytest.raises(ConfigError, match=fragment):
        parse_text(name, field_range(Knobs, name), text)


def test_an_integer_too_large_for_a_float_is_out_of_range_not_an_overflow():
    with pytest.raises(ConfigError, match="width must be in"):
        validate_fields(Knobs(width=10 ** 400))
