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
- `replica_draw(draw, batch_size)`: what a model's step uses so that a TensorFlow replica,
  which runs the step on its own share of the batch, draws its own rows of the global
  batch's noise (without it every replica draws the same noise). On JAX, where the step is
  one global program split by the compiler, and on one device, it is a plain draw.

BatchNorm: on JAX the data-parallel step is one global program, so batch statistics are
those of the global batch (one device's result). Under `tf.distribute`, Keras' BatchNorm
normalizes each replica's share with its own statistics (`synchronized=False`, Keras'
default), so models with BatchNorm differ from a one-device run (docs/distribution.md).

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
    from ganzoo.backend.tensorflow import num_replicas, replica_draw
else:  # one global program on JAX; no distribution on torch
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
