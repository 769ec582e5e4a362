"""Mixed precision: every registered model trains under mixed_bfloat16 and mixed_float16."""
import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.registry import get_test_config
from helpers import fit_or_xfail, to_float32

MODELS = ganzoo.list_models()
COMPUTE_DTYPE = {"mixed_bfloat16": "bfloat16", "mixed_float16": "float16"}


def _layers(net):
    return net._flatten_layers(include_self=False) if hasattr(net, "_flatten_layers") else net.layers


@pytest.mark.parametrize("policy", sorted(COMPUTE_DTYPE))
@pytest.mark.parametrize("name", MODELS)
def test_fit_under_mixed_precision(name, policy):
    keras.config.set_dtype_policy(policy)  # before building: layers take it at creation
    try:
        model = ganzoo.get(name, **get_test_config(name))
        nets = {n: getattr(model, n) for n in model.network_names}
        # The policy reached the networks: some layer computes in the half type, while
        # every variable stays float32.
        for net_name, net in nets.items():
            dtypes = {layer.compute_dtype for layer in _layers(net)}
            assert COMPUTE_DTYPE[policy] in dtypes, (net_name, dtypes)
            assert {v.dtype for v in net.weights} <= {"float32", "int64", "int32", "uint32"}, net_name
        for opt_name in model.optimizer_networks:
            is_scaled = isinstance(getattr(model, opt_name), keras.optimizers.LossScaleOptimizer)
            # float16 needs a dynamic loss scale per optimizer; bfloat16 has float32's range.
            assert is_scaled == (policy == "mixed_float16"), (opt_name, type(getattr(model, opt_name)))

        before = {n: [to_float32(v) for v in net.trainable_variables] for n, net in nets.items()}
        # float16: the dynamic loss scale starts at 2**15 and a step whose scaled gradients
        # overflow is skipped while the scale halves. With pix2pix's 100·L1 or CycleGAN's
        # 10·cycle loss the first ~6 steps overflow, so train 12 steps, not 2.
        n, batch = (24, 2) if policy == "mixed_float16" else (8, 4)
        history = fit_or_xfail(model, model.example_data(n, seed=1), batch_size=batch, epochs=1, verbose=0,
                       shuffle=False)

        for loss_name in model.loss_names:
            values = history.history[loss_name]
            assert len(values) == 1 and np.isfinite(values[0]), (loss_name, values)
        trained = {n for group in model.optimizer_networks.values() for n in group}
        for net_name in trained:
            after = [to_float32(v) for v in nets[net_name].trainable_variables]
            assert all(np.isfinite(a).all() for a in after), net_name
            moved = [not np.allclose(a, b) for a, b in zip(before[net_name], after)]
            assert all(moved), f"{name}.{net_name}: {moved.count(False)} of {len(moved)} variables did not move under {policy}"
    finally:
        keras.config.set_dtype_policy("float32")
