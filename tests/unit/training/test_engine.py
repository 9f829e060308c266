import dataclasses

import pytest
import torch
from helpers import ListRecorder, tiny_config

from core.config.fields import ConfigError
from core.data.loading import Split
from core.models.architectures import build_model
from core.training.config import TrainConfig
from core.training.engine import (
    PROBE_IMAGES,
    PROBES_PER_EPOCH,
    Clock,
    fit,
    make_optimizer,
    make_scheduler,
    resolve_device,
)


def small(arch="logistic", **changes) -> TrainConfig:
    return tiny_config(**{"arch": arch, "epochs": 3, "log_every": 128, **changes})


def test_fit_learns_and_reports_every_phase(tiny_mnist):
    recorder = ListRecorder()
    result = fit(small(), tiny_mnist, recorder)
    assert result.status == "finished"
    assert result.evaluation.accuracy > 0.9
    assert recorder.total == 3 * len(tiny_mnist.train) and recorder.params == 7850
    assert [e.epoch for e in recorder.epochs] == [0, 1, 2, 3]
    assert recorder.epochs[0].train_loss is None and recorder.epochs[0].test_accuracy < 0.5
    seen = [p[0] for p in recorder.points]
    assert seen == sorted(seen) and seen[-1] == 3 * len(tiny_mnist.train)
    assert all(b - a >= 128 for a, b in zip(seen, seen[1:]) if b % len(tiny_mnist.train))
    assert recorder.epochs[-1].test_accuracy == pytest.approx(result.evaluation.accuracy)


def test_test_accuracy_is_probed_within_each_epoch(tiny_mnist):
    recorder = ListRecorder()
    fit(small("mlp"), tiny_mnist, recorder)
    per_epoch = len(tiny_mnist.train)
    seen = [p[0] for p in recorder.probes]
    assert len(seen) == 3 * (PROBES_PER_EPOCH - 1)  # the epoch's end is the whole test set's
    assert all(s % per_epoch for s in seen) and seen == sorted(seen)  # never at an epoch's end
    assert all(0 <= accuracy <= 1 for _, accuracy in recorder.probes)
    assert recorder.probes[-1][1] > 0.5 > recorder.epochs[0].test_accuracy  # it learns within epochs


def test_probes_use_the_first_test_images(tiny_mnist, monkeypatch):
    monkeypatch.setattr("core.training.engine.PROBE_IMAGES", 40)
    recorder = ListRecorder()
    fit(small("mlp", epochs=1), tiny_mnist, recorder)
    assert recorder.probes and all(round(accuracy * 40, 6).is_integer() for _, accuracy in recorder.probes)
    assert PROBE_IMAGES == 1_000


@pytest.mark.parametrize("arch", ["mlp", "cnn"])
def test_same_seed_gives_the_same_model(tiny_mnist, arch):
    runs = [fit(small(arch, epochs=1), tiny_mnist, ListRecorder()) for _ in range(2)]
    for (name, a), b in zip(runs[0].model.state_dict().items(), runs[1].model.state_dict().values()):
        assert torch.equal(a, b), name
    other = fit(small(arch, epochs=1, seed=2), tiny_mnist, ListRecorder())
    assert not torch.equal(next(other.model.parameters()), next(runs[0].model.parameters()))


def test_stop_ends_within_a_batch_and_keeps_the_model(tiny_mnist):
    recorder = ListRecorder(stop_after=1)
    result = fit(small(epochs=20, log_every=100), tiny_mnist, recorder)
    assert result.status == "stopped"
    assert recorder.points[-1][0] <= 100 + 32  # one log interval plus at most one batch
    assert result.evaluation.accuracy > 0.1


def test_divergence_keeps_finite_weights_and_gives_advice(tiny_mnist):
    config = small("mlp", lr=10.0, optimizer="sgd", momentum=0.99, epochs=5)
    result = fit(config, tiny_mnist, ListRecorder())
    assert result.status == "diverged"
    assert "learning rate 10x smaller" in result.message
    assert all(torch.isfinite(p).all() for p in result.model.parameters())


def test_a_finished_run_that_ends_worse_than_untrained_says_so(tiny_mnist):
    g = torch.Generator().manual_seed(0)
    noise = Split(tiny_mnist.train.images, torch.randint(0, 10, (len(tiny_mnist.train),), generator=g))
    unlearnable = dataclasses.replace(tiny_mnist, train=noise)  # labels that no weights can predict
    result = fit(small(lr=5.0, optimizer="sgd", momentum=0.0), unlearnable, ListRecorder())
    assert result.status == "finished"
    assert "worse than the untrained model's" in result.message and "Try 0.5" in result.message
    assert "worse" not in fit(small(), tiny_mnist, ListRecorder()).message


def test_onecycle_schedule_ends_near_zero():
    model = build_model("logistic")
    config = TrainConfig(arch="logistic", lr=0.1, schedule="onecycle", epochs=2)
    optimizer = make_optimizer(model, config)
    scheduler = make_scheduler(optimizer, config, steps_per_epoch=10)
    rates = []
    for _ in range(20):  # the rate each of the 20 steps uses
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert max(rates) == pytest.approx(0.1, rel=0.05)
    assert rates[0] < 0.01 and rates[-1] < 1e-4


