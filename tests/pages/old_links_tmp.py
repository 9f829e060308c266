"""A hostile visitor and a careless host, replayed: every attempt ends in one plain
sentence, a refusal before any work, or nothing at all, and never in a traceback,
rendered markdown, a folder made or a saved run lost."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from helpers import LEARNER, open_page, shown, wait_until

import ui.resources
from core.cli import main as train_cli
from core.config.fields import ConfigError
from core.jobs.queue import TrainingQueue
from core.jobs.run_keeper import stored_job
from core.store.runs import RunStore, StoreError
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
@pytest.mark.parametrize("field", ["epochs", "batch_size", "seed", "train_examples", "log_every", "lr",
                                   "test_every", "beta1", "m.fc_hidden", "m.kernel_size", "m.kernel_size_2",
                                   "m.channels"])
@pytest.mark.parametrize("value", ["inf", "-inf", "1e400", "nan", "9" * 5000])
def test_overflowing_numbers_in_a_link_are_one_plain_warning(app_env, field, value):
    at = open_page("pages/train.py", {"arch": "cnn", field: value})
    assert not at.exception
    assert any("could not be used" in w.value for w in at.warning)
    assert at.segmented_control(key="train.arch").value == "logistic"  # the defaults instead


@pytest.mark.parametrize("field", ["arch", "lock", "preset", "epochs"])
@pytest.mark.parametrize("attack", MARKDOWN_ATTACKS)
def test_visitor_text_in_a_link_is_never_rendered_as_markdown(app_env, field, attack):
    at = open_page("pages/train.py", {field: attack} if field == "arch" else {"arch": "mlp", field: attack})
    assert not at.exception
    [warning] = [w.value for w in at.warning if "could not be used" in w.value]
    assert ui.resources.plain(attack) in warning  # every character markdown could act on is escaped...
    assert attack in shown(warning)                # ...so the reader sees exactly what was sent
