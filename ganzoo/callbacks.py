"""Keras callbacks for GAN training."""
import os

import keras
import numpy as np

from ganzoo import arguments, plotting
from ganzoo.backend import sync_state


class SampleGrid(keras.callbacks.Callback):
    """Write a grid of generated samples every `every` epochs: PNG files, TensorBoard, or both.

    The same noise (from `seed`) is used at every epoch, so the grids show how the
    generator's output for fixed inputs evolves. 2-D samples (the `ring`/`grid`
    mixtures) are drawn as a scatter plot. Models that translate or upscale images
    (`pix2pix`, `cyclegan`, `srgan`) have no noise to sample: give them fixed `inputs`
    (A images or LR images) and each grid row shows an input and what the model makes
    of it (`model.preview(inputs)`: input, translation, and CycleGAN's reconstruction).

    With `tensorboard_dir`, each grid is also written there as a TensorBoard image
    (tag `samples`, step = epoch, 1-based), next to what `keras.callbacks.TensorBoard`
    logs: give it the same folder (e.g. `"logs/samples"` beside Keras' `"logs/train"`)
    and TensorBoard's Images tab shows the grids over the epochs. TensorBoard images
    need TensorFlow and the `tensorboard` package, on every Keras backend.

    Args:
        out_dir: str or None. Folder for the PNG files (created if missing); `None`
            writes no PNG (then `tensorboard_dir` is needed).
        every: int. Epoch interval. Defaults to 1.
        num_samples: int. Images per grid (points per scatter: 20x this). Defaults to 64.
        seed: int. Seed of the fixed noise. Defaults to 0.
        filename: str. Format string with `{epoch}` (1-based). Defaults to
            `"samples_epoch{epoch:04d}.png"`.
        inputs: array or `None`. Fixed source images for image-to-image and
            super-resolution models (at most `num_samples` are used). Defaults to `None`.
        tensorboard_dir: str or None. TensorBoard log folder for the grids as images.
            Defaults to `None` (no TensorBoard images).

    Example:
    ```python
    gan = ganzoo.get("dcgan", image_shape=(16, 16, 1), filters=16)
    gan.fit(ganzoo.data.load("digits", image_size=16), batch_size=64, epochs=2,
            callbacks=[ganzoo.callbacks.SampleGrid("out/")])
    gan.fit(ganzoo.data.load("digits", image_size=16), batch_size=64, epochs=2,
            callbacks=[keras.callbacks.TensorBoard("logs"),
                       ganzoo.callbacks.SampleGrid(None, tensorboard_dir="logs/samples")])
    ```
    """

    def __init__(self, out_dir, every=1, num_samples=64, seed=0, filename="samples_epoch{epoch:04d}.png",
                 inputs=None, tensorboard_dir=None):
        super().__init__()
        if out_dir is None and tensorboard_dir is None:
            raise ValueError(
                "SampleGrid writes PNG files to `out_dir`, TensorBoard images to `tensorboard_dir`, "
                "or both: pass at least one. Received: out_dir=None, tensorboard_dir=None"
            )
        every = arguments.positive_int("every", every)
        num_samples = arguments.positive_int("num_samples", num_samples)
        self.out_dir = None if out_dir is None else os.fspath(out_dir)
        self.tensorboard_dir = None if tensorboard_dir is None else os.fspath(tensorboard_dir)
        self._writer = None
        self.every = every
        self.num_samples = num_samples
        self.seed = seed
        self.filename = filename
        self.inputs = None if inputs is None else np.asarray(inputs, dtype="float32")[:num_samples]
        self.paths = []

    def on_train_begin(self, logs=None):
        # Fail now, not after the first epoch's training.
        if hasattr(self.model, "preview") and self.inputs is None:
            raise ValueError(
                f"SampleGrid needs fixed source images for a {type(self.model).__name__}, which has "
                "no noise to sample from: pass SampleGrid(..., inputs=images). Received: inputs=None"
            )
        if self.tensorboard_dir is not None and self._writer is None:
            from ganzoo.backend.tensorboard import ImageWriter

            self._writer = ImageWriter(self.tensorboard_dir)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            path = self.write(epoch + 1)
            if path is not None:
                self.paths.append(path)

    def write(self, epoch):
        """Write the grid for `epoch` now; return the PNG's path (`None` without `out_dir`)."""
        sync_state(self.model)  # JAX keeps the training state outside the variables
        title = f"{self.model.name} - epoch {epoch}"
        if hasattr(self.model, "preview"):
            images, ncols = self.model.preview(self.inputs)
            scatter = False
        else:
            images, ncols = self.model.generate(
                self.num_samples * (20 if _is_vector_model(self.model) else 1), seed=self.seed
            ), None
            scatter = images.ndim == 2 and images.shape[1] == 2
        if self.tensorboard_dir is not None:
            if self._writer is None:  # write() called outside fit
                from ganzoo.backend.tensorboard import ImageWriter

                self._writer = ImageWriter(self.tensorboard_dir)
            grid = plotting.scatter_image(images, title=title) if scatter else plotting.image_grid(images, ncols)
            self._writer.write("samples", grid, step=epoch, description=title)
        if self.out_dir is None:
            return None
        path = os.path.join(self.out_dir, self.filename.format(epoch=epoch))
        if scatter:
            return plotting.save_scatter(images, path, title=title)
        return plotting.save_image_grid(images, path, ncols=ncols, title=title)