@pytest.mark.parametrize("name, kind", [("sgd", torch.optim.SGD), ("adam", torch.optim.Adam),
                                        ("adamw", torch.optim.AdamW)])
def test_optimizer_choice(name, kind):
    config = TrainConfig(arch="logistic", optimizer=name, weight_decay=0.01)
    assert isinstance(make_optimizer(build_model("logistic"), config), kind)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_gpu_is_a_clear_error():
    assert resolve_device("auto").type == "cpu"
    with pytest.raises(ConfigError, match="no CUDA GPU"):
        resolve_device("cuda")


def test_clock_counts_only_while_running():
    clock = Clock()
    assert clock.seconds() == 0.0
    clock.resume()
    clock.pause()
    paused = clock.seconds()
    assert paused >= 0.0 and clock.seconds() == paused


def weights(result) -> dict[str, torch.Tensor]:
    return result.model.state_dict()


def test_an_augmented_training_repeats_under_its_seed_and_differs_from_a_plain_one(tiny_mnist):
    bent = small("cnn", epochs=1, augment_rotation=20.0, augment_shift=2.0, augment_scale=0.2, augment_stroke=0.5)
    first, again = (fit(bent, tiny_mnist, ListRecorder()) for _ in range(2))
    assert all(torch.equal(a, b) for a, b in zip(weights(first).values(), weights(again).values()))
    plain = fit(small("cnn", epochs=1), tiny_mnist, ListRecorder())
    assert not torch.equal(weights(first)["net.0.weight"], weights(plain)["net.0.weight"])
    assert first.evaluation.accuracy > 0.5  # the test digits are not bent: it still reads them


def test_augmentation_draws_from_its_own_generator(tiny_mnist, monkeypatch):
    # a plain run never touches that generator, so it trains exactly as it did before augmentation existed
    bent = small("mlp", epochs=1, augment_rotation=20.0)
    plain, augmented = fit(small("mlp", epochs=1), tiny_mnist, ListRecorder()), fit(bent, tiny_mnist, ListRecorder())
    monkeypatch.setattr("core.training.engine.AUGMENT_SEED_OFFSET", 1)
    assert all(torch.equal(a, b) for a, b in zip(
        weights(plain).values(), weights(fit(small("mlp", epochs=1), tiny_mnist, ListRecorder())).values()))
    reseeded = fit(bent, tiny_mnist, ListRecorder())
    assert not torch.equal(weights(augmented)["net.1.weight"], weights(reseeded)["net.1.weight"])


def test_test_set_checks_fall_every_n_examples_and_score_the_whole_test_set(tiny_mnist):
    recorder = ListRecorder()
    result = fit(small(test_every=160, batch_size=32), tiny_mnist, recorder)
    # 640 examples an epoch, 3 epochs: every 160 examples within an epoch (the epoch ends are its own rows)
    assert [seen for seen, _, _ in recorder.checks] == [160, 320, 480, 800, 960, 1120, 1440, 1600, 1760]
    uneven = ListRecorder()
    fit(small(test_every=200, batch_size=32, epochs=1), tiny_mnist, uneven)
    assert [seen for seen, _, _ in uneven.checks] == [224, 416, 608]  # the first batch end past each multiple
    assert all(acc * len(tiny_mnist.test) == round(acc * len(tiny_mnist.test)) for _, _, acc in recorder.checks)
    seconds = [s for _, s, _ in recorder.checks]
    assert seconds == sorted(seconds) and seconds[-1] <= result.train_seconds
    assert recorder.probes == []  # the whole test set makes the 1,000-image probes redundant


def test_test_set_checks_leave_the_trained_weights_unchanged(tiny_mnist):
    arch = "cnn"
    model = {"channels": [4, 8], "fc_hidden": 16}
    plain = fit(small(arch, model=model), tiny_mnist, ListRecorder()).model.state_dict()
    checked = fit(small(arch, model=model, test_every=100), tiny_mnist, ListRecorder()).model.state_dict()
    assert all(torch.equal(plain[k], checked[k]) for k in plain)


def test_a_check_reports_what_evaluate_reports(tiny_mnist, monkeypatch):
    from core.models.evaluation import evaluate
    from core.training import engine
    built = []
    monkeypatch.setattr(engine, "build_model", lambda *args: built.append(build_model(*args)) or built[-1])

    class Evaluating(ListRecorder):
        def on_check(self, examples_seen, train_seconds, accuracy):
            super().on_check(examples_seen, train_seconds, accuracy)
            self.evaluated = evaluate(built[0], tiny_mnist.test).accuracy

    recorder = Evaluating()
    fit(small(epochs=1, test_every=320), tiny_mnist, recorder)
    assert len(recorder.checks) == 1 and recorder.checks[0][2] == recorder.evaluated


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_adam_takes_the_configs_betas(name):
    model = build_model("logistic")
    optimizer = make_optimizer(model, tiny_config(optimizer=name, beta1=0.7, beta2=0.9))
    assert optimizer.param_groups[0]["betas"] == (0.7, 0.9)
