"""Looking inside a trained model: its weights, what each layer makes of one digit, its
shape, and a 2-D map of how it sees the test set.

Every function takes a model from core.models.architectures.build_model (an `input` Standardize
layer, then `net`, a Sequential) and images as 0..1 floats, (1, 1, H, W) for one digit.
Nothing here trains or changes a model: all runs in evaluation mode, without autograd.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from core.data.loading import Split, as_input


def _layers(model: nn.Module) -> list[nn.Module]:
    return list(model.net)


def _linears(model: nn.Module) -> list[nn.Linear]:
    return [layer for layer in _layers(model) if isinstance(layer, nn.Linear)]


def _side(model: nn.Module) -> int:
    """The image side a model without convolutions reads (its first layer takes side² pixels)."""
    return int(round(_linears(model)[0].in_features ** 0.5))


def _convs(model: nn.Module) -> list[nn.Conv2d]:
    return [layer for layer in _layers(model) if isinstance(layer, nn.Conv2d)]


def has_hidden_layer(model: nn.Module) -> bool:
    """False for a model that maps pixels straight to scores (logistic regression)."""
    return len(_linears(model)) > 1 or bool(_convs(model))


# -- logistic regression: one weight image per digit ----------------------------------
def logistic_weights(model: nn.Module) -> torch.Tensor:
    """The ten weight images (classes, side, side): the model's own parameters, reshaped."""
    weight = _linears(model)[0].weight.detach()
    side = _side(model)
    return weight.reshape(len(weight), side, side).clone()


@dataclass(frozen=True)
class ScoreParts:
    """A linear model's score for each digit, split into what each pixel's ink adds."""
    contributions: torch.Tensor  # (classes, side, side): ink x weight, in score units
    blank: torch.Tensor          # (classes,): the score of an empty image (bias and background)
    scores: torch.Tensor         # (classes,): contributions summed plus blank = the model's logits


@torch.no_grad()
def logistic_scores(model: nn.Module, image: torch.Tensor) -> ScoreParts:
    """Each digit's score for `image` as weight x ink. The first layer standardises pixels,
    (x - mean) / std, so the weight on raw ink is W / std and an empty page scores
    b - W·mean / std: that part is `blank`, and a pixel without ink adds nothing."""
    linear, standardize = _linears(model)[0], model.input
    weight, side = linear.weight, _side(model)
    ink = image.reshape(1, -1)
    contributions = weight / standardize.std * ink
    blank = linear.bias - (weight * (standardize.mean / standardize.std)).sum(dim=1)
    return ScoreParts(contributions.reshape(-1, side, side), blank, contributions.sum(dim=1) + blank)


# -- MLP: the first layer's units -------------------------------------------------------
def unit_influence(model: nn.Module) -> torch.Tensor:
    """For each unit of the first hidden layer, the size (L2 norm) of its outgoing weights:
    how strongly it can move the next layer."""
    return _linears(model)[1].weight.detach().norm(dim=0)


def first_layer_units(model: nn.Module, count: int | None = None) -> tuple[torch.Tensor, list[int]]:
    """The first hidden layer's weight images (units, side, side), the most influential
    first (unit_influence), with their unit numbers."""
    weight, side = _linears(model)[0].weight.detach(), _side(model)
    order = unit_influence(model).argsort(descending=True)[:count]
    return weight[order].reshape(-1, side, side).clone(), order.tolist()


# -- every layer's output for one digit ------------------------------------------------
_NAMES = {nn.Conv2d: "conv", nn.BatchNorm2d: "batch norm", nn.MaxPool2d: "max-pool", nn.ReLU: "ReLU",
          nn.Linear: "fully connected", nn.Flatten: "flatten", nn.Dropout: "dropout", nn.Dropout2d: "dropout",
          nn.Identity: "identity"}


@dataclass(frozen=True)
class LayerOutput:
    name: str            # "conv", "max-pool", ...
    layer: nn.Module
    output: torch.Tensor  # this layer's output for the digit, without the batch axis


@torch.no_grad()
def layer_outputs(model: nn.Module, image: torch.Tensor) -> list[LayerOutput]:
    """What each layer of `net` hands on for one digit (1, 1, H, W), in order."""
    model.eval()
    x = model.input(image)
    outputs = []
    for layer in _layers(model):
        x = layer(x)
        outputs.append(LayerOutput(_NAMES.get(type(layer), type(layer).__name__), layer, x[0].contiguous()))
    return outputs


@dataclass(frozen=True)
class Stage:
    title: str           # "conv 1: 32 maps of 24×24"
    maps: torch.Tensor   # (channels, H, W) for images, (units,) for a vector


