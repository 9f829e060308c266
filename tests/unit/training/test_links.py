"""A hostile visitor's links, read the way the Train page reads them
(core.training.config.starting_settings: from_query, then parse_lock): every bad value is one
ConfigError, a plain sentence naming the field, and the page falls back to the defaults.
tests/pages/test_hostile.py sends one such link and the huge one through the page itself."""
import pytest
from helpers import shown

from core.config.fields import ConfigError
from core.training.config import from_query, parse_lock, preset, starting_settings
from ui.text import plain

OVERFLOWING_FIELDS = ["epochs", "batch_size", "seed", "train_examples", "log_every", "lr", "test_every", "beta1",
                      "m.fc_hidden", "m.kernel_size", "m.kernel_size_2", "m.channels"]
OVERFLOWING_VALUES = ["inf", "-inf", "1e400", "nan", "9" * 5000]
MARKDOWN_ATTACKS = ["![x](http://evil.example/pixel.png)", "[click](http://evil.example)", "<img src=x>",
                    ":red[boom]"]


def refusal(read, *args) -> str:
    """The one sentence `read(*args)` refuses with: a ConfigError (any other exception fails the test)."""
    with pytest.raises(ConfigError) as refused:
        read(*args)
    message = str(refused.value)
    assert message and "\n" not in message and "Traceback" not in message, message
    return message


def falls_back_to_the_defaults(query: dict, message: str) -> None:
    """What the page does with the link: the logistic defaults, nothing locked, the sentence to show."""
    start = starting_settings(query, None)
    assert start.config == preset("logistic") and start.locked == {}
    assert start.problem == message


@pytest.mark.parametrize("field", OVERFLOWING_FIELDS)
@pytest.mark.parametrize("value", OVERFLOWING_VALUES, ids=lambda v: v if len(v) < 10 else f"{len(v)}-digits")
def test_overflowing_numbers_in_a_link_are_one_plain_sentence(field, value):
    query = {"arch": "cnn", field: value}
    message = refusal(from_query, query)
    name = field.replace("m.", "model.", 1)  # model options are named as the CLI's --model names them
    assert message.startswith(f"{name} must be a finite number, got "), message
    assert len(message) < 120  # 5,000 digits are quoted cut short, not echoed
    falls_back_to_the_defaults(query, message)


@pytest.mark.parametrize("field", ["arch", "lock", "preset", "epochs"])
@pytest.mark.parametrize("attack", MARKDOWN_ATTACKS)
def test_visitor_text_in_a_link_is_quoted_as_sent_and_never_rendered_as_markdown(field, attack):
    query = {field: attack} if field == "arch" else {"arch": "mlp", field: attack}
    message = refusal(parse_lock, attack) if field == "lock" else refusal(from_query, query)
    assert message.startswith(field), message
    assert attack in message
    falls_back_to_the_defaults(query, message)
    warning = plain(message)                 # as the page shows it (pages/train.py)
    assert plain(attack) in warning          # every character markdown could act on is escaped...
    assert attack in shown(warning)          # ...so the reader sees exactly what was sent


WHOLE_NUMBER_FIELDS = ["epochs", "batch_size", "seed", "train_examples", "log_every", "test_every",
                       "m.fc_hidden", "m.kernel_size", "m.channels"]


@pytest.mark.parametrize("field", WHOLE_NUMBER_FIELDS)
def test_a_whole_number_with_a_fraction_is_refused_the_same_for_every_field(field):
    arch = "cnn" if field.startswith("m.") else "logistic"
    message = refusal(from_query, {"arch": arch, field: "12.5,16" if field == "m.channels" else "3.9"})
    assert "must be a whole number" in message and ("3.9" in message or "12.5" in message), message
    assert from_query({"arch": "logistic", "epochs": "3.0"}).epochs == 3  # a whole number written with .0
