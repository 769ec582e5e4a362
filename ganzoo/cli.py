"""The `ganzoo` command line: list, train and sample models.

```
ganzoo list
ganzoo train dcgan --dataset digits --epochs 5 --out runs/dcgan --backend jax
ganzoo sample runs/dcgan/model.keras -n 64 --out samples.png
ganzoo translate cyclegan.keras --input photos/ --out translated/ --direction a_to_b
ganzoo upscale runs/srgan/model.keras --input photos/ --out photos_x4/
```
"""
import argparse
import ast
import importlib.util
import inspect
import json
import os
import sys

BACKENDS = ("tensorflow", "jax", "torch")


def _parser():
    p = argparse.ArgumentParser(prog="ganzoo", description="Train and sample GANs with Keras 3.")
    p.add_argument("--backend", choices=BACKENDS, default=None,
                   help="Keras backend (default: $KERAS_BACKEND or Keras' configured one).")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("list", help="List the registered models.")

    t = sub.add_parser("train", help="Train a registered model and write samples and .keras files.")
    t.add_argument("name", help="Registered model name (see `ganzoo list`).")
    t.add_argument("--dataset", default=None,
                   help="Embedded dataset, tfds name or folder; the choices depend on the model's "
                        "data kind (see docs/cli.md). Default: digits; pix2pix: photo_deblur; cyclegan: "
                        "digit_domains; srgan: photos.")
    t.add_argument("--epochs", type=int, default=5)
    t.add_argument("--batch-size", type=int, default=None,
                   help="Default: 64; 1 for pix2pix and cyclegan, 16 for srgan (the papers').")
    t.add_argument("--image-size", type=int, default=None,
                   help="Image side (digits default: 16; photo pairs: 32; srgan: the HR crop, 96).")
    t.add_argument("--steps-per-epoch", type=int, default=None,
                   help="Batches per epoch (srgan's random crops: default 100).")
    t.add_argument("--out", required=True, help="Output folder.")
    t.add_argument("--every", type=int, default=1, help="Write a sample grid every N epochs.")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--data-dir", default=None, help="tfds data_dir (tfds datasets only).")
    t.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="Builder argument, e.g. --set filters=32 (Python literal values).")
    t.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2), help="Keras fit verbosity.")
    t.add_argument("--resume", action=argparse.BooleanOptionalAction, default=None,
                   help="Continue from the backup in OUT/backup (default: yes when one exists); "
                        "--no-resume deletes it and starts over.")
    t.add_argument("--backup-every", type=int, default=None, metavar="N",
                   help="Back up the full training state every N batches (default: every epoch).")
    t.add_argument("--devices", type=int, default=1, metavar="N",
                   help="Train data-parallel on N devices (jax: keras.distribution, tensorflow: "
                        "tf.distribute; not torch); --batch-size is the global batch, split evenly.")

    s = sub.add_parser("sample", help="Write a PNG grid of samples from a saved model.")
    s.add_argument("model", help="A .keras file: a whole model saved by ganzoo, or its generator "
                                 "saved alone (e.g. the generator.keras that train writes).")
    s.add_argument("-n", "--num-samples", type=int, default=64)
    s.add_argument("--out", default=None,
                   help="PNG file to write. Default: MODEL_samples.png next to the model file.")
    s.add_argument("--seed", type=int, default=0)
    tr = sub.add_parser("translate", help="Translate a folder of images with a saved pix2pix/cyclegan model.")
    tr.add_argument("model", help="Path to a .keras file of a pix2pix or cyclegan model.")
    tr.add_argument("--input", required=True, help="Folder of input images.")
    tr.add_argument("--out", required=True, help="Folder for the translated PNG images.")
    tr.add_argument("--direction", default="a_to_b", choices=("a_to_b", "b_to_a"))
    tr.add_argument("--batch-size", type=int, default=16)
    u = sub.add_parser("upscale", help="Super-resolve a folder of images with a saved SRGAN/SRResNet.")
    u.add_argument("model", help="Path to a .keras file: an SRGAN or its generator saved alone.")
    u.add_argument("--input", required=True, help="Folder of images (PNG, JPEG, ...).")
    u.add_argument("--out", required=True, help="Folder for the upscaled PNG files.")
    u.add_argument("--tile", type=int, default=128,
                   help="LR tile side; bounds memory on large images (0: whole images). Default: 128.")
    u.add_argument("--overlap", type=int, default=None,
                   help="Context pixels around each tile (default: the receptive radius, exact).")
    for cmd in (t, s, tr, u):
        cmd.add_argument("--backend", choices=BACKENDS, default=argparse.SUPPRESS,
                         help="Keras backend (same as the global option).")
    return p


