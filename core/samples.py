"""Pictures of digits for display: enlarged uint8 arrays, no plotting library needed."""
from __future__ import annotations

import numpy as np
import torch

from core.data import Split


def enlarge(image: torch.Tensor, factor: int = 3) -> np.ndarray:
    """Nearest-neighbour upscaling keeps the pixels crisp, as a learner should see them."""
    return image.numpy().repeat(factor, axis=0).repeat(factor, axis=1)


def sample_grid(split: Split, count: int, seed: int, factor: int = 3) -> tuple[list[np.ndarray], list[int]]:
    """`count` random digits of `split` (seeded) as enlarged arrays, with their labels."""
    indices = torch.randperm(len(split), generator=torch.Generator().manual_seed(seed))[:count]
    return [enlarge(split.images[i], factor) for i in indices], [int(split.labels[i]) for i in indices]
