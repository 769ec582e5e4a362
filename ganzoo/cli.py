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
    t.add_argument("--dataset", default="digits",
                   help="Embedded dataset (digits, ring, grid) or a tfds name. Default: digits.")
    t.add_argument("--epochs", type=int, default=5)
    t.add_argument("--batch-size", type=int, default=64)
    t.add_argument("--image-size", type=int, default=None,
                   help="Resize images to this power of two (digits default: 16).")
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

    s = sub.add_parser("sample", help="Write a PNG grid of samples from a saved model.")
    s.add_argument("model", help="Path to a .keras file saved by ganzoo.")
    s.add_argument("-n", "--num-samples", type=int, default=64)
    s.add_argument("--out", required=True, help="PNG file to write.")
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


def _ensure_backend(backend):
    """Keras fixes its backend at import: re-run this command under the asked backend."""
    if backend is None or os.environ.get("KERAS_BACKEND") == backend:
        return
    if "keras" in sys.modules and sys.modules["keras"].config.backend() == backend:
        return
    env = dict(os.environ, KERAS_BACKEND=backend)
    os.execvpe(sys.executable, [sys.executable, "-m", "ganzoo.cli", *sys.argv[1:]], env)


def _load_training_data(args, labels=False):
    import ganzoo.data

    if args.dataset in ("ring", "grid"):
        return ganzoo.data.load(args.dataset, seed=args.seed, labels=labels), {"data_shape": (2,)}
    image_size = args.image_size
    if image_size is None and args.dataset == "digits":
        image_size = 16
    if args.dataset in ganzoo.data.list_datasets():
        data = ganzoo.data.load(args.dataset, image_size=image_size, seed=args.seed, labels=labels)
        x = data[0] if labels else data
        return data, {"image_shape": tuple(int(d) for d in x.shape[1:])}
    ds = ganzoo.data.load(args.dataset, image_size=image_size, batch_size=args.batch_size,
                          seed=args.seed, data_dir=args.data_dir, labels=labels)
    spec = ds.element_spec[0] if labels else ds.element_spec
    shape = tuple(int(d) for d in spec.shape[1:])
    return ds, {"image_shape": shape}


def _shape_kwargs(builder, shape_kwargs):
    params = inspect.signature(builder).parameters
    out = {}
    shape = next(iter(shape_kwargs.values()))
    if "image_shape" in params and len(shape) == 3:
        out["image_shape"] = shape
    elif "data_shape" in params:
        out["data_shape"] = shape
    return out


def _backup_callback(args):
    """`ganzoo.resume.BackupAndRestore` in OUT/backup, honouring --resume/--no-resume."""
    import shutil

    from ganzoo import resume

    backup_dir = os.path.join(args.out, "backup")
    if args.backup_every is not None and args.backup_every < 1:
        raise ValueError(f"--backup-every must be a positive int. Received: --backup-every {args.backup_every}")
    meta = resume.read_backup(backup_dir)
    if args.resume is False and os.path.exists(backup_dir):
        shutil.rmtree(backup_dir)
        print(f"ganzoo: --no-resume: deleted the backup in {backup_dir}")
    elif meta is not None:
        print(f"ganzoo: resuming from the backup in {backup_dir} "
              f"(epoch {meta['epoch'] + 1}, after batch {meta['step']}, {meta['global_step']} batches done)")
    elif args.resume:
        print(f"ganzoo: --resume: no backup in {backup_dir}, starting from scratch")
    return resume.BackupAndRestore(backup_dir, save_freq=args.backup_every or "epoch")


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

    import ganzoo
    from ganzoo.callbacks import SampleGrid

    builder = ganzoo.get_builder(args.name)  # unknown names fail here, before any work
    keras.utils.set_random_seed(args.seed)
    # Conditional models (their builder takes `num_classes`) train on (images, labels).
    labeled = "num_classes" in inspect.signature(builder).parameters
    data, shape_kwargs = _load_training_data(args, labels=labeled)
    kwargs = _shape_kwargs(builder, shape_kwargs)
    if labeled and isinstance(data, tuple):  # numpy labels: the classes present
        kwargs["num_classes"] = int(data[1].max()) + 1
    kwargs.update(_parse_overrides(args.overrides))
    if "seed" in inspect.signature(builder).parameters:
        kwargs.setdefault("seed", args.seed)
    model = ganzoo.get(args.name, **kwargs)
    os.makedirs(args.out, exist_ok=True)
    print(f"ganzoo: training {args.name} on {args.dataset} with the {keras.config.backend()} backend "
          f"({model.count_params():,} parameters) -> {args.out}")
    grids = SampleGrid(os.path.join(args.out, "samples"), every=args.every, seed=args.seed)
    callbacks = [grids, keras.callbacks.CSVLogger(os.path.join(args.out, "history.csv"), append=True)]
    callbacks.insert(0, _backup_callback(args))
    fit_kwargs = {"epochs": args.epochs, "callbacks": callbacks, "verbose": args.verbose}
    if not hasattr(data, "element_spec"):  # numpy: fit batches and shuffles it
        fit_kwargs["batch_size"] = args.batch_size
    history = model.fit(data, **fit_kwargs)
    model.save(os.path.join(args.out, "model.keras"))
    first_net = getattr(model, model.network_names[0])
    first_net.save(os.path.join(args.out, f"{model.network_names[0]}.keras"))
    with open(os.path.join(args.out, "history.json"), "w") as f:
        json.dump({k: [float(v) for v in vals] for k, vals in history.history.items()}, f, indent=1)
    print(f"ganzoo: wrote {len(grids.paths)} sample grids to {os.path.join(args.out, 'samples')}, "
          f"model.keras and {model.network_names[0]}.keras to {args.out}")
    return 0


def cmd_sample(args):
    import keras

    import ganzoo.models  # noqa: F401  (registers ganzoo's classes for load_model)
    from ganzoo import plotting

    if args.num_samples < 1:
        raise SystemExit(f"ganzoo: -n must be positive. Received: -n {args.num_samples}")
    import ganzoo.saving

    # safe_mode, and ganzoo's classes registered (the package imports them lazily).
    model = ganzoo.saving.load_model(args.model, require_ganzoo=False)
    if not hasattr(model, "generate"):
        raise SystemExit(f"ganzoo: {args.model} holds a {type(model).__name__}, which has no generate().")
    samples = model.generate(args.num_samples, seed=args.seed)
    if samples.ndim == 2 and samples.shape[1] == 2:
        plotting.save_scatter(samples, args.out)
    else:
        plotting.save_image_grid(samples, args.out)
    print(f"ganzoo: wrote {args.num_samples} samples to {args.out}")
    return 0


def cmd_translate(args):
    from ganzoo.inference import translate_folder

    written = translate_folder(args.model, args.input, args.out, args.direction, args.batch_size)
    print(f"ganzoo: wrote {len(written)} translated images to {args.out}")
    return 0


def cmd_upscale(args):
    from ganzoo.inference import upscale_folder

    paths = upscale_folder(args.model, args.input, args.out, tile=args.tile or None, overlap=args.overlap)
    print(f"ganzoo: wrote {len(paths)} upscaled images to {args.out}")
    return 0


COMMANDS = {"list": cmd_list, "train": cmd_train, "sample": cmd_sample, "translate": cmd_translate,
            "upscale": cmd_upscale}


def main(argv=None):
    args = _parser().parse_args(argv)
    _ensure_backend(getattr(args, "backend", None))
    try:
        return COMMANDS[args.command](args)
    except (ValueError, FloatingPointError) as e:  # bad input or a NaN loss: one clear line
        print(f"ganzoo: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
