"""The model registry: `register`, `get`, `get_builder`, `list_models`.

It lives inside `ganzoo.models` (as torchvision's `models/_api.py` does): importing any of
it imports the `ganzoo.models` package first, whose `__init__` imports every family
module, so every built-in builder is registered before a name is looked up, with no
import from here back into the models.

A builder is a keyword-only function returning a built, compiled model with the paper's
defaults. `register` also records a tiny configuration (`test_config`) that the test
suite uses to train every registered model for one step, and the class the builder
returns (`model_class`), whose `data_kind` and `default_batch_size` tell `ganzoo train`
what data to load before anything is built.
"""
import fnmatch
import inspect

from ganzoo import arguments
from ganzoo.gan import GAN

_BUILDERS = {}
_TEST_CONFIGS = {}
_MODEL_CLASSES = {}


def register(name, *, test_config=None, model_class=None):
    """Register a model builder under `name`.

    Args:
        name: str. The registry name, e.g. `"dcgan"`.
        test_config: dict. Small keyword arguments for fast tests (tiny shapes/widths).
            Defaults to `{}`.
        model_class: class. The `AdversarialModel` subclass the builder returns; its
            `data_kind` decides what `ganzoo train` loads. Defaults to `ganzoo.GAN`
            (data kind `"samples"`).

    Example:
    ```python
    @ganzoo.register("my_gan", test_config={"latent_dim": 4}, model_class=ganzoo.GAN)
    def my_gan(*, latent_dim=64):
        ...
    ```
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"`name` must be a non-empty string. Received: name={name!r}")

    def decorator(fn):
        if name in _BUILDERS:
            raise ValueError(
                f"A model is already registered under this name. Received: name={name!r}"
            )
        _BUILDERS[name] = fn
        _TEST_CONFIGS[name] = dict(test_config or {})
        _MODEL_CLASSES[name] = model_class
        return fn

    return decorator


def unregister(name):
    """Remove the builder registered under `name` (for plugins and tests that register one).

    Example:
    ```python
    ganzoo.models.unregister("my_gan")
    ```
    """
    _check_name(name)
    for table in (_BUILDERS, _TEST_CONFIGS, _MODEL_CLASSES):
        table.pop(name, None)


def get_model_class(name):
    """The `AdversarialModel` subclass the builder `name` returns (`ganzoo.GAN` if not declared)."""
    _check_name(name)
    cls = _MODEL_CLASSES[name]
    return GAN if cls is None else cls


def _check_name(name):
    if name not in _BUILDERS:
        hint = arguments.close_matches(name, _BUILDERS)
        raise ValueError(
            f"Unknown model name.{hint} Available models: {', '.join(sorted(_BUILDERS))}. "
            f"Received: name={name!r}"
        )


def get_builder(name):
    """Return the builder function registered under `name`."""
    _check_name(name)
    return _BUILDERS[name]


def get(name, **kwargs):
    """Build the model registered under `name`, compiled with the paper's defaults.

    Args:
        name: str. A name from `list_models()`.
        **kwargs: passed to the builder (e.g. `image_shape=(32, 32, 1)`).

    Example:
    ```python
    gan = ganzoo.get("dcgan", image_shape=(32, 32, 1))
    ```
    """
    builder = get_builder(name)
    _check_kwargs(name, builder, kwargs)
    return builder(**kwargs)


def _check_kwargs(name, builder, kwargs):
    """A keyword the builder does not take: a TypeError naming it, a close match and the value."""
    params = inspect.signature(builder).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    accepted = [n for n, p in params.items() if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for key, value in kwargs.items():
        if key not in accepted:
            hint = arguments.close_matches(key, accepted)
            raise TypeError(
                f"`{name}` has no builder argument {key!r}.{hint} Its arguments: {', '.join(accepted)}. "
                f"Received: {key}={value!r}"
            )


def get_test_config(name):
    """The small configuration the test suite trains `name` with."""
    _check_name(name)
    return dict(_TEST_CONFIGS[name])


def list_models(include=None, exclude=None):
    """Sorted registered names, filtered by shell-style patterns.

    Args:
        include: str or list of str. Keep names matching any pattern. Defaults to all.
        exclude: str or list of str. Drop names matching any pattern. Defaults to none.
    """
    names = sorted(_BUILDERS)
    if include is not None:
        pats = [include] if isinstance(include, str) else list(include)
        names = [n for n in names if any(fnmatch.fnmatch(n, p) for p in pats)]
    if exclude is not None:
        pats = [exclude] if isinstance(exclude, str) else list(exclude)
        names = [n for n in names if not any(fnmatch.fnmatch(n, p) for p in pats)]
    return names


def models_table():
    """A markdown table of the registered models: name, summary, builder arguments.

    docs/models.md embeds it between `<!-- models-table -->` markers (a test keeps the
    two equal; regenerate with `python -m ganzoo.registry`).
    """
    rows = ["| name | what it is | builder arguments |", "|---|---|---|"]
    for name in list_models():
        builder = _BUILDERS[name]
        doc = (inspect.getdoc(builder) or "").splitlines()
        summary = doc[0] if doc else ""
        args = ", ".join(
            f"`{p.name}={p.default!r}`" for p in inspect.signature(builder).parameters.values()
            if p.default is not inspect.Parameter.empty
        )
        rows.append(f"| [`{name}`](models/{name}.md) | {summary} | {args} |")
    return "\n".join(rows) + "\n"


def write_models_doc(path="docs/models.md"):
    """Replace the table between the `<!-- models-table -->` markers of `path`."""
    marker = "<!-- models-table -->"
    with open(path) as f:
        text = f.read()
    head, _, rest = text.partition(marker)
    _, _, tail = rest.partition(marker)
    with open(path, "w") as f:
        f.write(head + marker + "\n" + models_table() + marker + tail)
