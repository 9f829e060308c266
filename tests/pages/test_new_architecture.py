"""The registry is the one room an architecture lives in: one registered here, in the test
alone, is trainable from the CLI, on the Train form, raced on Compare and read on Draw."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from helpers import LEARNER, button, labelled, open_page, server_queue
from torch import nn

from core import cli
from core.config.fields import bounded
from core.models.architectures import ARCHITECTURES, Architecture, ModelOptions, register_architecture
from core.store.runs import RunStore


@dataclass(frozen=True)
class TinyOptions(ModelOptions):
    arch = "tiny"
    width: int = bounded(6, 2, 32, "units of its one hidden layer", label="Hidden width")

    def describe(self, spec=None) -> str:
        return f"one layer of {self.width}"


def build_tiny(options: TinyOptions, spec) -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(spec.image_size ** 2, options.width), nn.ReLU(),
                         nn.Linear(options.width, spec.num_classes))


@pytest.fixture
def tiny_architecture():
    spec = register_architecture(Architecture(
        "tiny", "Tiny net", TinyOptions, build_tiny, examples_per_second=50_000.0,
        presets={"default": dict(epochs=1, batch_size=64, lr=0.01, optimizer="adam", log_every=200)}))
    yield spec
    del ARCHITECTURES["tiny"]


def test_it_trains_from_the_command_line(tiny_architecture, tiny_mnist, store_root, monkeypatch, capsys):
    monkeypatch.setattr(cli, "load_dataset", lambda root, spec: tiny_mnist)
    assert cli.main(["--arch", "tiny", "--model", '{"width": 8}', "--store-dir", str(store_root)]) == 0
    [run] = RunStore(store_root).list_runs()
    assert (run.arch, run.status, run.config["model"]) == ("tiny", "finished", {"width": 8})
    assert "tiny" in capsys.readouterr().out


def test_it_is_listed_on_the_train_form_with_widgets_from_its_options(app_env, tiny_architecture):
    at = open_page("pages/train.py", query={"arch": "tiny"})
    assert not at.exception
    [choice] = [group for group in at.button_group if group.key == "train.arch"]
    assert choice.options == ["Logistic regression", "MLP", "CNN", "Tiny net"] and choice.value == "tiny"
    [width] = [box for box in at.number_input if box.label == "Hidden width"]
    assert width.value == 6 and width.min == 2 and width.max == 32
    width.set_value(9).run()
    assert at.query_params["m.width"] == "9"
    button(at, "Start").click().run()
    assert not at.exception
    snap = server_queue().latest_job(LEARNER).wait(timeout=60)
    assert (snap.config.arch, snap.config.model.width, snap.status) == ("tiny", 9, "finished")


def test_it_is_raced_on_compare_and_answers_on_draw(app_env, tiny_architecture, drawn_canvas):
    at = open_page("pages/compare.py", timeout=60)
    labelled(at.toggle, "Quick comparison (1 epoch on 5,000 images)").set_value(True).run()  # the quick budget
    button(at, "Train all four").click().run()
    assert not at.exception
    snaps = server_queue().latest_sequence(LEARNER).wait(timeout=180)
    assert [s.config.arch for s in snaps] == ["logistic", "mlp", "cnn", "tiny"]
    assert all(s.status == "finished" for s in snaps)
    at.run()
    assert not at.exception
    assert [ms.label for ms in at.multiselect] == ["Logistic regression", "MLP", "CNN", "Tiny net"]
    draw = open_page("pages/draw.py")
    assert not draw.exception
    assert [m.label for m in draw.metric] == ["Logistic regression", "MLP", "CNN", "Tiny net"]
    assert all(m.value in list("0123456789") for m in draw.metric)
