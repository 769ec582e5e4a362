"""Learning-rate schedules (ganzoo/schedules.py)."""
import numpy as np
import pytest

from ganzoo.schedules import LinearDecay
from tests.harness import numpy as _np


# ------------------------------------------------------------------ LR decay
def test_linear_decay_is_constant_then_reaches_zero():
    s = LinearDecay(2e-4, constant_epochs=3, decay_epochs=2, steps_per_epoch=10)
    lr = [float(_np(s(step))) for step in range(0, 61)]
    np.testing.assert_allclose(lr[:31], 2e-4, rtol=1e-6)  # the first 3 epochs
    assert all(a >= b for a, b in zip(lr, lr[1:]))
    np.testing.assert_allclose(lr[40], 1e-4, rtol=1e-5)  # halfway through the decay
    # The last update (step 49) uses 2e-4 / 20; the rate is 0 when the last epoch ends.
    np.testing.assert_allclose(lr[49], 1e-5, rtol=1e-4)
    assert lr[50] == 0.0 and lr[60] == 0.0
    assert LinearDecay.from_config(s.get_config()).get_config() == s.get_config()
    with pytest.raises(ValueError, match="decay_epochs=-1"):
        LinearDecay(2e-4, 1, -1)