def _is_vector_model(model):
    shape = getattr(model, "sample_shape", None)
    return shape is not None and len(shape) == 1




class PeriodicEvaluation(keras.callbacks.Callback):
    """Compute evaluation metrics every `every` epochs and log them into `fit`'s history.

    Each metric is a function `model -> float` (or a dict of floats, logged as
    `name_key`; or None, logged as nothing). The values are written into the epoch's `logs` in place, so callbacks
    placed after this one (`ModelCheckpoint(monitor=...)`, `EarlyStopping`, TensorBoard,
    CSVLogger) and `History` (which `fit` always runs last) see them. Epochs in between
    log nothing for these keys.

    Args:
        metrics: dict. `{name: fn(model)}`.
        every: int. Epoch interval. Defaults to 1.
        verbose: int. 1 prints the values when computed. Defaults to 0.

    Example:
    ```python
    gan = ganzoo.get("cgan", image_shape=(16, 16, 1))
    x, y = ganzoo.data.load("digits", image_size=16, labels=True)
    evaluation = ganzoo.callbacks.PeriodicEvaluation.digits(every=5)
    checkpoint = keras.callbacks.ModelCheckpoint("best.keras", monitor="fcd", mode="min",
                                                 save_best_only=True)
    history = gan.fit(x, y, batch_size=64, epochs=20, callbacks=[evaluation, checkpoint])
    history.history["fcd"]
    ```
    """

    def __init__(self, metrics, every=1, verbose=0):
        super().__init__()
        if not isinstance(metrics, dict) or not metrics:
            raise ValueError(
                "`metrics` must be a non-empty dict {name: fn(model)}. "
                f"Received: metrics={metrics!r}"
            )
        for name, fn in metrics.items():
            if not isinstance(name, str) or not callable(fn):
                raise ValueError(
                    "`metrics` must map names (str) to functions fn(model) -> float. "
                    f"Received: metrics[{name!r}]={fn!r}"
                )
        every = arguments.positive_int("every", every)
        self.metrics = dict(metrics)
        self.every = every
        self.verbose = verbose
        self.results = {}  # {epoch (1-based): {name: value}}
        self._before_evaluate = lambda: None  # the factories drop their shared draw here

    def evaluate(self):
        """Compute every metric on the model now and return `{name: float}`."""
        sync_state(self.model)  # JAX keeps the training state outside the variables
        self._before_evaluate()
        out = {}
        for name, fn in self.metrics.items():
            value = fn(self.model)
            if value is None:  # the metric does not apply to this model
                continue
            if isinstance(value, dict):
                for key, v in value.items():
                    out[f"{name}_{key}"] = float(v)
            else:
                out[name] = float(value)
        return out

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        values = self.evaluate()
        self.results[epoch + 1] = values
        if logs is not None:
            logs.update(values)  # in place: later callbacks and History read this dict
        if self.verbose:
            print(" - ".join(f"{k}: {v:.4g}" for k, v in values.items()))

    @classmethod
    def digits(cls, every=1, num_samples=500, classifier=None, seed=0, verbose=0):
        """Digits metrics of a model trained on `ganzoo.data.load("digits")`.

        Logs `fcd` (Fréchet classifier distance between `num_samples` generated images
        and the 297 real test digits) and, for conditional models (`data_kind ==
        "labeled"`), `class_accuracy` (the digits classifier's accuracy on generated
        images against the asked labels, cycling through the model's classes).

        Args:
            every: int. Epoch interval. Defaults to 1.
            num_samples: int. Generated images per evaluation. Defaults to 500.
            classifier: keras.Model or None. None uses `ganzoo.metrics.get_digits_classifier()`.
            seed: int. Seed of the generator noise (the same at every evaluation). Defaults to 0.
            verbose: int. Defaults to 0.
        """
        from ganzoo import metrics as metrics_lib

        return cls._classifier_metrics(
            "digits", every, num_samples, seed, verbose,
            get_classifier=lambda: classifier if classifier is not None else metrics_lib.get_digits_classifier(),
            fcd_fn=metrics_lib.frechet_classifier_distance,
            class_accuracy_fn=metrics_lib.digits_class_accuracy,
        )

    @classmethod
    def mnist(cls, every=1, num_samples=1000, classifier=None, seed=0, verbose=0):
        """MNIST metrics of a model trained on `ganzoo.data.load("mnist")` (28×28 or 32×32).

        Logs, on `num_samples` images generated from the same noise at every evaluation:

        - `fcd`: the Fréchet classifier distance to the 1,000 real test digits
          (`ganzoo.metrics.mnist_frechet_distance`; real vs real: about 2);
        - `confident`: the fraction the classifier recognises with max probability
          ≥ 0.9 (`ganzoo.metrics.mnist_confident_fraction`; real test digits: about 0.97);
        - `class_accuracy`, for conditional models (`data_kind == "labeled"`): the
          classifier's accuracy against the asked labels, cycling through the classes
          (`ganzoo.metrics.mnist_class_accuracy`).

        These are the numbers of docs/evaluation.md. The first call loads (or, once per
        machine, trains and caches) the offline MNIST classifier.

        Args:
            every: int. Epoch interval. Defaults to 1.
            num_samples: int. Generated images per evaluation. Defaults to 1000.
            classifier: keras.Model or None. None uses `ganzoo.metrics.get_mnist_classifier()`.
            seed: int. Seed of the generator noise (the same at every evaluation). Defaults to 0.
            verbose: int. 1 prints the values when computed. Defaults to 0.

        Example:
        ```python
        x = ganzoo.data.load("mnist", image_size=32)
        gan = ganzoo.get("dcgan", image_shape=(32, 32, 1), filters=16, learning_rate=1e-3)
        evaluation = ganzoo.callbacks.PeriodicEvaluation.mnist(every=5)
        history = gan.fit(x, batch_size=32, epochs=35, callbacks=[evaluation])
        history.history["confident"]  # one value per 5 epochs
        ```
        """
        from ganzoo import metrics as metrics_lib

        def get_classifier():
            return classifier if classifier is not None else metrics_lib.get_mnist_classifier()

        def confident(model, images):
            return metrics_lib.mnist_confident_fraction(images, get_classifier())["confident_fraction"]

        return cls._classifier_metrics(
            "mnist", every, num_samples, seed, verbose, get_classifier=get_classifier,
            fcd_fn=metrics_lib.mnist_frechet_distance,
            class_accuracy_fn=metrics_lib.mnist_class_accuracy, extra={"confident": confident},
        )

    @classmethod
    def _classifier_metrics(cls, dataset, every, num_samples, seed, verbose, get_classifier, fcd_fn,
                            class_accuracy_fn, extra=None):
        """fcd, class_accuracy (conditional models) and `extra` {name: fn(model, images)} on one draw."""
        from ganzoo import data as data_lib

        num_samples = arguments.positive_int("num_samples", num_samples)
        cache = {}

        def _setup(model):
            if "clf" not in cache:
                cache["clf"] = get_classifier()
                size = model.sample_shape[0]
                cache["real"] = data_lib.load(dataset, split="test", image_size=size, shuffle=False,
                                              channels=model.sample_shape[-1])
            return cache["clf"], cache["real"]

        def _generate(model):
            # One draw per evaluation, shared by every metric (dropped before each evaluation).
            if "images" not in cache:
                if getattr(model, "data_kind", None) == "labeled":
                    labels = (np.arange(num_samples) % model.num_classes).astype("int32")
                    cache["images"] = model.generate(num_samples, labels=labels, seed=seed), labels
                else:
                    cache["images"] = model.generate(num_samples, seed=seed), None
            return cache["images"]

        def fcd(model):
            clf, real = _setup(model)
            return fcd_fn(_generate(model)[0], real, clf)

        def class_accuracy(model):
            images, labels = _generate(model)
            if labels is None:
                return None  # unconditional model: nothing to log
            return class_accuracy_fn(images, labels, _setup(model)[0])["accuracy"]

        metrics = {"fcd": fcd, "class_accuracy": class_accuracy}
        for name, fn in (extra or {}).items():
            metrics[name] = lambda model, fn=fn: fn(model, _generate(model)[0])
        callback = cls(metrics, every=every, verbose=verbose)
        callback._before_evaluate = lambda: cache.pop("images", None)
        return callback


