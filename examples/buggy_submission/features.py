"""Image features: HOG and hue histogram (CS231n assignment 1, course-provided).

Images are (H, W, 3) RGB arrays with values in 0..255, or (H, W) grey images
for ``hog_feature``. Pure numpy: the small RGB->HSV conversion and the box
(uniform) filter the course takes from matplotlib and scipy are written here.
"""

import numpy as np


def extract_features(imgs, feature_fns, verbose=False):
    """Apply every feature function to every image and stack the results.

    Inputs:
    - imgs: (N, H, W, C) images (or any (N, ...) array; each imgs[i] is squeezed
      before it is passed on).
    - feature_fns: list of k functions, each mapping one image to a 1-D array
      of length F_j (the length must not depend on the image).
    - verbose: (bool) print progress every 1000 images.

    Returns:
    - (N, F) array, F = F_1 + ... + F_k; row i is the concatenation of the
      feature vectors of image i in the order of feature_fns.
    """
    num_images = imgs.shape[0]
    if num_images == 0:
        return np.array([])

    # The first image fixes the dimension of each feature.
    feature_dims = []
    first_image_features = []
    for feature_fn in feature_fns:
        feats = feature_fn(imgs[0].squeeze())
        assert len(feats.shape) == 1, "Feature functions must be one-dimensional"
        feature_dims.append(feats.size)
        first_image_features.append(feats)

    imgs_features = np.zeros((num_images, sum(feature_dims)))
    imgs_features[0] = np.hstack(first_image_features)

    for i in range(1, num_images):
        idx = 0
        for feature_fn, feature_dim in zip(feature_fns, feature_dims):
            next_idx = idx + feature_dim
            imgs_features[i, idx:next_idx] = feature_fn(imgs[i].squeeze())
            idx = next_idx
        if verbose and i % 1000 == 999:
            print("Done extracting features for %d / %d images" % (i + 1, num_images))

    return imgs_features


def rgb2gray(rgb):
    """Convert an RGB image to grey scale.

    Inputs:
    - rgb: (H, W, 3) or (H, W, 4) image (channels after the third are ignored).

    Returns:
    - (H, W) grey image, 0.299 R + 0.587 G + 0.144 B. The blue weight 0.144
      is the course's (ITU-R BT.601 says 0.114); it is kept so that features
      match the ones students compute with the course's own helper.
    """
    return np.dot(rgb[..., :3], [0.299, 0.587, 0.144])


def uniform_filter(image, size):
    """Box filter: the mean over a size[0] x size[1] window around each pixel.

    Same result as scipy.ndimage.uniform_filter(image, size) with its default
    mode 'reflect' (edges mirrored, edge pixel repeated: d c b a | a b c d)
    and origin 0: for an even size s the window covers offsets -s//2 .. s//2 - 1.

    Inputs:
    - image: (H, W) array.
    - size: (s0, s1) window size in pixels.

    Returns:
    - (H, W) float array of window means.
    """
    out = np.asarray(image, dtype=np.float64)
    for axis, s in enumerate(size):
        before, after = s // 2, (s - 1) // 2
        pad = [(0, 0), (0, 0)]
        pad[axis] = (before, after)
        padded = np.pad(out, pad, mode="symmetric")
        # Window sums from a cumulative sum along this axis.
        csum = np.cumsum(padded, axis=axis)
        zero_shape = list(csum.shape)
        zero_shape[axis] = 1
        csum = np.concatenate([np.zeros(zero_shape), csum], axis=axis)
        n = out.shape[axis]
        upper = np.take(csum, np.arange(s, s + n), axis=axis)
        lower = np.take(csum, np.arange(0, n), axis=axis)
        out = (upper - lower) / s
    return out