def _parse_overrides(items):
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"ganzoo: --set expects KEY=VALUE. Received: --set {item!r}")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value  # a bare string such as --set g_loss=minimax
    return out


def check_overrides(name, builder, overrides):
    """Refuse a `--set KEY=VALUE` whose KEY the builder of `name` does not take (one-line error).

    Args:
        name: str. The registered model name.
        builder: callable. Its builder.
        overrides: dict. The parsed `--set` values.

    Example:
    ```python
    check_overrides("dcgan", ganzoo.get_builder("dcgan"), {"filtres": 32})
    # ValueError: --set filtres=32: dcgan has no parameter 'filtres'. Did you mean: 'filters'? ...
    ```
    """
    from ganzoo import arguments

    params = list(inspect.signature(builder).parameters)
    for key, value in overrides.items():
        if key not in params:
            raise ValueError(
                f"--set {key}={value!r}: {name} has no parameter {key!r}.{arguments.close_matches(key, params)} "
                f"Its parameters: {', '.join(params)}. Received: --set {key}={value!r}"
            )


def sample_out_path(model_path, out):
    """The PNG file `ganzoo sample` writes: `--out` checked, normalized; no folder is created here.

    `--out` must name a `.png` file (its folder is created when the samples are written,
    normalized first so that `a/../b.png` creates no `a/`), or an existing folder, which
    receives `<model stem>_samples.png`. Default: `default_sample_path(model_path)`.

    Args:
        model_path: str. The model file given to `ganzoo sample`.
        out: str or `None`. The `--out` value.

    Example:
    ```python
    sample_out_path("runs/m.keras", "out/../grids/s.png")  # "grids/s.png"
    sample_out_path("runs/m.keras", "grids/s.txt")         # ValueError: --out must name a .png ...
    ```
    """
    if out is None:
        return default_sample_path(model_path)
    if os.path.isdir(out):
        return os.path.join(out, os.path.basename(default_sample_path(model_path)))
    if not os.fspath(out).lower().endswith(".png") or os.fspath(out).endswith(("/", os.sep)):
        raise ValueError(f"--out must name a .png file or an existing folder. Received: --out {out!r}")
    return os.path.normpath(out)


# Backends in the order the command line falls back to them when Keras' configured one is
# not installed: jax first (the fastest on CPU in docs/benchmarks.md), tensorflow last.
FALLBACK_ORDER = ("jax", "torch", "tensorflow")
#: Commands that load a saved model; they prefer the backend it was saved on.
MODEL_COMMANDS = ("sample", "translate", "upscale")


class BackendError(Exception):
    """No usable Keras backend: the message is printed as one `ganzoo: error:` line."""


def installed_backends():
    """The Keras backends whose package can be imported here, found without importing them.

    Example:
    ```python
    installed_backends()  # e.g. ["jax"] after `pip install -e ".[jax]"`
    ```
    """
    found = []
    for name in BACKENDS:
        modules = ("jax", "jaxlib") if name == "jax" else (name,)
        try:
            ok = all(importlib.util.find_spec(m) is not None for m in modules)
        except (ImportError, ValueError):  # a broken or blocked install counts as absent
            ok = False
        if ok:
            found.append(name)
    return found


def keras_config_path():
    """The `keras.json` Keras reads at import (`$KERAS_HOME`, else `~/.keras` or `/tmp/.keras`)."""
    if "KERAS_HOME" in os.environ:
        home = os.environ["KERAS_HOME"]
    else:
        base = os.path.expanduser("~")
        home = os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")
    return os.path.join(os.path.expanduser(home), "keras.json")


def configured_backend():
    """The backend `keras.json` names (Keras' own default, tensorflow, when there is none)."""
    try:
        with open(keras_config_path()) as f:
            return str(json.load(f).get("backend") or "tensorflow")
    except (OSError, ValueError, AttributeError):
        return "tensorflow"


