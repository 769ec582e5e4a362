import os

import keras
import numpy as np
import pytest

# Quiet TensorFlow's C++ start-up logs in test output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if keras.config.backend() == "torch":
    import torch

    # The test models are tiny: intra-op threads only add synchronisation, and on a busy
    # 2-core machine torch's spinning workers slowed a step 30x (1.3 vs 40 steps/s).
    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    """Every test starts from the same global seed and the float32 policy."""
    keras.utils.set_random_seed(0)
    keras.config.set_dtype_policy("float32")
    yield
    keras.config.set_dtype_policy("float32")
    keras.backend.clear_session()


def weights_of(model):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in model.weights]


def backend():
    return keras.config.backend()
