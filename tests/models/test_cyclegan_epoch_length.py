"""cyclegan (ganzoo/models/cyclegan.py): the learning-rate decay takes the epoch length from Keras.

`CycleGAN.fit` adds an `EpochLength` callback; Keras gives every callback the number of
batches per epoch it counts (`steps` in `set_params`: `fit`'s `steps_per_epoch`, or the
length of the data) before it makes the train function. The numpy case is in
tests/models/test_cyclegan.py; the fast tier has the generator case, the slow tier the
tf.data case of unknown length and the step made again when a later fit sets the length.
"""
import numpy as np
import pytest
import tensorflow as tf

import ganzoo
from ganzoo.models.cyclegan import EpochLength
from tests.harness import iterations, numpy


def _tiny(**kw):
    return ganzoo.get("cyclegan", image_shape=(16, 16, 1), channels_b=3, filters=4, disc_filters=4,
                      num_residual_blocks=1, seed=0, **kw)


def _unknown_length(a, b):
    ds = tf.data.Dataset.from_tensor_slices((a, b)).batch(2).filter(lambda x, y: True)
    assert int(ds.cardinality()) == tf.data.UNKNOWN_CARDINALITY
    return ds


def _weights(model):
    return [numpy(v) for v in model.generator_ab.trainable_variables + model.discriminator_a.trainable_variables]


@pytest.mark.slow  # two fits and a retrace of the CycleGAN step: ~2 min on JAX on a loaded machine
def test_epoch_length_of_data_of_unknown_length_comes_from_steps_per_epoch():
    model = _tiny(constant_epochs=1, decay_epochs=1)
    a, b = model.example_data(4, seed=0)
    ds = _unknown_length(a, b)
    # Keras cannot count this dataset: the schedules are left as they are (constant rate).
    model.fit(ds, epochs=2, verbose=0)
    assert [s.steps_per_epoch for s in model.learning_rate_schedules()] == [None, None]
    # At least the 2 x 2 batches (TensorFlow's Keras counts more steps for a dataset of
    # unknown length, which runs out inside an epoch).
    done = iterations(model.g_optimizer)
    assert done >= 4
    np.testing.assert_allclose(numpy(model.g_optimizer.learning_rate), 2e-4, rtol=1e-6)

    # With steps_per_epoch, Keras' count (2) reaches both schedules, and the step compiled by
    # the first fit (constant rate) is made again: the next 2 steps are past the decay's end
    # (2 epochs x 2 steps), so their rate is 0 and no weight moves.
    before = _weights(model)
    model.fit(ds.repeat(), steps_per_epoch=2, epochs=1, verbose=0)
    assert [s.steps_per_epoch for s in model.learning_rate_schedules()] == [2, 2]
    assert iterations(model.g_optimizer) == iterations(model.d_optimizer) == done + 2
    for opt in (model.g_optimizer, model.d_optimizer):
        assert float(numpy(opt.learning_rate)) == 0.0
    for x, y in zip(before, _weights(model)):
        np.testing.assert_array_equal(x, y)


@pytest.mark.heavy  # 16 CPU-s on TensorFlow
def test_epoch_length_of_a_python_generator_with_steps_per_epoch():
    model = _tiny(constant_epochs=1, decay_epochs=2)
    a, b = model.example_data(4, seed=0)

    def batches():
        while True:
            for i in (0, 2):
                yield a[i:i + 2], b[i:i + 2]

    model.fit(batches(), steps_per_epoch=3, epochs=2, verbose=0)
    schedule = model.learning_rate_schedules()[0]
    assert schedule.steps_per_epoch == 3
    # 6 steps of a 9-step run (3 constant, 6 decaying): the rate is 2e-4 * (1 - 3/6).
    np.testing.assert_allclose(numpy(model.g_optimizer.learning_rate), 1e-4, rtol=1e-6)


def test_epoch_length_callback_keeps_a_given_steps_per_epoch():
    model = _tiny(steps_per_epoch=5)
    callback = EpochLength(model)
    callback.set_params({"epochs": 1, "steps": 2, "verbose": 0})
    assert [s.steps_per_epoch for s in model.learning_rate_schedules()] == [5, 5]
