"""Reference image features: HOG, hue histogram, extract_features (docs/courses.md §2.9)."""

import colorsys

import numpy as np
import pytest

from reference.features import (color_histogram_hsv, extract_features, hog_feature,
                                rgb2gray, rgb_to_hsv, uniform_filter)


def _random_image(seed, shape=(32, 32, 3)):
    return np.random.default_rng(seed).uniform(0, 255, size=shape)


def test_hog_is_144_dimensional_on_32x32():
    """§2.9: 4 x 4 cells of 8 x 8 pixels, 9 orientation bins -> 144 values
    (the notebook's 170 = 144 + 25 colour bins + 1 bias column)."""
    assert hog_feature(_random_image(0)).shape == (144,)
    assert hog_feature(_random_image(0)[..., 0]).shape == (144,)  # grey input


def test_hog_of_a_constant_image_is_zero():
    np.testing.assert_array_equal(hog_feature(np.full((32, 32, 3), 77.0)), np.zeros(144))


def test_hog_of_a_horizontal_ramp():
    """Independent math: image[r, c] = 3 c has gx = 3, gy = 0 except in the
    last column (forward differences give 0 there). The orientation
    arctan2(0, 3) + 90 = 90 degrees lies in bin 4 = [80, 100), so every cell
    holds 3 in bin 4, except the last column of cells, where one pixel column
    in 8 has no gradient: 3 * 7 / 8. The histogram is laid out [cell column,
    cell row, bin]."""
    image = 3.0 * np.tile(np.arange(32.0), (32, 1))
    hist = hog_feature(image).reshape(4, 4, 9)
    expected = np.zeros((4, 4, 9))
    expected[:3, :, 4] = 3.0
    expected[3, :, 4] = 3.0 * 7 / 8
    np.testing.assert_allclose(hist, expected, atol=1e-12)


def test_uniform_filter_is_a_mirrored_box_mean():
    """Brute force: the mean over the window at offsets -s//2 .. (s-1)//2 of the
    edge-mirrored image (d c b a | a b c d, scipy.ndimage's default 'reflect')."""
    image = np.random.default_rng(1).normal(size=(9, 11))
    for size in [(8, 8), (3, 5), (1, 2)]:
        padded = np.pad(image, [(s // 2, (s - 1) // 2) for s in size], mode="symmetric")
        expected = np.array([[padded[i:i + size[0], j:j + size[1]].mean()
                              for j in range(image.shape[1])] for i in range(image.shape[0])])
        np.testing.assert_allclose(uniform_filter(image, size), expected, atol=1e-12)


def test_rgb2gray_uses_the_course_weights():
    """The course helper weighs R, G, B by 0.299, 0.587, 0.144 (sic)."""
    np.testing.assert_allclose(rgb2gray(np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]])),
                               [[0.299, 0.587, 0.144]])


def test_rgb_to_hsv_matches_colorsys():
    """The standard library's colorsys is an independent HSV implementation."""
    pixels = np.random.default_rng(2).uniform(0, 1, size=(200, 3))
    pixels[:3] = [[0.5, 0.5, 0.5], [0.0, 0.0, 0.0], [1.0, 1.0, 0.0]]  # grey, black, a tie
    expected = np.array([colorsys.rgb_to_hsv(*p) for p in pixels])
    np.testing.assert_allclose(rgb_to_hsv(pixels), expected, atol=1e-12)
    assert rgb_to_hsv(pixels.reshape(10, 20, 3)).shape == (10, 20, 3)


@pytest.mark.parametrize("nbin", [10, 25])
def test_color_histogram_hsv_is_normalised(nbin):
    hist = color_histogram_hsv(_random_image(3), nbin=nbin)
    assert hist.shape == (nbin,)
    assert hist.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(hist >= 0)


def test_color_histogram_hsv_puts_primaries_in_their_hue_bins():
    """Hue of red = 0, green = 1/3, blue = 2/3, i.e. 0, 85 and 170 on the 0..255
    scale: bins 0, 3 and 6 of ten bins 25.5 wide."""
    for rgb, hue_bin in (([255, 0, 0], 0), ([0, 255, 0], 3), ([0, 0, 255], 6)):
        image = np.tile(np.array(rgb, dtype=float), (4, 4, 1))
        np.testing.assert_allclose(color_histogram_hsv(image), np.eye(10)[hue_bin], atol=1e-12)


def test_color_histogram_hsv_unnormalised_keeps_the_course_bin_width_factor():
    """Course behaviour kept on purpose: without normalisation the counts are
    multiplied by the bin width (255 / 10): 16 red pixels -> 16 * 25.5."""
    image = np.tile(np.array([255.0, 0.0, 0.0]), (4, 4, 1))
    hist = color_histogram_hsv(image, normalized=False)
    np.testing.assert_allclose(hist, np.eye(10)[0] * 16 * 25.5)


def test_extract_features_stacks_features_per_image(capsys):
    """§2.9: (N, F) with F the sum of the feature lengths, in feature_fns order;
    verbose prints 'Done extracting features for %d / %d images' every 1000."""
    imgs = np.stack([_random_image(seed, (32, 32, 3)) for seed in range(4)])
    feature_fns = [hog_feature, lambda im: color_histogram_hsv(im, nbin=25)]
    feats = extract_features(imgs, feature_fns)
    assert feats.shape == (4, 144 + 25)
    for i in range(4):
        np.testing.assert_array_equal(feats[i, :144], hog_feature(imgs[i]))
        np.testing.assert_array_equal(feats[i, 144:], color_histogram_hsv(imgs[i], nbin=25))

    many = np.zeros((1000, 2, 2, 3))
    extract_features(many, [lambda im: im.mean(axis=(0, 1))], verbose=True)
    assert capsys.readouterr().out == "Done extracting features for 1000 / 1000 images\n"
