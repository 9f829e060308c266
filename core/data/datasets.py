"""The datasets the app can train on, one spec each: files, image size, classes, normalisation.

MNIST is the only one shipped. A spec is all that `core.data.loading` needs to read a dataset
and all that a model needs to standardise its input (`core.models.architectures` puts the mean and
standard deviation into the model's first layer, so a checkpoint describes itself).
"""
from __future__ import annotations

from dataclasses import dataclass

from core.config.registry import Registry


@dataclass(frozen=True)
class DatasetSpec:
    name: str                  # key in configs, run rows and checkpoints, e.g. "mnist"
    label: str                 # shown to people, e.g. "MNIST"
    folder: str                # under the data root: <folder>/raw/<files>
    files: tuple[str, str, str, str]  # idx files: train images, train labels, test images, test labels
    classes: tuple[str, ...]   # what each label means, in label order
    image_size: int            # images are square, one grey channel
    mean: float                # mean pixel of the training set, in 0..1
    std: float                 # its standard deviation
    train_size: int            # images in the training split (for estimates before loading it)
    test_size: int             # and in the test split (every test-set check evaluates all of it)
    torchvision_name: str | None = None  # torchvision.datasets class that can download it; None: none can

    @property
    def num_classes(self) -> int:
        return len(self.classes)


MNIST = DatasetSpec(
    name="mnist", label="MNIST", folder="MNIST",
    files=("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    classes=tuple(str(d) for d in range(10)), image_size=28,
    mean=0.1307, std=0.3081,  # of the 60,000 training images, pixels scaled to [0, 1]
    train_size=60_000, test_size=10_000,
    torchvision_name="MNIST")

DATASETS: Registry[DatasetSpec] = Registry("a dataset", "dataset")
register_dataset = DATASETS.register  # a dataset's name must be new
dataset_spec = DATASETS.named         # the spec of a dataset name, else a ConfigError


register_dataset(MNIST)
DEFAULT_DATASET = MNIST.name  # runs, configs and checkpoints that name none are MNIST's
