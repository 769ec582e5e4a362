"""Multi-device training on Keras' own engines: `keras.distribution` (JAX), `tf.distribute`.

ganzoo adds no distribution engine of its own. This module holds the little that a GAN
needs on top of them:

- `data_parallel(num_devices, batch_size=...)`: the scope to build, compile and fit a
  model in, on JAX (`keras.distribution.DataParallel`) and TensorFlow
  (`tf.distribute.MirroredStrategy`), with clear errors for more devices than exist or a
  global batch that does not split evenly.
- `mirrored_strategy(devices)`: the process' one `tf.distribute.MirroredStrategy` per device
  list (a second strategy would reuse the first one's collective keys and abort).
- `whole_shares(data, num_devices)`: arrays cut to a multiple of the device count, so that
  the last, smaller batch of an epoch splits evenly too.
- `replica_gather(x)` / `replica_rows(x, batch_size)`: the global batch on every
  TensorFlow replica (an all-gather) and a replica's rows of it, for state that must see
  the whole batch (`ganzoo.layers.ImagePool`: one pool shared by the replicas); no-ops
  on JAX and on one device.
- `synchronize_batch_norm(model)`: Keras' synchronized BatchNorm (global-batch
  statistics) for every BatchNorm layer of a model under `tf.distribute`.
- `batch_devices()` and `check_even_batches(x, batch_size)`: how many devices the active
  distribution splits a batch across, and the check `GAN.fit` runs before any training
  (a batch, the last one of an epoch included, that does not split evenly is refused with
  a `ValueError` naming the argument; JAX would fail with a raw sharding error after
  training the full batches, TensorFlow would give a replica no sample and a NaN loss).
- `replica_draw(draw, batch_size)`: what a model's step uses so that a TensorFlow replica,
  which runs the step on its own share of the batch, draws its own rows of the global
  batch's noise (without it every replica draws the same noise). On JAX, where the step is
  one global program split by the compiler, and on one device, it is a plain draw.

BatchNorm: on JAX the data-parallel step is one global program, so batch statistics are
those of the global batch (one device's result). Under `tf.distribute`, Keras' BatchNorm
normalizes each replica's share with its own statistics (`synchronized=False`, Keras'
default), so models with BatchNorm differ from a one-device run (docs/distribution.md);
`synchronize_batch_norm(model)` switches every BatchNorm layer of a model to Keras'
`synchronized=True` (statistics of the global batch through an all-reduce): one device's
result again.

Example:
```python
import ganzoo
from ganzoo.backend.distribution import data_parallel

with data_parallel(2, batch_size=64):
    gan = ganzoo.get("dcgan", image_shape=(32, 32, 1))
    gan.fit(x, batch_size=64, epochs=5)
```
"""
import contextlib

import keras

_BACKEND = keras.config.backend()

if _BACKEND == "tensorflow":
    from ganzoo.backend.tensorflow import num_replicas, replica_draw, replica_gather, replica_rows
else:  # one global program on JAX; no distribution on torch
    def replica_gather(x):
        """`x`: the step is one global program here (TensorFlow: every replica's rows)."""
        return x

    def replica_rows(x, batch_size):
        """`x`: the step is one global program here (TensorFlow: this replica's rows)."""
        return x

    def num_replicas():
        """How many replicas run the step: always 1 outside TensorFlow's replica context."""
        return 1

    def replica_draw(draw, batch_size):
        """`draw(batch_size)`: the step is one global program here."""
        return draw(batch_size)


def available_devices():
    """The devices a data-parallel run can use on this backend, as Keras/TF name them.

    Accelerators when there are any, else the CPU devices (JAX: one per
    `--xla_force_host_platform_device_count`; TensorFlow: one per logical CPU device).

    Example:
    ```python
    available_devices()  # ['cpu:0', 'cpu:1'] with XLA_FLAGS=--xla_force_host_platform_device_count=2
    ```
    """
    if _BACKEND == "jax":
        return keras.distribution.list_devices()
    if _BACKEND == "tensorflow":
        import tensorflow as tf

        for kind in ("GPU", "TPU"):
            found = tf.config.list_logical_devices(kind)
            if found:
                return [d.name for d in found]
        return [d.name for d in tf.config.list_logical_devices("CPU")]
    return []


