import numpy as np
import torch

from core.data.loading import Split
from core.viz.pictures import (
    NEGATIVE,
    POSITIVE,
    RIGHT,
    WRONG,
    ZERO,
    average_digits,
    diverging,
    edge_map,
    enlarge,
    mosaic,
    prediction_tiles,
    qr_png,
    sample_grid,
)


def test_enlarge_keeps_pixels_crisp():
    image = torch.tensor([[0, 255], [255, 0]], dtype=torch.uint8)
    big = enlarge(image, 3)
    assert big.shape == (6, 6) and big[0, 0] == 0 and big[0, 3] == 255 and big[2, 2] == 0


def test_sample_grid_is_seeded():
    split = Split(torch.arange(50, dtype=torch.uint8).view(50, 1, 1).expand(50, 28, 28), torch.arange(50) % 10)
    images, labels = sample_grid(split.images, split.labels, count=6, seed=4)
    again, labels_again = sample_grid(split.images.numpy(), split.labels.numpy(), count=6, seed=4)
    assert len(images) == 6 and labels == labels_again
    assert all((a == b).all() for a, b in zip(images, again))
    assert images[0].shape == (84, 84)


def test_prediction_tiles_are_framed_by_correctness():
    images = torch.full((2, 28, 28), 128, dtype=torch.uint8)
    right, wrong = prediction_tiles(images, torch.tensor([3, 5]), torch.tensor([3, 4]))
    assert right.shape == (90, 90, 3)
    assert tuple(right[0, 0]) == RIGHT and tuple(wrong[0, 0]) == WRONG
    assert tuple(right[45, 45]) == (128, 128, 128)


def test_evaluation_tiles_caption_each_answer():
    from core.models.evaluation import Evaluation
    from core.viz.pictures import evaluation_tiles
    images = torch.zeros(3, 28, 28, dtype=torch.uint8)
    evaluation = Evaluation(0.0, 2 / 3, torch.tensor([1, 5, 2]), torch.ones(3), torch.tensor([1, 4, 2]))
    tiles, captions = evaluation_tiles(images, evaluation, [1, 2])
    assert captions == ["says 5, is 4", "says 2, is 2"]
    assert tuple(tiles[0][0, 0]) == WRONG and tuple(tiles[1][0, 0]) == RIGHT


def test_diverging_colours_zero_white_and_signs_apart():
    rgb = diverging(np.array([[-2.0, 0.0, 2.0, 1.0]]))
    assert rgb.dtype == np.uint8 and rgb.shape == (1, 4, 3)
    assert rgb[0, 0].tolist() == NEGATIVE.tolist() and rgb[0, 1].tolist() == ZERO.tolist()
    assert rgb[0, 2].tolist() == POSITIVE.tolist()
    assert diverging(np.array([[1.0]]), scale=4.0)[0, 0].tolist() != POSITIVE.tolist()  # a shared scale dims it


def test_a_mosaic_lays_pictures_out_with_gaps():
    pictures = np.arange(5 * 2 * 3, dtype=np.float32).reshape(5, 2, 3)
    out = mosaic(pictures, columns=2)
    assert out.shape == (3 * 2 + 2, 2 * 3 + 1)
    assert (out[3:5, 4:7] == pictures[3]).all() and np.isnan(out[2]).all() and np.isnan(out[6:, 4:]).all()


def test_the_qr_code_is_the_join_links_modules_a_whole_number_of_pixels_each():
    import io

    import segno
    from PIL import Image
    link = "http://school.example.org:8501/?join=ABCDEF"
    picture = np.asarray(Image.open(io.BytesIO(qr_png(link, scale=4))).convert("L"))
    modules = np.array(segno.make(link, error="m", micro=False).matrix, dtype=bool)
    side = modules.shape[0] + 4  # a quiet border of 2 modules each side
    assert picture.shape == (side * 4, side * 4)
    dark = picture[::4, ::4][2:-2, 2:-2] < 128
    assert (dark == modules).all() and not (picture[:8] < 128).any()


def test_the_average_digits_are_each_digits_mean_image():
    images = torch.zeros(4, 28, 28, dtype=torch.uint8)
    images[0, 5, 5], images[1, 5, 5] = 200, 100  # two 3s
    split = Split(images, torch.tensor([3, 3, 7, 1]))
    averages = average_digits(split, factor=1)
    assert len(averages) == 10 and averages[3][5, 5] == 150 and averages[7].max() == 0
    assert averages[0].shape == (28, 28)  # no 0 in the split: an empty picture, not an error
    assert average_digits(split, factor=2)[3].shape == (56, 56)


def test_the_edge_filter_is_red_where_ink_begins_and_blue_where_it_ends():
    image = torch.zeros(28, 28, dtype=torch.uint8)
    image[:, 10:14] = 255  # a vertical stroke
    picture = edge_map(image, factor=1)
    assert picture.shape == (28, 28, 3)
    assert tuple(picture[14, 9]) == tuple(POSITIVE) and tuple(picture[14, 14]) == tuple(NEGATIVE)
    assert tuple(picture[14, 2]) == tuple(ZERO)
