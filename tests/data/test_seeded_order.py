"""Datasets whose batches are a function of (seed, epoch, index) keep their own order in `fit`.

Keras' `fit(shuffle=True)` (its default) permutes a PyDataset's indices each epoch from
Python's global random state. A process resumed from a backup has not drawn the earlier
epochs' permutations, so it trained other batches than the run never interrupted (found
by `benchmarks/cli_random_kill.py` on srgan, whose `ganzoo train` data is `CropPairs`).
`AdversarialModel.fit` therefore leaves Keras' shuffle off for datasets with
`seeded_order` unless `shuffle` is passed.
"""
import keras
import numpy as np

import ganzoo
from ganzoo.data.super_resolution import CropPairs
from ganzoo.resume import EpochSetter, ShuffledBatches


class Recorded(ShuffledBatches):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = []

    def __getitem__(self, index):
        self.seen.append((self.epoch, index))
        return super().__getitem__(index)


def _trained_order(data, epoch_setter=True, **fit_kwargs):
    keras.utils.set_random_seed(0)
    gan = ganzoo.get("dcgan", image_shape=(8, 8, 1), filters=4, latent_dim=8, seed=0)
    gan.fit(data, epochs=2, verbose=0, callbacks=[EpochSetter(data)] if epoch_setter else [], **fit_kwargs)
    # What the epochs trained on (Keras may read batches ahead to learn the specs: those
    # come before the first epoch begins and are left out here).
    return [[i for e, i in data.seen if e == epoch][-len(data):] for epoch in (0, 1)]


def test_fit_keeps_the_order_of_a_seeded_dataset():
    x = ganzoo.data.load("digits", image_size=8, num_samples=48)
    data = Recorded(x, batch_size=8, seed=1)
    assert _trained_order(data) == [list(range(6)), list(range(6))]
    # Passed explicitly, Keras' shuffle still applies (a user's choice): the order moves.
    shuffled = Recorded(x, batch_size=8, seed=1)
    orders = _trained_order(shuffled, shuffle=True)
    assert sorted(orders[0]) == list(range(6)) and orders != [list(range(6)), list(range(6))]


def test_crop_pairs_and_shuffled_batches_declare_their_order():
    photos = ganzoo.data.super_resolution.load_photos("train")
    crops = CropPairs(photos, batch_size=2, steps_per_epoch=3, hr_size=16, scale=2, seed=0)
    assert crops.seeded_order and ShuffledBatches(np.zeros((4, 2)), 2).seeded_order
    lr, hr = crops[1]
    lr2, hr2 = crops[1]
    np.testing.assert_array_equal(hr, hr2)  # a function of (seed, epoch, index)
    crops.epoch = 1
    assert not np.array_equal(crops[1][1], hr)


def test_fit_tells_a_seeded_dataset_its_epoch_without_being_asked():
    # Without an EpochSetter the dataset's epoch stayed 0: every epoch repeated epoch 0's
    # batches (and a resumed run could not know its epoch). `fit` now adds one.
    x = ganzoo.data.load("digits", image_size=8, num_samples=48)
    data = Recorded(x, batch_size=8, seed=1)
    assert _trained_order(data, epoch_setter=False) == [list(range(6)), list(range(6))]
    assert {e for e, _ in data.seen} == {0, 1} and data.epoch == 1
    explicit = Recorded(x, batch_size=8, seed=1)
    _trained_order(explicit)
    assert explicit.seen[-12:] == data.seen[-12:]  # the same batches as with a hand-added setter


def test_prepare_callbacks_adds_one_epoch_setter_per_seeded_dataset():
    from ganzoo.training import prepare_callbacks

    gan = ganzoo.get("dcgan", image_shape=(8, 8, 1), filters=4, latent_dim=8)
    data = ShuffledBatches(np.zeros((8, 8, 8, 1), "float32"), 4)
    setters = [c for c in prepare_callbacks(gan, None, data=data) if isinstance(c, EpochSetter)]
    assert len(setters) == 1 and setters[0].dataset is data
    mine = EpochSetter(data)
    setters = [c for c in prepare_callbacks(gan, [mine], data=data) if isinstance(c, EpochSetter)]
    assert setters == [mine]
    arrays = prepare_callbacks(gan, None, data=np.zeros((8, 8, 8, 1), "float32"))
    assert not any(isinstance(c, EpochSetter) for c in arrays)
