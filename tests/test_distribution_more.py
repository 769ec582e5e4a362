"""More multi-device checks (issue 19): model parallel for stylegan2, the stability toolkit
under data parallel, uneven last batches, synchronized BatchNorm on TensorFlow.

The subprocess checks run `tests/distribution_script.py` (one child per test, several
settings in it: a child's start-up and the one-device reference runs dominate) and use the
tolerance of tests/test_distribution.py (`RTOL`, 5e-5 of a variable's largest magnitude;
that file's docstring says why). The data-parallel equivalence of progan and stylegan2 on
2 and 4 devices is `tests/test_distribution.py`'s every-model tests (`list_models()`).
"""
import json

import keras
import numpy as np
import pytest

from ganzoo.backend.distribution import batch_devices, check_even_batches, synchronize_batch_norm
from tests.test_distribution import BACKEND, RTOL, check_equivalent, run_script

jax_only = pytest.mark.skipif(BACKEND != "jax", reason="keras.distribution runs on JAX")
tf_only = pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.distribute runs on TensorFlow")
# Generator EMA, spectral normalisation (its `u` vectors) and R1, all at once.
TOOLKIT = {"ema_decay": 0.9, "spectral_norm": True, "r1_gamma": 1.0}


def check_toolkit(result):
    # The EMA weights and the spectral-norm `u`s are compared with everything else
    # (max_rel); here they must exist, have moved, and be within the tolerance.
    assert result["toolkit_count"] >= 3, result  # EMA weights and at least one `u`
    assert result["toolkit_moved"] > 1e-3, result
    assert result["toolkit_rel"] <= RTOL, result


def check_uneven(result, devices):
    # A last batch of 1 example on N devices: refused before any step, naming x and the
    # way out; a last batch of 1 example per device trains (2 steps).
    assert result["error"] is not None, result
    assert f"across the {devices} devices" in result["error"], result
    assert "whole_shares" in result["error"] and "Received: x with 5 examples" in result["error"], result
    assert result["steps_after_error"] == 0, result
    assert result["steps"] == 2, result


# ------------------------------------------------------------------------------ JAX
@jax_only
@pytest.mark.slow
def test_jax_stylegan2_model_parallel_toolkit_and_uneven_batches_on_4_devices():
    # One child with 4 virtual devices, three settings:
    # 1. stylegan2 on a 2 x 2 mesh: the batch split on "batch", every generator (and EMA
    #    generator) kernel whose output size is even split on "model" (a LayoutMap);
    # 2. gan with generator EMA, spectral norm and R1 under DataParallel;
    # 3. fit on data whose last batch does not split over 4 devices.
    jobs = [{"mode": "equivalence", "models": "stylegan2", "layout": "model", "batch_axis": 2},
            {"mode": "equivalence", "models": "gan", "config": TOOLKIT},
            {"mode": "uneven"}]
    results = run_script("jobs", "--devices", 4, "--jobs", json.dumps(jobs))
    model_parallel, toolkit, uneven = results
    check_equivalent([model_parallel], ["stylegan2"])
    assert model_parallel["layout"] == "model" and model_parallel["split_variables"] > 10, model_parallel
    check_equivalent([toolkit], ["gan"])
    check_toolkit(toolkit)
    check_uneven(uneven, 4)


