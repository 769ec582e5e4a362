"""Bad input fails before any training with a message naming the argument and the value (ganzoo/validation.py).

One table: each case builds the bad input, the expected message fragments, and whether a
model must be left untrained (fit cases). Runs on every backend.
"""
import keras
import numpy as np
import pytest

import ganzoo
from ganzoo import validation
from ganzoo.registry import get_test_config
from ganzoo.validation import check_labels


def _dcgan():
    return ganzoo.get("dcgan", **get_test_config("dcgan"))  # 8x8x1 images


def _gan():
    return ganzoo.get("gan", **get_test_config("gan"))  # 2-D samples


def _built(name):
    return lambda: ganzoo.get(name, **get_test_config(name))


def _pair_fit(name, change):
    """Fit `name` on its own example (A, B) pair after `change(a, b)` spoils it."""
    def run():
        model = _built(name)()
        run.model = model
        a, b = change(*model.example_data(8))
        model.fit(a, b, batch_size=4, epochs=1, verbose=0)

    return run


def _images(n=8, size=8, channels=1):
    return np.random.default_rng(0).uniform(-1, 1, (n, size, size, channels)).astype("float32")


def _tf_dataset(x, batch=None):
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices(x)
    return ds.batch(batch) if batch else ds


def _empty_generator():
    return
    yield  # noqa: unreachable - makes this a generator


class _EmptyPyDataset(keras.utils.PyDataset):
    def __len__(self):
        return 0

    def __getitem__(self, i):
        raise IndexError(i)


def _fit(build, x, **kw):
    def run():
        model = build()
        run.model = model
        model.fit(x, batch_size=4, epochs=1, verbose=0, **kw)

    return run


def _keras_file(tmp_path, lambda_layer):
    inp = keras.Input((3,))
    out = keras.layers.Lambda(lambda t: t * 2)(inp) if lambda_layer else keras.layers.Dense(2)(inp)
    path = tmp_path / ("lambda.keras" if lambda_layer else "plain.keras")
    keras.Model(inp, out).save(path)
    return path