def feature_stages(model: nn.Module, image: torch.Tensor) -> list[Stage]:
    """The steps a learner looks at: each convolution's maps (after its batch norm, if any),
    the maps after pooling and ReLU, then every hidden fully connected layer after its
    ReLU, then the output scores."""
    outputs, stages, convs, hidden = layer_outputs(model, image), [], 0, 0
    for i, out in enumerate(outputs):
        before = outputs[i - 1].layer if i else None
        after = outputs[i + 1].layer if i + 1 < len(outputs) else None
        if isinstance(out.layer, nn.Conv2d) and not isinstance(after, nn.BatchNorm2d) or \
                isinstance(out.layer, nn.BatchNorm2d) and isinstance(before, nn.Conv2d):
            convs += 1
            stages.append(Stage(f"conv {convs}: {_maps(out.output)}", out.output))
        elif isinstance(out.layer, nn.ReLU) and out.output.dim() == 3:
            steps = "max-pool + batch norm + ReLU" if isinstance(before, nn.BatchNorm2d) else "max-pool + ReLU"
            stages.append(Stage(f"{steps} {convs}: {_maps(out.output)}", out.output))
        elif isinstance(out.layer, nn.ReLU):
            hidden += 1
            stages.append(Stage(f"hidden layer {hidden}: {len(out.output)} units after ReLU", out.output))
    stages.append(Stage(f"output: {len(outputs[-1].output)} scores", outputs[-1].output))
    return stages


def _maps(maps: torch.Tensor) -> str:
    channels, height, width = maps.shape
    return f"{channels} map{'s' if channels != 1 else ''} of {height}×{width}"


def conv_filters(model: nn.Module) -> list[torch.Tensor]:
    """Every convolution's weights, (out, in, k, k) each, in NCHW order whatever the layout."""
    return [conv.weight.detach().contiguous().clone() for conv in _convs(model)]


# -- the network's shape ----------------------------------------------------------------
@dataclass(frozen=True)
class Block:
    """Layers that act as one step: a conv or fully connected layer and what follows it."""
    title: str                 # "conv 5×5, 32 filters → batch norm → max-pool → ReLU"
    shape: tuple[int, ...]     # its output for one image
    parameters: int


@torch.no_grad()
def blocks(model: nn.Module, side: int) -> list[Block]:
    """The network as a learner draws it, measured on a blank digit: the input, then one
    block per conv, flatten or fully connected layer with the layers after it."""
    found = [Block("input image", (1, side, side), 0)]
    for out in layer_outputs(model, torch.zeros(1, 1, side, side)):
        params = sum(p.numel() for p in out.layer.parameters())
        if isinstance(out.layer, (nn.Conv2d, nn.Linear, nn.Flatten)) or len(found) == 1:
            found.append(Block(_block_title(out.layer), tuple(out.output.shape), params))
        elif not isinstance(out.layer, (nn.Dropout, nn.Dropout2d, nn.Identity)):
            last = found[-1]
            found[-1] = Block(f"{last.title} → {out.name}", tuple(out.output.shape), last.parameters + params)
    return found


def _block_title(layer: nn.Module) -> str:
    if isinstance(layer, nn.Conv2d):
        k = layer.kernel_size[0]
        return f"conv {k}×{k}, {layer.out_channels} filters"
    if isinstance(layer, nn.Linear):
        return f"fully connected, {layer.out_features} units"
    return _NAMES.get(type(layer), type(layer).__name__)


# -- a 2-D map of the test set ----------------------------------------------------------
@dataclass(frozen=True)
class Embedding:
    coords: torch.Tensor       # (n, 2): the first two principal components
    indices: torch.Tensor      # (n,): which test digits, positions in the split
    labels: torch.Tensor       # (n,)
    predictions: torch.Tensor  # (n,)
    explained: tuple[float, float]  # share of the features' variance each axis holds
    features: int              # width of the layer that was mapped
    mean: torch.Tensor         # (features,): the mapped digits' mean, subtracted before projecting
    axes: torch.Tensor         # (2, features): the two directions, so other digits can be placed (place_on_map)


@torch.no_grad()
def penultimate_features(model: nn.Module, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The input of the last layer (what the output layer reads) and the logits, for a batch."""
    model.eval()
    seen: list[torch.Tensor] = []
    hook = _layers(model)[-1].register_forward_pre_hook(lambda _, args: seen.append(args[0]))
    try:
        logits = model(images)
    finally:
        hook.remove()
    return seen[0].reshape(len(images), -1), logits


def embedding(model: nn.Module, split: Split, count: int = 2_000, seed: int = 0) -> Embedding:
    """PCA to 2-D of the layer before the output for `count` test digits drawn with `seed`.
    Signs are fixed (each axis's largest loading positive), so a seed gives the same map."""
    generator = torch.Generator().manual_seed(seed)
    indices = torch.randperm(len(split), generator=generator)[:count]
    features, logits = penultimate_features(model, as_input(split.images[indices]))
    centred = features.double() - features.double().mean(dim=0)
    _, singular, axes = torch.linalg.svd(centred, full_matrices=False)
    axes = axes[:2]
    signs = torch.sign(axes.gather(1, axes.abs().argmax(dim=1, keepdim=True)))
    axes = axes * signs
    coords = (centred @ axes.T).float()
    share = singular.square() / singular.square().sum().clamp(min=1e-12)
    return Embedding(coords, indices, split.labels[indices], logits.argmax(dim=1), (float(share[0]), float(share[1])),
                     features.shape[1], features.double().mean(dim=0), axes)


def place_on_map(model: nn.Module, found: Embedding, image: torch.Tensor) -> tuple[float, float]:
    """Where a digit that is not on the map (a drawing) lands on it: same layer, same axes."""
    features, _ = penultimate_features(model, image)
    x, y = ((features[0].double() - found.mean) @ found.axes.T).tolist()
    return x, y
