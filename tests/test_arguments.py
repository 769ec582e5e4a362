"""ganzoo/arguments.py, and the one rule it gives every builder, loader, callback and metric.

The checks themselves need no model; the builder cases fail before any network is built,
and the `fit` cases before any data is read, so the whole file runs in a few seconds.
"""
import math

import numpy as np
import pytest

import ganzoo
from ganzoo import arguments
from tests.harness import shared_model


# ----------------------------------------------------------------------- the module
def test_positive_int_rule():
    assert arguments.positive_int("n", 3) == 3
    value = arguments.positive_int("n", np.int64(3))
    assert value == 3 and type(value) is int
    assert arguments.positive_int("n", 0, allow_zero=True) == 0
    assert arguments.positive_int("n", None, allow_none=True) is None
    for bad in (True, False, 0, -1, 2.0, "3", None, np.bool_(True)):
        with pytest.raises(ValueError, match=r"^`n` must be a positive integer\. Received: n="):
            arguments.positive_int("n", bad)
    with pytest.raises(ValueError, match=r"a non-negative integer or None\. Received: n=-1$"):
        arguments.positive_int("n", -1, allow_zero=True, allow_none=True)


def test_message_names_the_argument_and_the_value():
    with pytest.raises(ValueError) as info:
        arguments.positive_int("latent_dim", True)
    assert str(info.value) == "`latent_dim` must be a positive integer. Received: latent_dim=True"


def test_int_in_range():
    assert arguments.int_in_range("depth", 8, 2, 8) == 8
    assert arguments.int_in_range("image_size", 4096, 8) == 4096
    for bad in (1, 9, True, 4.0):
        with pytest.raises(ValueError, match=r"`depth` must be an integer in \[2, 8\]\. Received: depth="):
            arguments.int_in_range("depth", bad, 2, 8)


def test_floats():
    assert arguments.positive_float("lr", 1) == 1.0
    assert arguments.positive_float("w", 0, allow_zero=True) == 0.0
    for bad in (0, -1e-3, True, math.nan, math.inf, "1e-3"):
        with pytest.raises(ValueError, match=r"`lr` must be a positive number\. Received: lr="):
            arguments.positive_float("lr", bad)
    assert arguments.float_in_range("beta_1", 0.0, 0.0, 1.0, high_inclusive=False) == 0.0
    for bad in (1.0, -0.1, math.nan, False):
        with pytest.raises(ValueError, match=r"`beta_1` must be a number in \[0, 1\)\. Received: beta_1="):
            arguments.float_in_range("beta_1", bad, 0.0, 1.0, high_inclusive=False)
    with pytest.raises(ValueError, match=r"in \(0, 1\]"):
        arguments.float_in_range("p", 0.0, 0.0, 1.0, low_inclusive=False)


def test_one_of_suggests_close_matches_and_refuses_bool_for_int():
    assert arguments.one_of("norm", "batch", ("batch", "instance")) == "batch"
    with pytest.raises(ValueError, match=r"one of \('batch', 'instance'\)\. Did you mean: 'batch'\? Received: norm='btach'"):
        arguments.one_of("norm", "btach", ("batch", "instance"))
    with pytest.raises(ValueError, match="Received: channels=True"):
        arguments.one_of("channels", True, (1, 3))
    with pytest.raises(ValueError, match=r"Received: norm=\['batch'\]"):  # unhashable
        arguments.one_of("norm", ["batch"], ("batch", "instance"))
    assert arguments.close_matches("zzz", ["dcgan"]) == ""


def test_sequences_and_image_shapes():
    assert arguments.positive_int_sequence("hidden_units", [16, np.int32(8)]) == (16, 8)
    assert arguments.positive_int_sequence("hidden_units", (), allow_empty=True) == ()
    with pytest.raises(ValueError, match=r"e\.g\. \(16,\)\. Received: hidden_units=16"):
        arguments.positive_int_sequence("hidden_units", 16)
    with pytest.raises(ValueError, match=r"Received: hidden_units=\[16, True\]"):
        arguments.positive_int_sequence("hidden_units", [16, True])
    square = {"channels": (1, 3), "min_size": 8, "square": True, "power_of_two": True}
    assert arguments.image_shape("image_shape", [16, 16, 1], **square) == (16, 16, 1)
    for bad in ((30, 30, 3), (16, 8, 1), (4, 4, 1), (16, 16, 2), (16, 16, True), (16, 16), "16"):
        with pytest.raises(ValueError, match="`image_shape` must be \\(size, size, channels\\) with size a power of two"):
            arguments.image_shape("image_shape", bad, **square)
    assert arguments.image_shape("a", (12, 20, 4), multiple=4, min_size=8) == (12, 20, 4)
    with pytest.raises(ValueError, match=r"multiples of 4 and >= 8, and 1, 3 or 4 channels\. Received: a=\(10, 20, 3\)"):
        arguments.image_shape("a", (10, 20, 3), multiple=4, min_size=8)