# (id, make the call (given tmp_path), fragments that the message must contain)
CASES = [
    ("unknown_model", lambda p: lambda: ganzoo.get("dcgna"),
     ["Did you mean: 'dcgan'", "Received: name='dcgna'"]),
    ("image_shape_not_power_of_two", lambda p: lambda: ganzoo.get("dcgan", image_shape=(30, 30, 3)),
     ["power of two", "Received: image_shape=(30, 30, 3)"]),
    ("no_data", lambda p: _fit(_dcgan, None), ["Received: x=None"]),
    ("wrong_rank_unbatched_array", lambda p: _fit(_dcgan, _images()[0]),
     ["rank 4", "unbatched", "Received: x.shape=(8, 8, 1)"]),
    ("wrong_rank", lambda p: _fit(_dcgan, _images().reshape(8, 64)), ["rank 4", "Received: x.shape=(8, 64)"]),
    ("wrong_channels", lambda p: _fit(_dcgan, _images(channels=3)),
     ["has 3 channels but the model expects 1", "Received: x with shape (8, 8, 8, 3)"]),
    ("wrong_image_size", lambda p: _fit(_dcgan, _images(size=16)),
     ["has 16 height but the model expects 8", "Received: x with shape (8, 16, 16, 1)"]),
    ("vector_nan", lambda p: _fit(_gan, np.full((8, 2), np.inf, "float32")),
     ["NaN or Inf", "Received: x with non-finite entries"]),
    ("wrong_vector_size", lambda p: _fit(_gan, np.zeros((8, 3), "float32")),
     ["samples of shape (2,)", "Received: x.shape=(8, 3)"]),
    ("uint8_images", lambda p: _fit(_dcgan, ((_images() + 1) * 127.5).astype("uint8")),
     ["integer dtype", "scale_images(x)", "Received: x with dtype=uint8"]),
    ("float_images_0_255", lambda p: _fit(_dcgan, (_images() + 1) * 127.5),
     ["must have values in [-1, 1]", "scale_images", "Received: x with min=0"]),
    ("nan_in_data", lambda p: _fit(_dcgan, np.where(_images() > 0.9, np.nan, _images()).astype("float32")),
     ["NaN or infinite", "Received: x with min=nan"]),
    ("empty_array", lambda p: _fit(_dcgan, _images()[:0]), ["empty", "Received:", "(0, 8, 8, 1)"]),
    ("empty_tf_dataset", lambda p: _fit(_dcgan, _tf_dataset(_images()[:0], batch=4)),
     ["empty", "Received: x (a tf.data.Dataset) that yields no batch"]),
    ("unbatched_tf_dataset", lambda p: _fit(_dcgan, _tf_dataset(_images())),
     ["unbatched", "ds.batch", "Received: x.shape=(8, 8, 1)"]),
    ("uint8_tf_dataset", lambda p: _fit(_dcgan, _tf_dataset(((_images() + 1) * 127.5).astype("uint8"), 4)),
     ["scale_images", "Received: x with dtype=uint8"]),
    ("empty_generator", lambda p: _fit(_dcgan, _empty_generator()),
     ["empty", "Received: x (a generator) that yields no batch"]),
    ("empty_py_dataset", lambda p: _fit(_dcgan, _EmptyPyDataset()), ["empty", "Received: x=_EmptyPyDataset with len(x)=0"]),
    ("pairs_of_different_shapes",
     lambda p: lambda: validation.check_pair(np.zeros((4, 8, 8, 3)), np.zeros((4, 16, 16, 3))),
     ["same shape", "Received: A.shape=(4, 8, 8, 3), B.shape=(4, 16, 16, 3)"]),
    ("pix2pix_b_of_another_size", lambda p: _pair_fit("pix2pix", lambda a, b: (a, np.zeros((8, 32, 32, 3), "float32"))),
     ["Pix2Pix expects B images of shape (batch,) + (16, 16, 3)", "Received: B batch of shape (8, 32, 32, 3)"]),
    ("pix2pix_uint8_a", lambda p: _pair_fit("pix2pix", lambda a, b: (((a + 1) * 127.5).astype("uint8"), b)),
     ["scale_images(A)", "Received: A with dtype=uint8"]),
    ("cyclegan_b_in_0_255", lambda p: _pair_fit("cyclegan", lambda a, b: (a, (b + 1) * 127.5)),
     ["values in [-1, 1]", "Received: B with min=0"]),
    ("cyclegan_unequal_batches", lambda p: lambda: _built("cyclegan")().validate_batch(
        (np.zeros((4, 16, 16, 3), "float32"), np.zeros((3, 16, 16, 3), "float32"))),
     ["as many B images as A images", "Received: A.shape=(4, 16, 16, 3), B.shape=(3, 16, 16, 3)"]),
    ("srgan_hr_not_scale_times_lr", lambda p: _pair_fit("srgan", lambda lr, hr: (lr, np.zeros((8, 32, 32, 3), "float32"))),
     ["`hr` has 32 height but the model expects 16", "Received: hr with shape (8, 32, 32, 3)"]),
    ("srgan_lr_wrong_channels", lambda p: _pair_fit("srgan", lambda lr, hr: (lr[..., :1], hr)),
     ["`lr` has 1 channels but the model expects 3", "Received: lr with shape (8, 8, 8, 1)"]),
    ("cgan_fit_label_out_of_range", lambda p: _pair_fit("cgan", lambda x, y: (x, np.full_like(y, 3))),
     ["labels in [0, 2] (num_classes=3)", "Received: a label y=3"]),
    ("cgan_fit_without_labels", lambda p: _fit(_built("cgan"), np.zeros((8, 8, 8, 1), "float32")),
     ["(images, labels) pairs", "Received: a batch of type ndarray"]),
    ("labels_out_of_range", lambda p: lambda: validation.check_labels(np.array([0, 3, 10]), 10),
     ["labels in [0, 9]", "Received: a label y=10"]),
    ("negative_label", lambda p: lambda: validation.check_labels(np.array([0, -1]), 10),
     ["Received: a label y=-1"]),
    ("fractional_labels", lambda p: lambda: validation.check_labels(np.array([0.5, 1.0]), 10),
     ["integer class labels", "Received: y.dtype=float64"]),
    ("keras_file_not_ganzoo", lambda p: lambda: ganzoo.load_model(_keras_file(p, lambda_layer=False)),
     ["not a ganzoo model", "keras.src.models.functional.Functional", "Received: path="]),
    ("keras_file_with_lambda", lambda p: lambda: ganzoo.load_model(_keras_file(p, lambda_layer=True)),
     ["Refusing to load", "Lambda", "Received: path="]),
    ("not_a_keras_file", lambda p: lambda: ganzoo.load_model(p / "model.h5"), ["`.keras` file", "Received: path="]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_a_clear_message(case, tmp_path):
    _, make, fragments = case
    call = make(tmp_path)
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert "Received" in message  # the project's rule: say what was received
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    model = getattr(call, "model", None)
    if model is not None:  # refused before any training step
        for opt in model.optimizer_networks:
            assert int(keras.ops.convert_to_numpy(getattr(model, opt).iterations)) == 0


def test_generator_first_batch_is_not_lost():
    model = _dcgan()
    batches = [_images(4), _images(4)]
    model.fit(((b,) for b in batches), epochs=1, steps_per_epoch=2, verbose=0)  # Keras wants tuples
    # Both batches trained: the batch looked at by the check was put back.
    assert int(keras.ops.convert_to_numpy(model.d_optimizer.iterations)) == 2


def test_good_inputs_pass():
    model = _dcgan()
    model.fit(_tf_dataset(_images(), batch=4), epochs=1, verbose=0)
    model.fit(_images(), batch_size=4, epochs=1, verbose=0)
    assert int(keras.ops.convert_to_numpy(model.d_optimizer.iterations)) == 4


def test_check_inputs_can_be_turned_off():
    model = _dcgan()
    model.check_inputs = False
    model.fit((_images() + 1) * 127.5, batch_size=4, epochs=1, verbose=0)  # trains, unchecked
    assert int(keras.ops.convert_to_numpy(model.d_optimizer.iterations)) == 2


@pytest.mark.parametrize(
    "labels, match",
    [
        (np.array([0, 1, 3]), r"\[0, 2\].*Received: a label labels=3"),
        (np.array([0, -1, 2]), r"\[0, 2\].*Received: a label labels=-1"),
        (np.array([0.0, 1.0, 2.0]), r"integer class labels.*Received: labels.dtype=float64"),
        (np.array([True, False, True]), r"integer class labels.*Received: labels.dtype=bool"),
        (np.eye(3, dtype="int32"), r"one class index per sample.*Received: labels.shape=\(3, 3\)"),
        (np.array([0, 1]), r"one label per sample: expected 3.*Received: labels.shape=\(2,\)"),
    ],
)
def test_check_labels_rejects(labels, match):
    with pytest.raises(ValueError, match=match):
        check_labels(labels, 3, name="labels", num_samples=3)


def test_check_labels_accepts_column_and_int64():
    out = check_labels(np.array([[0], [2], [1]], dtype="int64"), 3)
    assert out.dtype == np.int32 and out.tolist() == [0, 2, 1]
