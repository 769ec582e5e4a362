"""Karras et al.'s layers (ganzoo/layers.py): equalised learning rate, pixel norm, minibatch stddev.

Each is checked against a numpy transcription of the paper's formula, through a `.keras`
round trip, and for the errors its bad arguments raise.
"""
import keras
import numpy as np
import pytest

from ganzoo.layers import EqualizedConv2D, EqualizedDense, MinibatchStdDev, PixelNormalization
from tests.harness import numpy


def _rng():
    return np.random.default_rng(0)


# ------------------------------------------------------------------ equalised learning rate
@pytest.mark.parametrize("gain, lr_multiplier", [(2.0, 1.0), (1.0, 0.01)])
def test_equalized_dense_scales_unit_normal_weights_at_run_time(gain, lr_multiplier):
    keras.utils.set_random_seed(1)
    layer = EqualizedDense(64, gain=gain, lr_multiplier=lr_multiplier, bias_init=0.5)
    x = _rng().normal(size=(3, 128)).astype("float32")
    y = numpy(layer(x))
    kernel, bias = numpy(layer.kernel), numpy(layer.bias)
    # Stored weights are N(0, 1/lr_multiplier^2): 8192 draws, std known to about 1%.
    assert abs(kernel.std() * lr_multiplier - 1.0) < 0.05, kernel.std()
    np.testing.assert_array_equal(bias, np.full(64, 0.5, "float32"))
    expected = x @ (kernel * np.sqrt(gain / 128) * lr_multiplier) + bias * lr_multiplier
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)
    # The effective weights have He's standard deviation sqrt(gain / fan_in).
    assert abs((kernel * np.sqrt(gain / 128) * lr_multiplier).std() / np.sqrt(gain / 128) - 1) < 0.05


def _conv_reference(x, kernel, bias, padding):
    # Direct cross-correlation (what every Keras backend's conv computes), stride 1.
    kh, kw = kernel.shape[:2]
    if padding == "same":
        x = np.pad(x, [(0, 0), ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2), (0, 0)])
    b, h, w, _ = x.shape
    out = np.zeros((b, h - kh + 1, w - kw + 1, kernel.shape[-1]), "float64")
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            out[:, i, j] = np.einsum("bhwc,hwcf->bf", x[:, i:i + kh, j:j + kw], kernel)
    return out + bias


@pytest.mark.parametrize("kernel_size, padding", [(3, "same"), (4, "valid"), (1, "same")])
def test_equalized_conv_matches_the_scaled_convolution(kernel_size, padding):
    keras.utils.set_random_seed(2)
    layer = EqualizedConv2D(5, kernel_size, padding=padding, activation="leaky_relu")
    x = _rng().normal(size=(2, 6, 6, 3)).astype("float32")
    y = numpy(layer(x))
    kernel = numpy(layer.kernel)
    scale = np.sqrt(2.0 / (kernel_size * kernel_size * 3))
    ref = _conv_reference(x, kernel * scale, numpy(layer.bias), padding)
    ref = np.where(ref > 0, ref, 0.2 * ref)  # keras' leaky_relu: negative slope 0.2
    assert y.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)


# ------------------------------------------------------------------------- pixel norm
def test_pixel_normalization_gives_unit_mean_square_per_pixel():
    x = _rng().normal(size=(2, 3, 3, 8)).astype("float32") * 5.0
    y = numpy(PixelNormalization()(x))
    np.testing.assert_allclose(y, x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-8), rtol=1e-5)
    np.testing.assert_allclose((y ** 2).mean(-1), 1.0, rtol=1e-4)
    z = _rng().normal(size=(4, 16)).astype("float32")  # a latent vector too (StyleGAN2)
    np.testing.assert_allclose(numpy(PixelNormalization()(z)) * np.sqrt((z ** 2).mean(-1, keepdims=True) + 1e-8),
                               z, rtol=1e-5)


