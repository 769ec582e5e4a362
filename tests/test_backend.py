"""Backend mechanics (ganzoo/backend/): input gradients on every backend."""
import keras
import numpy as np


def test_input_gradients_match_analytic():
    """Trainer.input_gradients (gradient penalty, R1) on f(x) = sum(x**2) * 3 is 6x."""
    import ganzoo

    model = ganzoo.get("gan", **ganzoo.registry.get_test_config("gan"))
    rng = np.random.default_rng(0)
    x = keras.ops.convert_to_tensor(rng.normal(size=(3, 2)).astype("float32"))
    out, grad = model.input_gradients(lambda t: 3.0 * keras.ops.sum(t ** 2, axis=1), x)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(grad), 6 * keras.ops.convert_to_numpy(x), rtol=1e-5)
