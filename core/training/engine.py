"""Training phases as plain functions: make the parts, train one epoch, fit.

`fit` runs a whole training synchronously and reports through a `Recorder`;
`core.jobs.job.TrainingJob` runs it in a background thread. The CLI, the pages and
the benchmarks all go through `fit`, so they measure and train the same thing.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import nn

from core.config.fields import ConfigError
from core.data.augment import Augmentation
from core.data.loading import Dataset, Split, as_input, shuffled_batches
from core.models.architectures import architecture, build_model, count_parameters
from core.models.evaluation import EVAL_BATCH_SIZE, Evaluation, evaluate
from core.training.config import TrainConfig
from core.training.history import EpochMetrics
from core.training.precision import autocast, flush_denormals
from core.training.status import Status

# Test accuracy within an epoch, for the live view: on the test set's first images (the same
# ones for every run, all ten digits), PROBES_PER_EPOCH times an epoch. The epoch's end is
# measured on the whole test set. Probing is paused time, as evaluation is.
PROBE_IMAGES = 1_000
PROBES_PER_EPOCH = 5
# The augmentation draws from its own generator, seeded config.seed + this: a run without
# augmentation shuffles and trains exactly as it would without the feature.
AUGMENT_SEED_OFFSET = 104_729


class Recorder(Protocol):
    def should_stop(self) -> bool: ...
    def on_start(self, total_examples: int, param_count: int) -> None: ...
    def on_train_point(self, examples_seen: int, loss: float, train_seconds: float) -> None: ...
    def on_probe(self, examples_seen: int, accuracy: float) -> None: ...
    def on_check(self, examples_seen: int, train_seconds: float, accuracy: float) -> None: ...
    def on_epoch(self, metrics: EpochMetrics) -> None: ...


class Diverged(Exception):
    """The training loss became NaN or infinite."""


@dataclass
class FitResult:
    model: nn.Module | None     # None once released from memory (core.jobs.job.TrainingJob.release_model)
    status: Status              # finished | stopped | diverged
    message: str
    evaluation: Evaluation      # of the returned weights on the test set
    train_seconds: float


def resolve_device(name: str) -> torch.device:
    """The torch device of a config's `device`; a ConfigError, in one sentence, for a GPU this machine lacks."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' was asked for, but PyTorch sees no CUDA GPU here: use 'auto' or 'cpu'")
    return torch.device(name)


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    params, lr, wd = model.parameters(), config.lr, config.weight_decay
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=config.momentum, weight_decay=wd)
    betas = (config.beta1, config.beta2)
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, weight_decay=wd)
    return torch.optim.AdamW(params, lr=lr, betas=betas, weight_decay=wd)


def make_scheduler(optimizer: torch.optim.Optimizer, config: TrainConfig,
                   steps_per_epoch: int) -> torch.optim.lr_scheduler.LRScheduler | None:
    if config.schedule == "none":
        return None
    # cycle_momentum=False: the momentum the user chose is the momentum used
    return torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.lr, total_steps=config.epochs * steps_per_epoch, cycle_momentum=False)


@torch.no_grad()
def probe_accuracy(model: nn.Module, probe: Split, batch_size: int = EVAL_BATCH_SIZE) -> float:
    """Accuracy on `probe` in evaluation mode; the model goes back to training mode."""
    model.eval()
    correct = sum((model(as_input(probe.images[start:start + batch_size])).argmax(dim=1)
                   == probe.labels[start:start + batch_size]).sum().item()
                  for start in range(0, len(probe), batch_size))
    model.train()
    return correct / len(probe)


def augmentation_generator(config: TrainConfig) -> torch.Generator:
    """The CPU generator a training's augmentation draws from: one per training, for every epoch."""
    return torch.Generator().manual_seed(config.seed + AUGMENT_SEED_OFFSET)


