"""The PyTorch twin of benchmarks/dcgan_twin_mnist.py has ganzoo dcgan's networks exactly."""
import importlib.util
import os

import keras
import numpy as np
import pytest

import ganzoo

torch = pytest.importorskip("torch")

_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "dcgan_twin_mnist.py")
_spec = importlib.util.spec_from_file_location("dcgan_twin_mnist", _PATH)
twin = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(twin)


def _copy_keras_into_torch(keras_net, torch_net):
    """ganzoo's weights (with BatchNorm statistics) into the twin, layer by layer."""
    keras_layers = [l for l in keras_net.layers if l.get_weights()]
    torch_layers = [m for m in torch_net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d,
                                                                      torch.nn.BatchNorm2d))]
    assert len(keras_layers) == len(torch_layers)
    for kl, tl in zip(keras_layers, torch_layers):
        w = kl.get_weights()
        with torch.no_grad():
            if isinstance(tl, torch.nn.BatchNorm2d):
                for t, v in zip((tl.weight, tl.bias, tl.running_mean, tl.running_var), w):
                    t.copy_(torch.from_numpy(v))
            elif isinstance(tl, torch.nn.ConvTranspose2d):  # keras (h, w, out, in) -> torch (in, out, h, w)
                tl.weight.copy_(torch.from_numpy(w[0].transpose(3, 2, 0, 1)))
            else:  # keras (h, w, in, out) -> torch (out, in, h, w)
                tl.weight.copy_(torch.from_numpy(w[0].transpose(3, 2, 0, 1)))


def test_twin_networks_equal_ganzoo_dcgan_in_inference():
    gan = ganzoo.get("dcgan", image_shape=(32, 32, 1), filters=2, latent_dim=4, seed=0)
    # Non-trivial BatchNorm statistics, so that they are compared too.
    for layer in gan.generator.layers + gan.discriminator.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            rng = np.random.default_rng(len(layer.name))
            layer.moving_mean.assign(rng.normal(0, 0.1, layer.moving_mean.shape).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 2, layer.moving_variance.shape).astype("float32"))
    g, d = twin.torch_networks(filters=2, latent_dim=4)
    assert sum(p.numel() for p in g.parameters()) == gan.generator.count_params() - sum(
        int(np.prod(v.shape)) for v in gan.generator.non_trainable_variables)
    _copy_keras_into_torch(gan.generator, g)
    _copy_keras_into_torch(gan.discriminator, d)
    g.eval(), d.eval()
    z = np.random.default_rng(1).standard_normal((3, 4)).astype("float32")
    expected = gan.generator.predict(z, verbose=0)
    with torch.no_grad():
        got = g(torch.from_numpy(z).reshape(3, 4, 1, 1)).numpy().transpose(0, 2, 3, 1)
        logits = d(torch.from_numpy(expected.transpose(0, 3, 1, 2).copy())).numpy()
    np.testing.assert_allclose(got, expected, atol=2e-5)
    np.testing.assert_allclose(logits, gan.discriminator.predict(expected, verbose=0), atol=2e-5, rtol=1e-4)


def test_twin_init_is_ganzoo_init():
    torch.manual_seed(0)
    g, d = twin.torch_networks(filters=16, latent_dim=100)
    weights = torch.cat([m.weight.detach().flatten() for m in list(g.modules()) + list(d.modules())
                         if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))])
    assert abs(float(weights.std()) - 0.02) < 0.001 and abs(float(weights.mean())) < 0.001
    gammas = torch.cat([m.weight.detach() for m in g.modules() if isinstance(m, torch.nn.BatchNorm2d)])
    assert abs(float(gammas.mean()) - 1.0) < 0.01