def _check_devices(num_devices, batch_size):
    if _BACKEND == "torch":
        raise ValueError(
            "Multi-device training on the torch backend needs Keras' torch distribution, which "
            "released Keras (3.15) does not have. Use KERAS_BACKEND=jax (keras.distribution) or "
            f"tensorflow (tf.distribute), or one device. Received: devices={num_devices!r}"
        )
    if isinstance(num_devices, bool) or not isinstance(num_devices, int) or num_devices < 1:
        raise ValueError(f"`devices` must be a positive int. Received: devices={num_devices!r}")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size % num_devices):
        raise ValueError(
            f"The global batch is split evenly across the devices: `batch_size` must be a multiple "
            f"of `devices` ({num_devices}). Received: batch_size={batch_size!r}"
        )
    devices = available_devices()
    if num_devices > len(devices):
        hint = ("XLA_FLAGS=--xla_force_host_platform_device_count=N before JAX starts"
                if _BACKEND == "jax" else
                "tf.config.set_logical_device_configuration before TensorFlow starts")
        raise ValueError(
            f"`devices` asks for more devices than {_BACKEND} has: {len(devices)} available "
            f"({', '.join(map(str, devices))}). On a CPU, split it into virtual devices with {hint}. "
            f"Received: devices={num_devices}"
        )
    return devices[:num_devices]


def data_parallel(num_devices, *, batch_size=None):
    """A scope in which a model built, compiled and fit trains data-parallel on `num_devices`.

    JAX: `keras.distribution.DataParallel` over the first `num_devices` devices (variables
    replicated, the global batch split along its first axis; variables made before the
    scope are placed on the devices when `fit` starts). TensorFlow: the process'
    `tf.distribute.MirroredStrategy` over the first `num_devices` devices
    (`mirrored_strategy`; the model must be built and compiled inside the scope). The batch given to `fit` is the global batch;
    every device gets `batch_size / num_devices` of it. With `num_devices=1` the scope
    changes nothing.

    Args:
        num_devices: int. How many devices to train on.
        batch_size: int. The global batch size, checked to split evenly. Defaults to `None`
            (not checked here; JAX then fails at the first uneven batch). The last batch
            of an epoch splits only if the number of samples does too (`whole_shares`).

    Returns:
        A context manager.

    Raises:
        ValueError: on torch (no distribution in released Keras), for more devices than the
            backend has, or a batch that is not a multiple of `num_devices`.

    Example:
    ```python
    with data_parallel(2, batch_size=64):
        gan = ganzoo.get("dcgan", image_shape=(32, 32, 1))
        gan.fit(x, batch_size=64, epochs=5)
    ```
    """
    devices = _check_devices(num_devices, batch_size)
    if num_devices == 1:
        return contextlib.nullcontext()
    if _BACKEND == "jax":
        return keras.distribution.DataParallel(devices=devices).scope()
    return mirrored_strategy(devices).scope()


_STRATEGIES = {}


def mirrored_strategy(devices):
    """The process' one `tf.distribute.MirroredStrategy` over `devices` (made on first use).

    Every `MirroredStrategy` numbers its collective all-reduces from the same start (group
    key 1, instance key 100), and TensorFlow's collective runtime is one per process: a
    second strategy over the same devices reuses the first one's numbers, and its first
    all-reduce is matched with the first strategy's ("Shape mismatch in the collective
    instance 100 ... expected shape [192] but another member in the group expected shape
    [65]"). One strategy per device list, kept for the life of the process, keeps
    counting instead.

    Args:
        devices: list of str. Device names, e.g. `["/cpu:0", "/cpu:1"]`.

    Returns:
        A `tf.distribute.MirroredStrategy`.

    Example:
    ```python
    strategy = mirrored_strategy(available_devices()[:2])
    assert strategy is mirrored_strategy(available_devices()[:2])
    ```
    """
    import tensorflow as tf

    key = tuple(str(d) for d in devices)
    if key not in _STRATEGIES:
        _STRATEGIES[key] = tf.distribute.MirroredStrategy(devices=list(key))
    return _STRATEGIES[key]



