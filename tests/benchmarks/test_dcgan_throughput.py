"""The DCGAN throughput benchmark's FLOP formula and its native peer's size."""
import importlib.util
import os

import numpy as np
import pytest

import ganzoo

torch = pytest.importorskip("torch")

_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "dcgan_throughput.py")
_spec = importlib.util.spec_from_file_location("dcgan_throughput", _PATH)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_flops_formula_matches_flop_counter_on_the_peer_step():
    from torch.utils.flop_counter import FlopCounterMode

    size, batch = 16, 2
    net_g, net_d = bench.peer_networks(size)
    criterion = torch.nn.BCEWithLogitsLoss()
    real = torch.rand(batch, 3, size, size) * 2 - 1
    ones, zeros = torch.ones(batch), torch.zeros(batch)
    counter = FlopCounterMode(display=False)
    with counter:  # one pytorch/examples iteration: one G forward, D step, G step
        fake = net_g(torch.randn(batch, 100, 1, 1))
        err_d = criterion(net_d(real).view(-1), ones) + criterion(net_d(fake.detach()).view(-1), zeros)
        err_d.backward()
        err_g = criterion(net_d(fake).view(-1), ones)
        err_g.backward()
    assert counter.get_total_flops() == bench.flops_per_iteration(batch, size)


def test_ganzoo_dcgan_has_the_peer_parameter_count():
    model = ganzoo.get("dcgan", image_shape=(16, 16, 3))  # the benchmark prints both at 64×64
    net_g, net_d = bench.peer_networks(16)
    count = lambda vs: sum(int(np.prod(v.shape)) for v in vs)  # noqa: E731
    assert count(model.generator.trainable_variables) == sum(p.numel() for p in net_g.parameters())
    assert count(model.discriminator.trainable_variables) == sum(p.numel() for p in net_d.parameters())