def training_batch(train: Split, indices: torch.Tensor, augmentation: Augmentation,
                   generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """The model inputs and labels of one training batch, bent by `augmentation` when it is
    active (its random changes drawn from `generator`); labels are never changed."""
    images = as_input(train.images[indices])
    return (augmentation(images, generator) if augmentation.active else images), train.labels[indices]


def train_one_epoch(model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: torch.optim.lr_scheduler.LRScheduler | None, train: Split,
                    config: TrainConfig, generator: torch.Generator, recorder: Recorder,
                    examples_seen: int, clock: "Clock", good: "LastGoodWeights",
                    probe: Split | None = None,
                    augment_generator: torch.Generator | None = None,
                    test: Split | None = None) -> tuple[int, float, float]:
    """One pass over `train`: returns examples seen so far, mean loss and accuracy
    on the batches. Raises Diverged on a non-finite loss. With `probe`, reports the
    accuracy on it PROBES_PER_EPOCH - 1 times within the epoch. With `test` and the
    config's `test_every`, reports the accuracy on all of `test` every that many examples
    within the epoch (the epoch's end is the caller's), with the training seconds so far.
    Both are paused time. `augment_generator` draws
    the config's augmentation (default: a fresh augmentation_generator; pass one for every
    epoch, or each epoch repeats the first one's draws)."""
    model.train()
    augmentation = Augmentation.of(config)
    if augment_generator is None:
        augment_generator = augmentation_generator(config)
    device = train.images.device
    probe_every = math.ceil(len(train) / PROBES_PER_EPOCH)
    next_probe = examples_seen + probe_every
    next_check = _next_multiple(examples_seen, config.test_every)
    epoch_loss = torch.zeros((), device=device)
    epoch_correct = torch.zeros((), dtype=torch.int64, device=device)
    interval_loss, interval_batches, next_log = torch.zeros((), device=device), 0, examples_seen + config.log_every
    epoch_examples = 0
    number_format = autocast(config.precision, config.arch, device)
    eval_batch = architecture(config.arch).eval_batch_size
    for indices in shuffled_batches(len(train), config.batch_size, generator):
        if recorder.should_stop():
            break
        indices = indices.to(device, non_blocking=True)
        images, labels = training_batch(train, indices, augmentation, augment_generator)
        with number_format:
            logits = model(images)
            loss = F.cross_entropy(logits, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        batch = len(labels)
        detached = loss.detach()
        epoch_loss += detached * batch
        epoch_correct += (logits.detach().argmax(dim=1) == labels).sum()
        interval_loss += detached
        interval_batches += 1
        examples_seen += batch
        epoch_examples += batch
        if examples_seen >= next_log:
            _publish_point(recorder, examples_seen, interval_loss, interval_batches, clock)
            good.save(model)
            interval_loss, interval_batches = torch.zeros((), device=device), 0
            next_log = examples_seen + config.log_every
        if probe is not None and examples_seen >= next_probe and epoch_examples < len(train):
            clock.pause()
            recorder.on_probe(examples_seen, probe_accuracy(model, probe, eval_batch))
            clock.resume()
            next_probe += probe_every
        if test is not None and next_check is not None and examples_seen >= next_check \
                and epoch_examples < len(train):
            clock.pause()
            recorder.on_check(examples_seen, clock.seconds(), probe_accuracy(model, test, eval_batch))
            clock.resume()
            next_check = _next_multiple(examples_seen, config.test_every)
    if interval_batches:
        _publish_point(recorder, examples_seen, interval_loss, interval_batches, clock)
        good.save(model)
    mean_loss = epoch_loss.item() / max(epoch_examples, 1)
    if not math.isfinite(mean_loss):
        raise Diverged(f"training loss became {mean_loss}")
    return examples_seen, mean_loss, epoch_correct.item() / max(epoch_examples, 1)


def _next_multiple(examples_seen: int, every: int) -> int | None:
    """The next multiple of `every` examples after `examples_seen` (None when `every` is 0: off).
    A check falls at the first batch end at or past it, so at about the same counts
    (10,000, 20,000, ...) whatever the batch size."""
    return (examples_seen // every + 1) * every if every else None


def _publish_point(recorder: Recorder, examples_seen: int, interval_loss: torch.Tensor,
                   batches: int, clock: "Clock") -> None:
    # The one host sync per log interval; a NaN here stops training at once.
    loss = interval_loss.item() / batches
    if not math.isfinite(loss):
        raise Diverged(f"training loss became {loss} after {examples_seen:,} examples")
    recorder.on_train_point(examples_seen, loss, clock.seconds())


class LastGoodWeights:
    """A copy of the weights taken whenever they are known to be finite."""

    def __init__(self, model: nn.Module) -> None:
        self.state: dict[str, torch.Tensor] = {}
        self.save(model)

    def save(self, model: nn.Module) -> None:
        state = model.state_dict()
        if all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point()):
            self.state = {k: v.detach().clone() for k, v in state.items()}

    def restore(self, model: nn.Module) -> None:
        model.load_state_dict(self.state)


class Clock:
    """Counts optimisation time only: paused while evaluating."""

    def __init__(self) -> None:
        self._total, self._since = 0.0, None

    def resume(self) -> None:
        self._since = time.perf_counter()

    def pause(self) -> None:
        if self._since is not None:
            self._total += time.perf_counter() - self._since
            self._since = None

    def seconds(self) -> float:
        running = time.perf_counter() - self._since if self._since is not None else 0.0
        return self._total + running


def fit(config: TrainConfig, data: Dataset, recorder: Recorder) -> FitResult:
    """Train from scratch as `config` says, evaluating on the test set before and after each epoch."""
    if data.spec.name != config.dataset:
        raise ValueError(f"a {config.dataset} config cannot train on {data.spec.name}")
    device = resolve_device(config.device)
    flush_denormals()  # before this thread's first operation starts its pool of workers
    torch.manual_seed(config.seed)  # weights and dropout; shuffling has its own generator
    generator = torch.Generator().manual_seed(config.seed)
    augment_generator = augmentation_generator(config)
    model = build_model(config.arch, config.model, config.dataset).to(device)
    train = data.train.head(config.train_examples)
    train = Split(train.images.to(device), train.labels.to(device))
    test = Split(data.test.images.to(device), data.test.labels.to(device))
    # whole-test-set checks make the live view's probes redundant
    probe = test.head(PROBE_IMAGES) if not config.test_every else None
    steps_per_epoch = math.ceil(len(train) / config.batch_size)
    optimizer = make_optimizer(model, config)
    scheduler = make_scheduler(optimizer, config, steps_per_epoch)
    recorder.on_start(config.epochs * len(train), count_parameters(model))

    clock, examples_seen = Clock(), 0
    eval_batch = architecture(config.arch).eval_batch_size
    before = evaluate(model, test, device, eval_batch)
    recorder.on_epoch(EpochMetrics(0, 0, 0.0, None, None, before.loss, before.accuracy))
    good = LastGoodWeights(model)
    latest = before  # the test-set evaluation of the weights as they are now
    status, message = Status.FINISHED, f"Trained {config.epochs} epoch{'s' if config.epochs != 1 else ''}."
    for epoch in range(1, config.epochs + 1):
        clock.resume()
        try:
            examples_seen, train_loss, train_acc = train_one_epoch(
                model, optimizer, scheduler, train, config, generator, recorder, examples_seen, clock, good, probe,
                augment_generator, test)
        except Diverged as exc:
            clock.pause()
            good.restore(model)
            status, message = Status.DIVERGED, (
                f"Training diverged in epoch {epoch}: {exc}. The last weights that were still "
                f"finite were kept. Try a learning rate 10x smaller ({config.lr / 10:g}), "
                "Adam instead of SGD, or the 'default' preset.")
            break
        clock.pause()
        if recorder.should_stop():
            status, message = Status.STOPPED, f"Stopped by request in epoch {epoch} after {examples_seen:,} examples."
            break
        latest = evaluate(model, test, device, eval_batch)
        recorder.on_epoch(EpochMetrics(epoch, examples_seen, clock.seconds(), train_loss, train_acc,
                                       latest.loss, latest.accuracy))
    # a finished training's last epoch has just been tested; a stopped or diverged one's weights
    # changed since (a part-epoch, or the last finite weights put back)
    final = latest if status == Status.FINISHED else evaluate(model, test, device, eval_batch)
    if status == Status.FINISHED and final.loss > before.loss:
        message += (f" But its test loss ({final.loss:.2f}) is worse than the untrained model's ({before.loss:.2f}): "
                    f"the learning rate is probably too high. Try {config.lr / 10:g}, or Adam instead of SGD.")
    return FitResult(model.cpu().eval(), status, message, final, clock.seconds())
