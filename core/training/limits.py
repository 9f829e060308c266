"""What one server allows: how many trainings at once and in its queue, and how big one
may be, from its settings (see the README's settings table). The queue enforces them;
the Train form and the teacher's page check a config against them before Start."""
from __future__ import annotations

from dataclasses import dataclass

from core.config.fields import ConfigError
from core.config.settings import JOB_THREADS, Settings, settings, usable_cores
from core.models.architectures import ARCHITECTURES, architecture
from core.training.budget import Estimate, duration, estimate
from core.training.config import TrainConfig, preset

# Trainings took up to 1.5x their estimate (`python -m bench.speed estimates`, docs/benchmarks.md):
# refused before Start when that much would pass the time limit, which stops them while they run.
ESTIMATE_SLACK = 1.5


class LimitError(ConfigError):
    """A training this server's limits do not allow; the message says which limit."""


@dataclass(frozen=True)
class QueueLimits:
    slots: int = 1                        # trainings at once
    threads_per_job: int = JOB_THREADS    # torch threads of each
    per_learner: int = 1                  # queued + running trainings one learner may have
    per_address: int | None = None        # ... all learners of one client address together; None: any
    max_epochs: int | None = None         # None: the config's own range
    max_cnn_channels: int | None = None   # widest conv layer allowed; None: no cap
    max_queued: int = 64                  # trainings queued or running at once, all learners together
    max_seconds: float | None = None      # training time allowed: estimated before Start, enforced after; None: any
    max_mb: float | None = None           # peak memory allowed: estimated before Start, measured after; None: any


def queue_limits(given: Settings | None = None) -> QueueLimits:
    """The limits of the server's settings (see the README's settings table)."""
    s = given or settings()
    return QueueLimits(slots=s.slots,
                       # $DIGITS_TORCH_THREADS wins; else the cores shared out between the slots
                       threads_per_job=s.torch_threads or max(1, usable_cores() // s.slots),
                       per_learner=s.jobs_per_learner, per_address=s.jobs_per_address,
                       max_epochs=s.max_epochs, max_cnn_channels=s.max_cnn_channels,
                       max_queued=s.queue_max, max_seconds=s.max_training_seconds, max_mb=s.max_training_mb)


def check_size(config: TrainConfig, limits: QueueLimits) -> Estimate | None:
    """Raise LimitError if `config` is beyond the server's caps (also used by the form, to
    say so before Start); return the estimate it checked, if any."""
    if limits.max_epochs is not None and config.epochs > limits.max_epochs:
        raise LimitError(f"This server allows at most {limits.max_epochs} epochs per training.")
    widths = [w for name in architecture(config.arch).channel_fields for w in _as_list(getattr(config.model, name))]
    if limits.max_cnn_channels is not None and widths and max(widths) > limits.max_cnn_channels:
        raise LimitError(f"This server allows CNN layers of at most {limits.max_cnn_channels} channels.")
    if limits.max_seconds is None and limits.max_mb is None:
        return None
    cost = estimate(config)
    if limits.max_seconds is not None and cost.seconds * ESTIMATE_SLACK > limits.max_seconds:
        raise LimitError(f"This training could take up to {duration(cost.seconds * ESTIMATE_SLACK)} on this server, "
                         f"and the limit is {duration(limits.max_seconds)}: choose fewer epochs, examples or "
                         "test-set checks, a larger batch or a smaller model.")
    if limits.max_mb is not None and cost.peak_mb > limits.max_mb:
        raise LimitError(f"This training would need about {cost.peak_mb:,.0f} MB of memory, and the limit is "
                         f"{limits.max_mb:,.0f} MB: choose a smaller batch or model.")
    return cost


def check_every_architecture_fits(limits: QueueLimits) -> None:
    """A ConfigError when the limits refuse every preset of an architecture: settings that
    leave a learner nothing to start are a mistake to report when the server starts."""
    for name, spec in ARCHITECTURES.items():
        first_refusal = ""
        for preset_name in spec.presets:
            try:
                check_size(preset(name, preset_name), limits)
                break
            except LimitError as refused:
                first_refusal = first_refusal or str(refused)
        else:
            raise ConfigError(f"The server's limits (the DIGITS_MAX_* settings) refuse every {spec.label} preset: "
                              f"{first_refusal.rstrip('.')}")


def _as_list(value: int | list[int]) -> list[int]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def limits_note(limits: QueueLimits) -> str:
    """The server's limits in one sentence, for the Train form."""
    parts = [f"at most {limits.max_epochs} epochs" if limits.max_epochs else "",
             f"CNN layers of up to {limits.max_cnn_channels} channels" if limits.max_cnn_channels else "",
             f"about {duration(limits.max_seconds)} of training" if limits.max_seconds else "",
             f"{limits.max_mb:,.0f} MB of memory" if limits.max_mb else ""]
    allowed = ", ".join(p for p in parts if p)
    return (f"This server allows {allowed} per training, and {limits.max_queued} trainings in its queue."
            if allowed else f"This server holds {limits.max_queued} trainings in its queue.")


TIME_LIMIT_WORDS = "at this server's time limit"
MEMORY_LIMIT_WORDS = "at this server's memory limit"


def time_limit_message(limit_seconds: float, examples_seen: int) -> str:
    """How a training that ran past the server's time limit ended (a model is kept, as at a Stop)."""
    return _stopped_at(f"{TIME_LIMIT_WORDS} ({duration(limit_seconds)})", examples_seen)


def memory_limit_message(limit_mb: float, examples_seen: int) -> str:
    """How a training whose measured memory passed the server's memory limit ended."""
    return _stopped_at(f"{MEMORY_LIMIT_WORDS} ({limit_mb:,.0f} MB)", examples_seen)


def _stopped_at(limit: str, examples_seen: int) -> str:
    if not examples_seen:
        return f"Stopped {limit} before its first example: no model to keep."
    return f"Stopped {limit} after {examples_seen:,} examples."


def limit_stopped_at(message: str) -> str | None:
    """Which server limit a run's message says it ran into ("time limit", "memory limit"), if any."""
    for words in (TIME_LIMIT_WORDS, MEMORY_LIMIT_WORDS):
        if words in (message or ""):
            return words.removeprefix("at this server's ")
    return None