# -------------------------------------------------------- the rule at the entry points
BUILDER_CASES = [
    ("dcgan", {"latent_dim": True}, "latent_dim=True"),
    ("dcgan", {"filters": 2.0}, "filters=2.0"),
    ("dcgan", {"image_shape": (30, 30, 3)}, r"image_shape=\(30, 30, 3\)"),
    ("gan", {"latent_dim": 0}, "latent_dim=0"),
    ("gan", {"hidden_units": 16}, "hidden_units=16"),
    ("gan", {"learning_rate": -1e-3}, "learning_rate=-0.001"),
    ("gan", {"beta_1": 1.0}, "beta_1=1.0"),
    ("gan", {"beta_1": -0.5}, "beta_1=-0.5"),
    ("gan", {"g_loss": "minmax"}, "Did you mean: 'minimax'\\? Received: g_loss='minmax'"),
    ("cgan", {"num_classes": True}, "num_classes=True"),
    ("cgan", {"embed_dim": 0}, "embed_dim=0"),
    ("cyclegan", {"learning_rate": -2e-4}, "learning_rate=-0.0002"),
    ("cyclegan", {"pool_size": True}, "pool_size=True"),
    ("cyclegan", {"decay_epochs": -1}, "decay_epochs=-1"),
    ("pix2pix", {"dropout": 1.0}, "dropout=1.0"),
    ("pix2pix", {"depth": True}, "depth=True"),
    ("pix2pix", {"norm": "group"}, "norm='group'"),
    ("srgan", {"scale": True, "content_loss": "mse"}, "scale=True"),
    ("srgan", {"warmup_steps": -1, "content_loss": "mse"}, "warmup_steps=-1"),
    ("srgan", {"adversarial_weight": -1.0, "content_loss": "mse"}, "adversarial_weight=-1.0"),
]


@pytest.mark.parametrize("name, kwargs, received", BUILDER_CASES,
                         ids=[f"{n}-{next(iter(k))}={k[next(iter(k))]!r}" for n, k, _ in BUILDER_CASES])
def test_builder_rejects(name, kwargs, received):
    if "Received" not in received:
        received = "Received: " + received
    with pytest.raises(ValueError, match=received):
        ganzoo.get(name, **kwargs)


def _entry_points():
    from ganzoo import callbacks, data, guards, layers, metrics, schedules
    from ganzoo.inference import generate_with

    return [
        ("every", lambda v: callbacks.SampleGrid(None, every=v, tensorboard_dir="logs")),
        ("check_every", lambda v: guards.TerminateOnNaN(check_every=v)),
        ("check_every", lambda v: guards.CheckBatches(check_every=v)),
        ("pool_size", lambda v: layers.ImagePool(pool_size=v, image_shape=(4, 4, 1))),
        ("scale", lambda v: layers.SubPixelUpsampling(v)),
        ("constant_epochs", lambda v: schedules.LinearDecay(2e-4, v, 10)),
        ("steps_per_epoch", lambda v: schedules.LinearDecay(2e-4, 10, 10, steps_per_epoch=v)),
        ("batch_size", lambda v: data.load("digits", batch_size=v)),
        ("num_crops", lambda v: data.load_photo_pairs(num_crops=v)),
        ("splits", lambda v: metrics.inception_score(np.full((4, 2), 0.5), splits=v)),
        ("num_samples", lambda v: generate_with(None, v)),
    ]


@pytest.mark.parametrize("index", range(11))
def test_bool_is_not_an_int_anywhere(index):
    """`True == 1`, but `True` is refused wherever a count is expected."""
    arg, call = _entry_points()[index]
    with pytest.raises(ValueError, match=f"`{arg}` must be .*Received: {arg}=True"):
        call(True)


def test_fit_checks_epochs_and_batch_size_before_training():
    model = shared_model("gan")
    x = model.example_data(8)
    before = [np.array(v) for v in model.generator.get_weights()]
    for kwargs, received in (({"batch_size": 0}, "batch_size=0"), ({"epochs": 0}, "epochs=0"),
                             ({"epochs": -1}, "epochs=-1"), ({"batch_size": True}, "batch_size=True")):
        with pytest.raises(ValueError, match=f"Received: {received}"):
            model.fit(x, verbose=0, **kwargs)
    after = model.generator.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