# -------------------------------------------------------------------- minibatch stddev
def _mbstd_reference(x, group_size, num_features):
    n, h, w, c = x.shape
    g = max(d for d in range(1, min(group_size, n) + 1) if n % d == 0)
    m = n // g
    out = np.zeros((n, h, w, num_features), "float64")
    for group in range(m):
        members = x[group::m]                               # samples n with n mod m == group
        std = np.sqrt(members.var(axis=0) + 1e-8)           # (h, w, c), population variance
        per_feature = std.reshape(h, w, num_features, c // num_features).mean(axis=(0, 1, 3))
        out[group::m] = per_feature
    return np.concatenate([x, out], axis=-1)


@pytest.mark.parametrize("batch, group_size, num_features", [(8, 4, 1), (8, 2, 2), (6, 4, 1), (3, 4, 1)])
def test_minibatch_stddev_matches_the_reference_formula(batch, group_size, num_features):
    x = _rng().normal(size=(batch, 4, 4, 6)).astype("float32")
    layer = MinibatchStdDev(group_size, num_features)
    y = numpy(layer(x))
    assert y.shape == (batch, 4, 4, 6 + num_features) == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(y, _mbstd_reference(x, group_size, num_features), rtol=1e-5, atol=1e-6)


def test_minibatch_stddev_is_zero_for_identical_samples_and_grows_with_spread():
    x = np.ones((4, 2, 2, 3), "float32")
    y = numpy(MinibatchStdDev(4)(x))
    np.testing.assert_allclose(y[..., -1], 1e-4, rtol=1e-3)  # sqrt(0 + 1e-8)
    spread = x * np.arange(4, dtype="float32").reshape(4, 1, 1, 1)
    np.testing.assert_allclose(numpy(MinibatchStdDev(4)(spread))[..., -1], np.std([0, 1, 2, 3]), rtol=1e-5)


def test_minibatch_stddev_runs_inside_a_compiled_model_with_a_partial_batch():
    inp = keras.Input((4, 4, 2))
    model = keras.Model(inp, MinibatchStdDev(4)(inp))
    x = _rng().normal(size=(6, 4, 4, 2)).astype("float32")
    # predict in batches of 4: a full batch then a batch of 2 (group size 2 there).
    got = model.predict(x, batch_size=4, verbose=0)
    np.testing.assert_allclose(got[:4], _mbstd_reference(x[:4], 4, 1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[4:], _mbstd_reference(x[4:], 4, 1), rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- saving
def test_karras_layers_round_trip_through_a_keras_file(tmp_path):
    keras.utils.set_random_seed(3)
    inp = keras.Input((4, 4, 3))
    x = EqualizedConv2D(8, 3, gain=1.0, lr_multiplier=0.5, bias_init=0.1, activation="leaky_relu")(inp)
    x = PixelNormalization(epsilon=1e-6)(x)
    x = MinibatchStdDev(2, num_features=2)(x)
    x = keras.layers.Flatten()(x)
    out = EqualizedDense(3, lr_multiplier=0.01, use_bias=False)(x)
    model = keras.Model(inp, out)
    data = _rng().normal(size=(4, 4, 4, 3)).astype("float32")
    path = tmp_path / "karras.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in model.layers]
    for a, b in zip(model.layers[1:], loaded.layers[1:]):
        assert a.get_config() == b.get_config()
    np.testing.assert_allclose(numpy(model(data)), numpy(loaded(data)), rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("make, match", [
    (lambda: EqualizedDense(0), "units=0"),
    (lambda: EqualizedDense(4, gain=0), "gain=0"),
    (lambda: EqualizedDense(4, lr_multiplier=-1.0), "lr_multiplier=-1.0"),
    (lambda: EqualizedDense(4, use_bias=1), "use_bias=1"),
    (lambda: EqualizedDense(4, activation="relux"), "activation='relux'"),
    (lambda: EqualizedConv2D(True), "filters=True"),
    (lambda: EqualizedConv2D(4, kernel_size=(3, 3, 3)), "kernel_size=(3, 3, 3)"),
    (lambda: EqualizedConv2D(4, padding="full"), "padding='full'"),
    (lambda: EqualizedConv2D(4, bias_init=float("nan")), "bias_init=nan"),
    (lambda: PixelNormalization(epsilon=0), "epsilon=0"),
    (lambda: MinibatchStdDev(0), "group_size=0"),
    (lambda: MinibatchStdDev(4, num_features=2.0), "num_features=2.0"),
])
def test_bad_arguments_are_refused_naming_the_value(make, match):
    with pytest.raises(ValueError, match="Received: " + match.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_minibatch_stddev_refuses_channels_its_features_do_not_divide():
    with pytest.raises(ValueError, match="Received: channels=5"):
        MinibatchStdDev(4, num_features=2)(np.zeros((4, 2, 2, 5), "float32"))
