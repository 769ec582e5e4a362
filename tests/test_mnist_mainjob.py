"""The dcgan builder's optimizer arguments (issue 17 item 3: the MNIST main job sets them).

`learning_rate` and `beta_1` must reach both Adam optimizers, survive a `.keras` round trip,
be settable from the command line (`--set learning_rate=...`) and be checked before building.
"""
import numpy as np
import pytest

import ganzoo
from tests.harness import numpy

TINY = {"image_shape": (8, 8, 1), "latent_dim": 4, "filters": 2}


def _adam(opt):
    return float(numpy(opt.learning_rate)), float(opt.beta_1)


def test_learning_rate_reaches_both_optimizers_and_the_saved_file(tmp_path):
    gan = ganzoo.get("dcgan", learning_rate=7e-4, beta_1=0.3, **TINY)
    for opt in (gan.d_optimizer, gan.g_optimizer):
        assert np.allclose(_adam(opt), (7e-4, 0.3))
    path = str(tmp_path / "m.keras")
    gan.save(path)
    loaded = ganzoo.load_model(path)
    for opt in (loaded.d_optimizer, loaded.g_optimizer):
        assert np.allclose(_adam(opt), (7e-4, 0.3))


def test_default_is_the_paper_and_deferred_build_keeps_the_rate():
    assert np.allclose(_adam(ganzoo.get("dcgan", **TINY).g_optimizer), (2e-4, 0.5))
    gan = ganzoo.get("dcgan", latent_dim=4, filters=2, learning_rate=1e-3)  # built by fit
    x = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    gan.fit(x, batch_size=4, epochs=1, verbose=0)
    assert np.allclose(_adam(gan.d_optimizer), (1e-3, 0.5))
    assert int(numpy(gan.g_optimizer.iterations)) == 1


def test_learning_rate_steps_the_weights_in_proportion():
    # Adam's first step moves each weight by about lr (m / sqrt(v) is the gradient's sign):
    # a 10x rate moves the generator's largest weight change about 10x as far.
    x = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    moved = []
    for lr in (1e-4, 1e-3):
        gan = ganzoo.get("dcgan", learning_rate=lr, seed=0, **TINY)
        before = numpy(gan.generator.trainable_variables[0]).copy()
        gan.fit(x, batch_size=4, epochs=1, verbose=0)
        moved.append(np.abs(numpy(gan.generator.trainable_variables[0]) - before).max())
    assert 5 < moved[1] / moved[0] < 15


@pytest.mark.parametrize("kwargs, shown", [({"learning_rate": -1e-3}, "learning_rate=-0.001"),
                                           ({"beta_1": 1.0}, "beta_1=1.0")])
def test_bad_optimizer_arguments_are_refused_before_building(kwargs, shown):
    with pytest.raises(ValueError, match=f"Received: {shown}"):
        ganzoo.get("dcgan", **kwargs)


def test_cli_set_learning_rate(tmp_path):
    from ganzoo import cli

    out = tmp_path / "run"
    code = cli.main(["train", "dcgan", "--dataset", "digits", "--image-size", "8", "--epochs", "1",
              "--steps-per-epoch", "1", "--batch-size", "4", "--set", "filters=2", "--set", "latent_dim=4",
              "--set", "learning_rate=3e-4", "--out", str(out), "--verbose", "0"])
    assert code == 0
    loaded = ganzoo.load_model(str(out / "model.keras"))
    assert np.allclose(_adam(loaded.g_optimizer), (3e-4, 0.5))