class CSVHistory(keras.callbacks.Callback):
    """The epoch logs as a CSV file, one row per epoch, rewritten atomically at each epoch end.

    Unlike `keras.callbacks.CSVLogger(append=True)`, a run killed and resumed (from a
    `ganzoo.resume.BackupAndRestore` backup) never leaves a duplicated or a half-written
    row: the first epoch a `fit` runs drops the rows of that epoch and later ones (written
    by the attempt that was killed; they are trained again), and every write goes to a
    temporary file moved over the old one with `os.replace`. Columns: `epoch` (0-based, as
    Keras counts), then every logged key in order of appearance (empty where an epoch did
    not log it).

    Args:
        path: str or path-like. The CSV file (its folder must exist).

    Example:
    ```python
    backup = ganzoo.resume.BackupAndRestore("runs/gan/backup")
    gan.fit(x, epochs=10, callbacks=[ganzoo.callbacks.CSVHistory("runs/gan/history.csv"), backup])
    ganzoo.callbacks.CSVHistory.read("runs/gan/history.csv")  # [{"epoch": 0, "d_loss": ...}, ...]
    ```
    """

    def __init__(self, path):
        super().__init__()
        self.path = os.fspath(path)
        self._started = False

    @staticmethod
    def read(path):
        """The rows of a history CSV as dicts (`epoch` an int, other values floats or `None`)."""
        import csv

        if not os.path.exists(path):
            return []
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        if not rows:
            return []
        header, out = rows[0], []
        for row in rows[1:]:
            if len(row) != len(header):
                continue  # a row cut short (a file from another writer): left out
            item = dict(zip(header, row))
            try:
                item = {k: (int(v) if k == "epoch" else (float(v) if v != "" else None)) for k, v in item.items()}
            except ValueError:
                continue
            out.append(item)
        return out

    def _write(self, rows):
        import csv

        keys = ["epoch"]
        for row in rows:
            keys += [k for k in row if k not in keys]
        tmp = self.path + ".tmp"
        with open(tmp, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(keys)
            for row in rows:
                writer.writerow(["" if row.get(k) is None else row[k] for k in keys])
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def on_train_begin(self, logs=None):
        self._started = False

    def on_epoch_begin(self, epoch, logs=None):
        if not self._started:  # the first epoch of this fit: earlier attempts' rows from here on go
            self._started = True
            rows = self.read(self.path)
            kept = [r for r in rows if r["epoch"] < epoch]
            if len(kept) != len(rows) or not os.path.exists(self.path):
                self._write(kept)

    def on_epoch_end(self, epoch, logs=None):
        rows = [r for r in self.read(self.path) if r["epoch"] < epoch]
        row = {"epoch": epoch}
        for k, v in (logs or {}).items():
            row[k] = float(keras.ops.convert_to_numpy(v)) if not isinstance(v, str) else v
        self._write(rows + [row])


__all__ = ["CSVHistory", "PeriodicEvaluation", "SampleGrid"]