def whole_shares(data, num_devices):
    """`data` cut to a multiple of `num_devices` examples, so that every batch splits evenly.

    With a global batch that is a multiple of `num_devices` (what `data_parallel` checks),
    every full batch splits evenly; the last, smaller batch of an epoch does too once the
    number of examples is a multiple of `num_devices` (JAX cannot split one that does not
    divide; TensorFlow would give the replicas unequal shares, which per-replica noise and
    the loss scaling assume equal). At most `num_devices - 1` examples are left out: the
    last ones.

    Args:
        data: array, or tuple of arrays with the same first dimension.
        num_devices: int. The number of devices the batches are split across.

    Returns:
        `data` (the same structure), its first `len - len % num_devices` examples.

    Example:
    ```python
    x = np.zeros((1001, 2), "float32")
    whole_shares(x, 4).shape  # (1000, 2)
    ```
    """
    arrays = data if isinstance(data, tuple) else (data,)
    keep = len(arrays[0]) - len(arrays[0]) % num_devices
    if keep == len(arrays[0]):
        return data
    cut = tuple(a[:keep] for a in arrays)
    return cut if isinstance(data, tuple) else cut[0]



def batch_devices():
    """How many devices the active distribution splits each batch across (1 without one).

    JAX: the size of the batch axis of the active `keras.distribution` mesh
    (`DataParallel`: every device; `ModelParallel`: its `batch_dim_name` axis), divided by
    the number of processes (each process feeds its own share). TensorFlow: the replicas of
    the strategy whose scope is active (`num_replicas_in_sync`). torch: 1.

    Example:
    ```python
    with data_parallel(2, batch_size=8):
        batch_devices()  # 2
    ```
    """
    if _BACKEND == "jax":
        distribution = keras.distribution.distribution()
        if distribution is None:
            return 1
        mesh = distribution.device_mesh
        name = distribution.batch_dim_name or mesh.axis_names[0]
        size = int(mesh.shape[list(mesh.axis_names).index(name)])
        import jax

        return max(size // jax.process_count(), 1)
    if _BACKEND == "tensorflow":
        import tensorflow as tf

        if not tf.distribute.has_strategy():
            return 1
        return int(tf.distribute.get_strategy().num_replicas_in_sync)
    return 1


def _num_examples(x):
    """The number of examples of in-memory `x` (an array or a structure of arrays), or None."""
    leaves = keras.tree.flatten(x) if isinstance(x, (tuple, list, dict)) else [x]
    if not leaves or not all(hasattr(a, "shape") and len(getattr(a, "shape", ())) >= 1 for a in leaves):
        return None
    return int(leaves[0].shape[0])


def check_even_batches(x, batch_size, num_devices=None):
    """Refuse, before any training, batches the active distribution cannot split evenly.

    Every batch is split across `num_devices` devices (`batch_devices()` by default): a
    global `batch_size` that is not a multiple of it, or in-memory data whose last, smaller
    batch (`len(x) % batch_size` examples) is not, gives a `ValueError` naming the argument
    and the value. Without it, JAX fails with a raw sharding error ("... implies that array
    axis 0 is partitioned 2 times, but the dimension size is 1") after training the full
    batches, and under `tf.distribute` a replica gets no example and the losses turn NaN.
    Data whose length is unknown here (a `tf.data.Dataset`, a generator) is not checked.
    A `ganzoo.resume.ShuffledBatches` is checked through its `batch_size` and `num_examples`.

    Args:
        x: what `fit` received: arrays, a structure of arrays, or a dataset.
        batch_size: int or None. `fit`'s `batch_size` (Keras' default 32 for arrays when
            None).
        num_devices: int or None. Devices a batch is split across. Defaults to None:
            `batch_devices()`.

    Raises:
        ValueError: a batch that does not split evenly.

    Example:
    ```python
    with data_parallel(2, batch_size=4):
        check_even_batches(np.zeros((6, 2)), 4)   # 4 + 2: fine
        check_even_batches(np.zeros((5, 2)), 4)   # 4 + 1: ValueError naming x and whole_shares
    ```
    """
    n = batch_devices() if num_devices is None else num_devices
    if n <= 1:
        return
    examples = _num_examples(x)
    if examples is None and hasattr(x, "num_examples") and hasattr(x, "batch_size"):
        examples, batch_size = int(x.num_examples), int(x.batch_size)  # ShuffledBatches
        what = f"x ({type(x).__name__}) with batch_size={batch_size}"
        data = f"x ({type(x).__name__}) with {examples} examples"
    elif examples is None:
        return
    else:
        batch_size = 32 if batch_size is None else batch_size
        what, data = f"batch_size={batch_size}", f"x with {examples} examples"
    if batch_size % n:
        raise ValueError(
            f"Under a distribution every batch is split evenly across its {n} devices: the global batch "
            f"size must be a multiple of {n}. Received: {what}"
        )
    last = examples % batch_size
    if last % n:
        raise ValueError(
            f"The last batch of each epoch holds {examples} % {batch_size} = {last} examples, which do not "
            f"split evenly across the {n} devices of the active distribution. Cut the data to a multiple of "
            f"{n} examples with `ganzoo.backend.distribution.whole_shares(x, {n})` (at most {n - 1} left out), "
            f"or choose a batch size that divides it. Received: {data}"
        )



def _batch_norm_layers(model):
    return [layer for layer in model._flatten_layers(include_self=False)
            if isinstance(layer, keras.layers.BatchNormalization)]


def synchronize_batch_norm(model, synchronized=True):
    """Make every BatchNorm layer of `model` use the global batch's statistics under `tf.distribute`.

    Keras' BatchNorm normalizes each `MirroredStrategy` replica's share with that share's
    mean and variance (`synchronized=False`), so a BatchNorm model trained on N replicas is
    not one device's run. With `synchronized=True` (Keras' own option, TensorFlow only)
    each layer all-reduces the sums of its inputs and of their squares across the replicas
    and normalizes with the global batch's statistics: the moving averages and the
    gradients are then those of one device with the global batch (tested:
    tests/test_distribution_more.py). Every layer costs two all-reduces per call. The
    flag is read at each call, so this works on a built model (call it inside the
    strategy's scope, before `fit`). It is saved in the layers' configs: a `.keras` file
    written with it loads only on TensorFlow (Keras refuses `synchronized=True` elsewhere),
    so call `synchronize_batch_norm(model, False)` before saving a model meant for other
    backends. On JAX nothing is needed (the step is one global program) and on one device
    it changes nothing.

    Args:
        model: keras.Model. A ganzoo model (every network of it) or one network.
        synchronized: bool. `True`: global statistics; `False`: per replica (Keras'
            default). Defaults to True.

    Returns:
        int. The number of BatchNorm layers switched.

    Raises:
        ValueError: `synchronized=True` on a backend other than TensorFlow.

    Example:
    ```python
    with data_parallel(2, batch_size=64):
        gan = ganzoo.get("dcgan", image_shape=(32, 32, 1))
        synchronize_batch_norm(gan)
        gan.fit(x, batch_size=64)
    ```
    """
    if synchronized not in (True, False):
        raise ValueError(f"`synchronized` must be True or False. Received: synchronized={synchronized!r}")
    if synchronized and _BACKEND != "tensorflow":
        raise ValueError(
            "Synchronized BatchNorm is Keras' tf.distribute option (on JAX, statistics are already those "
            f"of the global batch). Received: synchronized=True on the {_BACKEND} backend"
        )
    layers = _batch_norm_layers(model)
    for layer in layers:
        layer.synchronized = synchronized
    return len(layers)