# ------------------------------------------------------------------------ TensorFlow
@tf_only
@pytest.mark.slow
def test_tf_toolkit_synchronized_batch_norm_and_uneven_batches_on_2_devices():
    # One child with 2 logical CPUs:
    # 1. gan with the toolkit;
    # 2. dcgan with synchronized BatchNorm (global statistics: one device's run, where
    #    Keras' per-replica default is O(1) apart, tests/test_distribution.py) and
    #    DiffAugment (each replica its own rows of the global per-image draws);
    # 3. wgan_gp (BatchNorm generator) with one critic step per step: its penalty's
    #    interpolation weights, per replica too (with d_steps > 1 each replica chunks its
    #    own share: not one device's run, docs/distribution.md);
    # 4. an uneven last batch (before: a replica with no sample, NaN losses);
    # 5. cyclegan's ImagePool shared by the replicas: one device's pool (before: one
    #    pool per replica, each fed its own share).
    jobs = [{"mode": "equivalence", "models": "gan", "config": TOOLKIT},
            {"mode": "equivalence", "models": "dcgan", "sync_bn": True,
             "config": {"augment": "color,translation,cutout"}},
            {"mode": "equivalence", "models": "wgan_gp", "sync_bn": True, "config": {"d_steps": 1}},
            {"mode": "uneven"}, {"mode": "pool"}]
    toolkit, augmented, wgan, uneven, pool = run_script("jobs", "--devices", 2, "--jobs", json.dumps(jobs))
    check_equivalent([toolkit], ["gan"])
    check_toolkit(toolkit)
    check_equivalent([augmented, wgan], ["dcgan", "wgan_gp"])
    assert augmented["synchronized_batch_norms"] >= 1 and wgan["synchronized_batch_norms"] >= 1
    check_uneven(uneven, 2)
    assert pool["pool_out"] == pool["one_device_out"], pool
    assert pool["pool_buffers"] == [pool["one_device_buffer"]] * 2, pool
    assert pool["pool_counts"] == [pool["one_device_count"]] * 2 == [3, 3], pool
    fed = [[100.0 * k + i for i in range(4)] for k in range(4)]
    assert pool["pool_out"] != fed, pool  # some images came back from the pool


# ------------------------------------------------------------------- in process (fast)
@pytest.mark.skipif(BACKEND == "torch", reason="no distribution in released Keras on torch")
def test_check_even_batches_names_the_batch_that_does_not_split():
    x = np.zeros((10, 2), "float32")
    check_even_batches(x, 4, num_devices=2)  # 4 + 4 + 2
    check_even_batches(x, None, num_devices=2)  # Keras' default batch of 32: one batch of 10
    check_even_batches(np.zeros((5, 2)), 4, num_devices=1)  # one device: nothing to split
    with pytest.raises(ValueError, match=r"9 % 4 = 1 examples.*across the 2 devices.*Received: x with 9 examples"):
        check_even_batches(x[:9], 4, num_devices=2)
    with pytest.raises(ValueError, match=r"multiple of 4\. Received: batch_size=6"):
        check_even_batches(x, 6, num_devices=4)
    with pytest.raises(ValueError, match=r"Received: x with 9 examples"):  # a tuple of arrays
        check_even_batches((x[:9], np.arange(9)), 4, num_devices=2)
    from ganzoo.resume import ShuffledBatches

    with pytest.raises(ValueError, match=r"9 % 4 = 1 .*Received: x \(ShuffledBatches\) with 9 examples"):
        check_even_batches(ShuffledBatches(x[:9], batch_size=4), None, num_devices=2)
    with pytest.raises(ValueError, match=r"Received: x \(ShuffledBatches\) with batch_size=6"):
        check_even_batches(ShuffledBatches(x, batch_size=6), 4, num_devices=4)
    check_even_batches(iter([x]), 4, num_devices=2)  # length unknown here: not checked
    assert batch_devices() == 1  # no distribution active


def nested_batch_norm_model():
    """A model holding a network that holds two BatchNorm layers (as a GAN holds its networks)."""
    inner = keras.Sequential([keras.Input((2,)), keras.layers.BatchNormalization(),
                              keras.layers.Dense(2), keras.layers.BatchNormalization()])
    return keras.Sequential([keras.Input((2,)), inner, keras.layers.Dense(1)])


@pytest.mark.skipif(BACKEND == "tensorflow", reason="TensorFlow: the next test")
def test_synchronize_batch_norm_is_a_tensorflow_option():
    model = nested_batch_norm_model()
    with pytest.raises(ValueError, match=r"Received: synchronized=True on the " + BACKEND):
        synchronize_batch_norm(model)
    assert synchronize_batch_norm(model, False) == 2  # back to Keras' default: allowed anywhere


@tf_only
def test_synchronize_batch_norm_switches_every_batch_norm_layer():
    model = nested_batch_norm_model()
    bns = [layer for layer in model._flatten_layers(include_self=False)
           if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(bns) == 2 and synchronize_batch_norm(model) == 2
    assert all(layer.synchronized for layer in bns)
    assert synchronize_batch_norm(model, False) == 2 and not any(layer.synchronized for layer in bns)
    with pytest.raises(ValueError, match=r"Received: synchronized='yes'"):
        synchronize_batch_norm(model, "yes")
