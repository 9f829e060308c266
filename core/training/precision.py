"""The number format a training computes in: float32, or bfloat16 under `torch.autocast`.

bf16 halves what every multiply-add moves, and CPUs with AMX or AVX-512 BF16 (and CUDA GPUs
since Ampere) multiply it natively: the `fast` CNN trained 1.7-2.1x faster at the same accuracy
on an Intel Xeon with AMX (docs/benchmarks.md). Elsewhere bf16 is emulated and slower, so
`auto` chooses it only on hardware that has it, for architectures whose registry entry says it
was measured faster at the same accuracy, and, once this server has measured its own speeds
(core.training.calibration), only where it measured bf16 faster here too.
Weights, optimizer state and evaluation stay float32: autocast casts only the forward pass.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from core.models.architectures import architecture

if TYPE_CHECKING:  # imported by the functions that take devices: a config names its precision without torch
    import torch

PRECISIONS = ("auto", "float32", "bf16")
CPU_BF16_FLAGS = ("amx_bf16", "avx512_bf16")  # /proc/cpuinfo's names for native bf16 arithmetic

# architecture -> whether bf16 trained it faster on this machine; filled by core.training.calibration
_measured_faster: dict[str, bool] = {}


@functools.lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags as Linux lists them (empty elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            return frozenset(next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), []))
    except OSError:
        return frozenset()


def native_bf16(device: torch.device) -> bool:
    """Whether `device` computes bf16 in hardware rather than emulating it."""
    if device.type == "cuda":
        import torch
        return torch.cuda.is_bf16_supported(including_emulation=False)
    return device.type == "cpu" and any(flag in cpu_flags() for flag in CPU_BF16_FLAGS)


def flush_denormals() -> None:
    """Treat values too small for a float's exponent (below about 1e-38) as 0 on this thread and
    the threads it starts. bf16 autocast made such values in some trainings, and each costs the CPU
    a slow path: the fast CNN's epoch took 3.9-4.5 s instead of 2.9 s for seed 2 (docs/benchmarks.md);
    float32 trainings' times and every accuracy were unchanged."""
    import torch
    torch.set_flush_denormal(True)


def record_measured(arch: str, bf16_faster: bool) -> None:
    """What this server measured of bf16 against float32 for `arch` (core.training.calibration)."""
    _measured_faster[arch] = bf16_faster


def uses_bf16(precision: str, arch: str, device: torch.device) -> bool:
    """Whether a training of `arch` on `device` asking for `precision` computes in bf16."""
    if precision == "bf16":
        return True
    if precision != "auto":
        return False
    return (architecture(arch).bf16 and native_bf16(device)
            and _measured_faster.get(arch, True))  # the registry's measurement until this server has its own


def autocast(precision: str, arch: str, device: torch.device) -> torch.autocast:
    """The context a training step's forward pass and loss run in."""
    import torch
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=uses_bf16(precision, arch, device))


def precision_name(precision: str, arch: str, device: torch.device) -> str:
    """What a training will compute in: 'bf16' or 'float32'."""
    return "bf16" if uses_bf16(precision, arch, device) else "float32"
