"""Quanvolution: one simulator call equals the filter run patch by patch; it separates bars from stripes."""

import math
import pickle

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from qnn.models.quanvolution import ExpvalQuanvolutionalClassifier, Quanvolution, image_shape_of, quanvolutional_net


def test_batched_filter_equals_patch_by_patch(generator):
    layer = Quanvolution(kernel_size=2, generator=generator).double()
    images = torch.rand(2, 1, 4, 6, dtype=torch.float64, generator=generator)
    out = layer(images)
    assert out.shape == (2, 4, 2, 3)
    for b in range(2):
        for r in range(2):
            for c in range(3):
                patch = images[b, 0, 2 * r : 2 * r + 2, 2 * c : 2 * c + 2].reshape(4)
                torch.testing.assert_close(out[b, :, r, c], layer.quantum(math.pi * patch))


def test_fixed_or_trainable_filter(generator):
    fixed = quanvolutional_net((4, 4), 2, generator=generator)
    trainable = quanvolutional_net((4, 4), 2, trainable=True, generator=generator)
    assert not fixed[1].quantum.weights.requires_grad
    assert trainable[1].quantum.weights.requires_grad
    assert fixed(torch.rand(3, 16)).shape == (3, 2)


def test_bad_images_are_an_error(generator):
    with pytest.raises(ValueError, match=r"\(batch, 1, H, W\)"):
        Quanvolution(generator=generator)(torch.rand(2, 4, 4))
    with pytest.raises(ValueError, match="image_shape is required"):
        image_shape_of(10, None)
    with pytest.raises(ValueError, match="holds 12 pixels"):
        image_shape_of(16, (3, 4))
    assert image_shape_of(16, None) == (4, 4) and image_shape_of(12, (3, 4)) == (3, 4)


def bars_and_stripes(n, rng):
    images, labels = [], []
    for _ in range(n):
        label = rng.integers(2)
        lines = rng.choice(4, size=rng.integers(1, 4), replace=False)
        image = np.zeros((4, 4))
        if label:
            image[:, lines] = 1.0
        else:
            image[lines, :] = 1.0
        images.append(image.ravel() + 0.1 * rng.standard_normal(16))
        labels.append(label)
    return np.array(images), np.array(labels)


def test_separates_bars_from_stripes(rng):
    X_train, y_train = bars_and_stripes(200, rng)
    X_test, y_test = bars_and_stripes(100, rng)
    clf = ExpvalQuanvolutionalClassifier(learning_rate=0.05, random_state=0).fit(X_train, y_train)
    accuracy = clf.score(X_test, y_test)
    # A linear model on the raw pixels cannot tell bars from stripes; the quantum filter's features can.
    linear = LogisticRegression().fit(X_train, y_train).score(X_test, y_test)
    assert accuracy > 0.85 and accuracy > linear + 0.15
    assert clf.n_circuit_executions_ == len(clf.loss_curve_) * 32 * 4  # four 2×2 patches per image
    assert clf.n_qubits_ == 4
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict(X_test), clf.predict(X_test))


def test_kernel_larger_than_the_image_is_an_error(rng):
    with pytest.raises(ValueError, match="kernel_size 3 is larger"):
        ExpvalQuanvolutionalClassifier(image_shape=(2, 2), kernel_size=3).fit(rng.random((4, 4)), [0, 1, 0, 1])
