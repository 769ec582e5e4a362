"""Every training batch checked in the step (ganzoo.guards.BatchChecks / CheckBatches).

`fit` checks its first batch in full on the host; these tests put the bad value in a LATER
batch, where only the in-graph check sees it. Without it a label -1 trains silently on
every backend and a label 7 raises a raw backend error (TensorFlow, torch).
"""
import numpy as np
import pytest
import tensorflow as tf

from ganzoo.guards import BadBatchError, CheckBatches
from tests.harness import build, iterations, shared_model


def _labeled(bad_label, bad_batch=3, batches=4, batch_size=4, num_classes=3):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (batches * batch_size, 8, 8, 1)).astype("float32")
    y = rng.integers(0, num_classes, batches * batch_size).astype("int64")
    y[(bad_batch - 1) * batch_size + 1] = bad_label
    return x, y


@pytest.mark.parametrize("bad_label", [-1, 7])
def test_label_out_of_range_in_a_later_tf_data_batch(bad_label):
    model = shared_model("cgan")  # num_classes=3
    x, y = _labeled(bad_label, bad_batch=3)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    before = iterations(model.d_optimizer)
    with pytest.raises(BadBatchError, match=rf"epoch 1, batch 3: `y` must hold class labels in \[0, 2\].*"
                                            rf"Received: a label y={bad_label}$"):
        model.fit(ds, epochs=2, verbose=0)
    # Stopped right after the bad batch: batches 1 to 3 trained, nothing after.
    assert iterations(model.d_optimizer) - before == 3


def test_a_clean_dataset_trains_through_and_a_new_fit_starts_clean():
    model = shared_model("cgan")
    x, y = _labeled(0)
    with pytest.raises(BadBatchError):
        model.fit(tf.data.Dataset.from_tensor_slices((x, np.where(y == 0, 5, y))).batch(4), verbose=0)
    before = iterations(model.d_optimizer)
    model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(4), epochs=2, verbose=0)
    assert iterations(model.d_optimizer) - before == 8


def test_reading_every_few_batches_still_names_the_bad_batch():
    model = shared_model("cgan")
    x, y = _labeled(9, bad_batch=2, batches=5)
    # Epoch 1 is clean; in epoch 2 the record is read after batch 4 (the 9th batch overall).
    with pytest.raises(BadBatchError, match=r"epoch 2, batch 2: .*Received: a label y=9$"):
        model.fit(_two_epochs(x, y), epochs=2, steps_per_epoch=5, verbose=0,
                  callbacks=[CheckBatches(check_every=3)])


def _two_epochs(x, y):
    clean = np.where((y < 0) | (y > 2), 1, y)
    for labels in (clean, y):  # epoch 1 clean, epoch 2 with the bad label in batch 2
        for i in range(0, len(x), 4):
            yield x[i:i + 4], labels[i:i + 4]


def test_check_inputs_false_skips_the_checks():
    model = build("cgan")
    model.check_inputs = False
    x, y = _labeled(-1, bad_batch=2)
    model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(4), verbose=0)
    assert iterations(model.d_optimizer) == 4


def test_unequal_pair_batches_in_a_later_batch():
    """A generator whose second batch has fewer B images than A images (pix2pix)."""
    # As small as pix2pix goes: each batch shape is one more compilation of the step.
    model = build("pix2pix", image_shape=(8, 8, 1), filters=2, disc_filters=2, depth=2, disc_layers=1)
    rng = np.random.default_rng(0)

    def pairs():
        for n_b in (3, 2, 3):  # the second batch's B is short
            yield (rng.uniform(-1, 1, (3, 8, 8, 1)).astype("float32"),
                   rng.uniform(-1, 1, (n_b, 8, 8, 1)).astype("float32"))

    with pytest.raises(BadBatchError, match=r"epoch 1, batch 2: Pix2Pix needs as many B images as A images.*"
                                            r"Received: A.shape\[0\]=3, B.shape\[0\]=2$"):
        model.fit(pairs(), epochs=1, verbose=0)


@pytest.mark.slow  # two compilations of CycleGAN's step (one per batch shape): 10-40 s on JAX
def test_zipped_datasets_of_unequal_length():
    """cyclegan: A holds 10 images, B 12; batches of 4 end on (2, 4)."""
    model = build("cyclegan", image_shape=(8, 8, 1), filters=2, disc_filters=2, num_residual_blocks=1,
                  disc_layers=1, pool_size=0)
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (10, 8, 8, 1)).astype("float32")
    b = rng.uniform(-1, 1, (12, 8, 8, 1)).astype("float32")
    ds = tf.data.Dataset.zip((tf.data.Dataset.from_tensor_slices(a).batch(4),
                              tf.data.Dataset.from_tensor_slices(b).batch(4)))
    with pytest.raises(BadBatchError, match=r"epoch 1, batch 3: CycleGAN needs .*A.shape\[0\]=2, B.shape\[0\]=4$"):
        model.fit(ds, epochs=1, verbose=0)
