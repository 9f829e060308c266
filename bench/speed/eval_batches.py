"""What a training pauses for: one pass of a test-set check over the 10,000 test digits
(core.training.engine.probe_accuracy) and one whole evaluation (core.models.evaluation.evaluate),
at several batch sizes, for each architecture's `fast` and `default` models; `python -m bench.speed
eval-batches`. Measured on a thread with 2 torch threads (a job's), its driver on one, as the
app trains; the models are freshly initialised (the cost does not depend on the weights)."""
from __future__ import annotations

import statistics
import threading
import time

from bench.common import Report, load_mnist

BATCHES = (250, 500, 1000, 2000)


def _median_ms(work, repeat: int) -> float:
    spent = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        spent.append(time.perf_counter() - began)
    return statistics.median(spent) * 1000


def measure_eval_batches(out: Report, repeat: int, data_dir: str | None = None,
                         presets: tuple[str, ...] = ("fast", "default")) -> None:
    import torch

    from core.jobs.threads import use_one_torch_thread
    from core.models.architectures import ARCHITECTURES, build_model
    from core.models.evaluation import evaluate
    from core.training.config import preset
    from core.training.engine import probe_accuracy

    use_one_torch_thread()
    test = load_mnist(data_dir).test
    out.table("model", "registry's batch", *(f"check ms at {b}" for b in BATCHES),
              *(f"evaluate ms at {b}" for b in BATCHES))

    def measure() -> None:
        torch.set_num_threads(2)
        for arch, spec in ARCHITECTURES.items():
            for name in presets:
                model = build_model(arch, preset(arch, name).model)
                checks = [_median_ms(lambda b=b: probe_accuracy(model, test, b), repeat) for b in BATCHES]
                whole = [_median_ms(lambda b=b: evaluate(model, test, batch_size=b), repeat) for b in BATCHES]
                out.row(f"{arch} {name}", spec.eval_batch_size, *(f"{ms:.0f}" for ms in checks + whole))
                out.append("models", {"arch": arch, "preset": name, "batches": BATCHES, "check_ms": checks,
                                      "evaluate_ms": whole})

    worker = threading.Thread(target=measure)
    worker.start()
    worker.join()