def saved_backend(path):
    """The backend a `.keras` file was saved on, or `None`; read without importing Keras.

    From the archive's `metadata.json` (`"backend"`: every file ganzoo writes,
    `ganzoo.saving.record_backend`, networks saved alone included), else a whole ganzoo
    model's config (`AdversarialModel.get_config`); a network saved with plain `save` has none.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            metadata = json.loads(z.read("metadata.json")) if "metadata.json" in names else {}
            config = json.loads(z.read("config.json")) if "config.json" in names else {}
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, TypeError):
        return None
    value = metadata.get("backend") if isinstance(metadata, dict) else None
    if value not in BACKENDS and isinstance(config, dict):
        value = (config.get("config") or {}).get("backend")
    return value if value in BACKENDS else None


def _install_hint(name):
    return f'pip install "keras-ganzoo[{name}]" (from a checkout: pip install -e ".[{name}]")'


def choose_backend(args):
    """`(backend, note)`: the Keras backend this command runs on, and a line saying why.

    In order: `--backend`; `$KERAS_BACKEND`; for `sample`/`translate`/`upscale` the
    backend recorded in the saved model when it is installed; Keras' configured backend
    when it is installed; else the first installed of `FALLBACK_ORDER`, with a note.
    Raises `BackendError` when the asked backend, or every backend, is missing.
    """
    installed = installed_backends()
    asked = getattr(args, "backend", None)
    if asked is not None:
        if asked not in installed:
            raise BackendError(f"--backend {asked}: {asked} is not installed; {_install_hint(asked)}. "
                               f"Installed: {', '.join(installed) or 'none'}")
        return asked, None
    env = os.environ.get("KERAS_BACKEND")
    if env:
        if env in BACKENDS and env not in installed:
            raise BackendError(f"KERAS_BACKEND={env} but {env} is not installed; {_install_hint(env)}, "
                               f"or unset KERAS_BACKEND. Installed: {', '.join(installed) or 'none'}")
        return env, None
    if not installed:
        raise BackendError("no Keras backend is installed: ganzoo needs one of tensorflow, jax or torch; "
                           f"{_install_hint('jax')} (or [tensorflow], [torch])")
    configured = configured_backend()
    if args.command in MODEL_COMMANDS:
        recorded = saved_backend(args.model)
        if recorded in installed:
            note = None
            if recorded != configured:
                note = f"ganzoo: using the {recorded} backend that {args.model} was saved with"
            return recorded, note
    if configured in installed:
        return configured, None
    choice = next(b for b in FALLBACK_ORDER if b in installed)
    return choice, (f"ganzoo: Keras' configured backend {configured!r} ({keras_config_path()}) is not "
                    f"installed; using {choice!r} (choose with --backend or KERAS_BACKEND)")


def _ensure_backend(args):
    """Set `KERAS_BACKEND` before Keras is imported (Keras fixes its backend at import).

    When Keras is already imported (the command line called in-process) under another
    backend than `--backend` asks, re-run this command under the asked one.
    """
    if "keras" in sys.modules:
        asked = getattr(args, "backend", None)
        if asked is None or sys.modules["keras"].config.backend() == asked:
            return
        env = dict(os.environ, KERAS_BACKEND=asked)
        os.execvpe(sys.executable, [sys.executable, "-m", "ganzoo.cli", *sys.argv[1:]], env)
    backend, note = choose_backend(args)
    if note:
        print(note, file=sys.stderr)
    os.environ["KERAS_BACKEND"] = backend


def _builder_kwargs(params, info):
    """The builder arguments the training data decides (`TrainingData.info`), for this builder."""
    out = {k: v for k, v in info.items() if k in params and k not in ("image_shape", "data_shape")}
    shape = info.get("image_shape", info.get("data_shape"))
    if "image_shape" in params and len(shape) == 3:
        out["image_shape"] = shape
    elif "data_shape" in params:
        out["data_shape"] = shape
    elif "image_shape" in params:
        out["image_shape"] = shape
    return out


#: Written last, atomically, by a `ganzoo train` that finished: the settings it ran with.
DONE_FILE = "done.json"


def _train_settings(args, overrides):
    """What a `ganzoo train` run is: a rerun with the same values continues or finds it done."""
    return {"model": args.name, "--dataset": args.dataset, "--epochs": args.epochs,
            "--batch-size": args.batch_size, "--image-size": args.image_size,
            "--steps-per-epoch": args.steps_per_epoch, "--seed": args.seed, "--data-dir": args.data_dir,
            "--set": {k: repr(v) for k, v in sorted(overrides.items())}}


def _finished_run(args, settings):
    """True when OUT holds the finished run of these settings; an error for other settings."""
    path = os.path.join(args.out, DONE_FILE)
    if not os.path.exists(path):
        return False
    try:
        with open(path) as f:
            done = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"{path} cannot be read ({e}): delete it, or --no-resume to train again. "
                         f"Received: --out {args.out}") from e
    then = done.get("settings", {})
    for key in sorted(set(then) | set(settings)):
        if then.get(key) != json.loads(json.dumps(settings.get(key))):
            now = settings.get(key)
            raise ValueError(
                f"{args.out} holds a finished run with other settings ({key}: {then.get(key)!r} there, "
                f"{now!r} now): use another --out, or --no-resume to train again from scratch. "
                f"Received: {key} {now!r}"
            )
    return True


def _write_json_atomic(path, value):
    from ganzoo.atomic import write_atomic

    def write(tmp):
        with open(tmp, "w") as f:
            json.dump(value, f, indent=1)

    write_atomic(path, write)


def _backup_callback(args, settings=None):
    """`ganzoo.resume.BackupAndRestore` in OUT/backup, honouring --resume/--no-resume."""
    import shutil

    from ganzoo import resume

    backup_dir = os.path.join(args.out, "backup")
    if args.backup_every is not None and args.backup_every < 1:
        raise ValueError(f"--backup-every must be a positive int. Received: --backup-every {args.backup_every}")
    meta = resume.read_backup(backup_dir)
    if args.resume is False:
        if os.path.exists(backup_dir):
            shutil.rmtree(backup_dir)
            print(f"ganzoo: --no-resume: deleted the backup in {backup_dir}")
        for name in (DONE_FILE, "history.csv"):  # a new run: its own history
            if os.path.exists(os.path.join(args.out, name)):
                os.remove(os.path.join(args.out, name))
    elif meta is not None:
        print(f"ganzoo: resuming from the backup in {backup_dir} "
              f"(epoch {meta['epoch'] + 1}, after batch {meta['step']}, {meta['global_step']} batches done)")
    elif args.resume:
        print(f"ganzoo: --resume: no backup in {backup_dir}, starting from scratch")
    # --epochs may grow on a resume (fewer than the backup's epoch is refused by the backup).
    checked = {k: v for k, v in (settings or {}).items() if k != "--epochs"}
    # The backup is deleted by cmd_train once the final files are written, not by fit.
    return resume.BackupAndRestore(backup_dir, save_freq=args.backup_every or "epoch", double_checkpoint=True,
                                   delete_checkpoint=False, settings=checked)


def cmd_list(args):
    import keras

    import ganzoo

    print(f"ganzoo {ganzoo.__version__} on the {keras.config.backend()} backend")
    for name in ganzoo.list_models():
        doc = inspect.getdoc(ganzoo.get_builder(name)) or ""
        print(f"{name:12s} {doc.splitlines()[0] if doc else ''}")
    return 0


def cmd_train(args):
    import keras

    import shutil

    import ganzoo
    import ganzoo.data
    import ganzoo.models
    from ganzoo.callbacks import CSVHistory, SampleGrid
    from ganzoo.resume import ShuffledBatches
    from ganzoo.atomic import remove_stale_temporaries
    from ganzoo.saving import save_atomic

    builder = ganzoo.get_builder(args.name)  # unknown names fail here, before any work
    model_class = ganzoo.models.get_model_class(args.name)
    keras.utils.set_random_seed(args.seed)
    params = inspect.signature(builder).parameters
    if args.batch_size is None:
        args.batch_size = model_class.default_batch_size
    for flag, value in (("--batch-size", args.batch_size), ("--epochs", args.epochs),
                        ("--steps-per-epoch", args.steps_per_epoch), ("--image-size", args.image_size)):
        if value is not None and value < 1:
            raise ValueError(f"{flag} must be a positive int. Received: {flag} {value}")
    overrides = _parse_overrides(args.overrides)
    check_overrides(args.name, builder, overrides)
    settings = _train_settings(args, overrides)
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise ValueError(f"--out must be a folder, not an existing file. Received: --out {args.out}")
    if args.resume is not False and _finished_run(args, settings):
        shutil.rmtree(os.path.join(args.out, "backup"), ignore_errors=True)  # a kill while it was removed
        print(f"ganzoo: {args.out} already holds the finished run of this command ({args.name}, "
              f"{args.epochs} epochs; {os.path.join(args.out, DONE_FILE)}): nothing to train. "
              "--no-resume trains it again from scratch.")
        return 0
    scale = overrides.get("scale", params["scale"].default) if "scale" in params else None
    td = ganzoo.data.load_for_training(
        model_class.data_kind, args.dataset, image_size=args.image_size, batch_size=args.batch_size,
        steps_per_epoch=args.steps_per_epoch, seed=args.seed, data_dir=args.data_dir, scale=scale)
    args.dataset, data, preview = td.dataset, td.data, td.preview
    kwargs = _builder_kwargs(params, td.info)
    # The model's own schedule scaled to this run (CycleGAN: constant, then linear decay).
    kwargs.update({k: v for k, v in model_class.schedule_for_epochs(args.epochs).items() if k not in overrides})
    kwargs.update(overrides)
    if "seed" in params:
        kwargs.setdefault("seed", args.seed)
    model = ganzoo.get(args.name, **kwargs)
    os.makedirs(args.out, exist_ok=True)
    for folder in (args.out, os.path.join(args.out, "samples")):  # what a killed run's writers left
        remove_stale_temporaries(folder)
    print(f"ganzoo: training {args.name} on {args.dataset} with the {keras.config.backend()} backend "
          f"({model.count_params():,} parameters) -> {args.out}")
    grids = SampleGrid(os.path.join(args.out, "samples"), every=args.every, seed=args.seed,
                       num_samples=len(preview) if preview is not None else 64, inputs=preview)
    history_csv = os.path.join(args.out, "history.csv")
    backup = _backup_callback(args, settings)
    callbacks = [grids, CSVHistory(history_csv), backup]
    fit_kwargs = {"epochs": args.epochs, "callbacks": callbacks, "verbose": args.verbose}
    if not hasattr(data, "element_spec") and not isinstance(data, keras.utils.PyDataset):
        # In-memory arrays: reshuffled every epoch in an order that depends on (seed, epoch)
        # only, so that a killed and resumed run trains on the same batches as one never killed.
        if args.devices > 1:  # every batch, the last one of a pass too, splits evenly
            from ganzoo.backend.distribution import whole_shares

            data = whole_shares(data, args.devices)
        data = ShuffledBatches(data, args.batch_size, seed=args.seed, steps_per_epoch=args.steps_per_epoch)
    elif args.steps_per_epoch is not None and not isinstance(data, keras.utils.PyDataset):
        fit_kwargs["steps_per_epoch"] = args.steps_per_epoch
    # ShuffledBatches and CropPairs batch in a (seed, epoch) order: `AdversarialModel.fit`
    # keeps it (no Keras shuffle) and tells them the epoch (an `EpochSetter`).
    model.fit(data, **fit_kwargs)
    # The final files, each written whole (temp file + rename), then the record that the run
    # finished, and only then is the backup removed: a kill at any point leaves a backup or
    # the finished run, and a rerun completes it or says it is done.
    save_atomic(model, os.path.join(args.out, "model.keras"))
    first_net = getattr(model, model.network_names[0])
    save_atomic(first_net, os.path.join(args.out, f"{model.network_names[0]}.keras"))
    rows = CSVHistory.read(history_csv)
    keys = [k for k in dict.fromkeys(k for row in rows for k in row) if k != "epoch"]
    _write_json_atomic(os.path.join(args.out, "history.json"), {k: [row.get(k) for row in rows] for k in keys})
    _write_json_atomic(os.path.join(args.out, DONE_FILE),
                       {"settings": settings, "backend": keras.config.backend(),
                        "files": ["model.keras", f"{model.network_names[0]}.keras", "history.csv", "history.json"]})
    shutil.rmtree(backup.backup_dir, ignore_errors=True)
    print(f"ganzoo: wrote {len(grids.paths)} sample grids to {os.path.join(args.out, 'samples')}, "
          f"model.keras and {model.network_names[0]}.keras to {args.out}")
    return 0


def cmd_train_on_devices(args):
    """`ganzoo train`, on `--devices N`: the whole run inside `data_parallel(N)`'s scope."""
    if args.devices == 1:
        return cmd_train(args)
    import ganzoo
    import ganzoo.models
    from ganzoo.backend.distribution import data_parallel

    if args.devices < 1:
        raise ValueError(f"--devices must be a positive int. Received: --devices {args.devices}")
    ganzoo.get_builder(args.name)  # unknown names fail here, naming the name
    batch_size = args.batch_size
    if batch_size is None:
        batch_size = ganzoo.models.get_model_class(args.name).default_batch_size
    if batch_size > 0 and batch_size % args.devices:  # not positive: cmd_train says so
        raise ValueError(f"--batch-size is the global batch, split evenly across the devices: it must be a "
                         f"multiple of --devices {args.devices}. Received: --batch-size {batch_size}")
    with data_parallel(args.devices, batch_size=batch_size):  # more devices than exist: refused here
        return cmd_train(args)


