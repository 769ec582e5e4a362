"""dcgan (ganzoo/models/dcgan.py): image sizes, the paper's initialisation and optimizer."""
import numpy as np
import pytest

import ganzoo
from tests.harness import numpy


def test_dcgan_rejects_bad_image_shapes():
    for shape in [(30, 30, 3), (32, 16, 3), (4, 4, 1), (32, 32, 2)]:
        with pytest.raises(ValueError, match=r"Received: image_shape=\(" + str(shape[0])):
            ganzoo.get("dcgan", image_shape=shape)


def test_dcgan_sizes_and_paper_init():
    for size in (8, 32):
        gan = ganzoo.get("dcgan", image_shape=(size, size, 3), filters=4, latent_dim=8)
        assert gan.generator.output.shape[1:] == (size, size, 3)
        assert gan.discriminator.output.shape[1:] == (1,)
    kernel = numpy(ganzoo.get("dcgan", image_shape=(32, 32, 1), filters=16).generator.trainable_variables[0])
    assert abs(kernel.std() - 0.02) < 0.002 and abs(kernel.mean()) < 0.002
    opt = gan.d_optimizer
    assert np.isclose(float(numpy(opt.learning_rate)), 2e-4) and np.isclose(opt.beta_1, 0.5)