def hog_feature(im):
    """Histogram of oriented gradients, as in the CS231n helper.

    Gradients are forward differences (the last column of gx and the last row
    of gy are 0). The orientation, arctan2(gy, gx) in degrees shifted by +90,
    lies in [0, 180]; 9 bins of 20 degrees each, [20 i, 20 (i + 1)), collect
    the gradient magnitude. As in the course code, pixels whose orientation is
    exactly 0 or 180 fall in no bin. Each cell of 8 x 8 pixels holds the mean
    magnitude per bin over the cell.

    Inputs:
    - im: (H, W, 3) RGB image (converted with rgb2gray) or (H, W) grey image.

    Returns:
    - 1-D array of length (H // 8) * (W // 8) * 9, e.g. 144 for 32 x 32.
      It ravels an array hist[cx, cy, bin] where cx indexes cell COLUMNS and cy
      cell rows (the course's layout, a transpose of the image layout).
    """
    if im.ndim == 3:
        image = rgb2gray(im)
    else:
        image = np.atleast_2d(im)

    sx, sy = image.shape  # image size
    orientations = 9  # number of gradient bins
    cx, cy = (8, 8)  # pixels per cell

    gx = np.zeros(image.shape)
    gy = np.zeros(image.shape)
    gx[:, :-1] = np.diff(image, n=1, axis=1)  # gradient along x (columns)
    gy[:-1, :] = np.diff(image, n=1, axis=0)  # gradient along y (rows)
    grad_mag = np.sqrt(gx ** 2 + gy ** 2)
    grad_ori = np.arctan2(gy, (gx + 1e-15)) * (180 / np.pi) + 90

    n_cellsx = int(np.floor(sx / cx))
    n_cellsy = int(np.floor(sy / cy))
    orientation_histogram = np.zeros((n_cellsx, n_cellsy, orientations))
    for i in range(orientations):
        # Keep the orientations in bin i, then their magnitudes.
        temp_ori = np.where(grad_ori < 180 / orientations * (i + 1), grad_ori, 0)
        temp_ori = np.where(grad_ori >= 180 / orientations * i, temp_ori, 0)
        temp_mag = np.where(temp_ori > 0, grad_mag, 0)
        orientation_histogram[:, :, i] = uniform_filter(temp_mag, size=(cx, cy))[
            round(cx / 2)::cx, round(cy / 2)::cy
        ].T

    return orientation_histogram.ravel()


def rgb_to_hsv(rgb):
    """Convert RGB values in [0, 1] to HSV in [0, 1] (as matplotlib.colors.rgb_to_hsv).

    Inputs:
    - rgb: (..., 3) float array with values in [0, 1].

    Returns:
    - (..., 3) array of hue, saturation, value, each in [0, 1]; hue is 0 for
      grey pixels (max == min).
    """
    arr = np.asarray(rgb, dtype=np.float64)
    if arr.shape[-1] != 3:
        raise ValueError("rgb_to_hsv: last dimension must have size 3, got shape %s"
                         % (arr.shape,))
    if arr.size and (arr.min() < 0 or arr.max() > 1):
        raise ValueError("rgb_to_hsv: values must lie in [0, 1], got range [%g, %g]"
                         % (arr.min(), arr.max()))
    r, g, b = arr[..., 0], arr[..., 1], arr[..., 2]
    v = arr.max(axis=-1)
    delta = v - arr.min(axis=-1)
    s = np.where(v > 0, delta / np.where(v > 0, v, 1), 0.0)

    safe = np.where(delta > 0, delta, 1)
    h = np.zeros_like(v)
    # Later assignments win ties, as in matplotlib (the hue is the same either way).
    h = np.where(r == v, (g - b) / safe, h)
    h = np.where(g == v, 2.0 + (b - r) / safe, h)
    h = np.where(b == v, 4.0 + (r - g) / safe, h)
    h = np.where(delta > 0, h, 0.0)
    h = (h / 6.0) % 1.0
    return np.stack([h, s, v], axis=-1)


def color_histogram_hsv(im, nbin=10, xmin=0, xmax=255, normalized=True):
    """Histogram of the hue of an image, as in the CS231n helper.

    The image is scaled by 1 / xmax, converted to HSV and scaled back by xmax;
    the hue channel is then histogrammed into nbin equal bins over [xmin, xmax].

    Inputs:
    - im: (H, W, 3) RGB image with values in [0, xmax].
    - nbin: number of bins.
    - xmin, xmax: range of the bins (and xmax the pixel scale).
    - normalized: if True, return the fraction of pixels per bin (sums to 1).
      If False, return the pixel count per bin MULTIPLIED BY THE BIN WIDTH
      (xmax - xmin) / nbin: the course code multiplies by np.diff(bin_edges)
      in both cases, and this reference keeps that behaviour.

    Returns:
    - (nbin,) float array.
    """
    bins = np.linspace(xmin, xmax, nbin + 1)
    hsv = rgb_to_hsv(im / xmax) * xmax
    imhist, bin_edges = np.histogram(hsv[:, :, 0], bins=bins, density=normalized)
    return imhist * np.diff(bin_edges)