def default_sample_path(model_path):
    """`ganzoo sample`'s default `--out`: `<model stem>_samples.png` next to the model file."""
    return os.path.splitext(os.fspath(model_path))[0] + "_samples.png"


def cmd_sample(args):
    import keras

    import ganzoo.saving
    from ganzoo import plotting
    from ganzoo.inference import generate_with

    if args.num_samples < 1:
        raise SystemExit(f"ganzoo: -n must be positive. Received: -n {args.num_samples}")
    out = sample_out_path(args.model, args.out)  # checked before the model loads
    # safe_mode, and ganzoo's classes registered (the package imports them lazily). A
    # generator saved alone (train writes generator.keras) is a plain keras.Model.
    model = ganzoo.saving.load_model(args.model, require_ganzoo=False)
    if hasattr(model, "generate"):
        samples = model.generate(args.num_samples, seed=args.seed)
    elif hasattr(model, "translate") or hasattr(model, "upscale"):
        command = "translate" if hasattr(model, "translate") else "upscale"
        raise ValueError(f"{args.model} holds a {type(model).__name__}, which maps images to images: use "
                         f"`ganzoo {command}`. Received: {args.model}")
    elif isinstance(model, keras.Model):
        samples = generate_with(model, args.num_samples, seed=args.seed)
    else:
        raise ValueError(f"{args.model} holds a {type(model).__name__}, which has no generate(). "
                         f"Received: {args.model}")
    folder = os.path.dirname(out)
    if folder:
        os.makedirs(folder, exist_ok=True)
    # plotting writes beside the final name, then renames: a kill never leaves half a PNG.
    if samples.ndim == 2 and samples.shape[1] == 2:
        plotting.save_scatter(samples, out)
    else:
        plotting.save_image_grid(samples, out)
    print(f"ganzoo: wrote {args.num_samples} samples to {out}")
    return 0


def cmd_translate(args):
    from ganzoo.inference import translate_folder

    # The input images are checked first, then the model file (ganzoo.load_model: a damaged
    # file is one line), before any image is translated.
    written = translate_folder(args.model, args.input, args.out, args.direction, args.batch_size)
    print(f"ganzoo: wrote {len(written)} translated images to {args.out}")
    return 0


def cmd_upscale(args):
    from ganzoo.inference import upscale_folder

    # The input images are checked first, then the model file (one line if damaged).
    paths = upscale_folder(args.model, args.input, args.out, tile=args.tile or None, overlap=args.overlap)
    print(f"ganzoo: wrote {len(paths)} upscaled images to {args.out}")
    return 0


COMMANDS = {"list": cmd_list, "train": cmd_train_on_devices, "sample": cmd_sample, "translate": cmd_translate,
            "upscale": cmd_upscale}


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        _ensure_backend(args)
    except BackendError as e:
        print(f"ganzoo: error: {e}", file=sys.stderr)
        return 2
    try:
        return COMMANDS[args.command](args)
    except (ValueError, FloatingPointError) as e:  # bad input or a NaN loss: one clear line
        print(f"ganzoo: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
