"""The GAN families, one module each, and the registry their builders register into.

Importing this package imports the registry first, then every family module (each
registers its builders with `@register`), so `get`, `list_models` and Keras'
deserialization see every built-in model.
"""
from ganzoo.models import cgan, cyclegan, dcgan, pix2pix, progan, srgan, stylegan2, vanilla, wgan_gp
from ganzoo.models._registry import (
    get,
    get_builder,
    get_model_class,
    get_test_config,
    list_models,
    models_table,
    register,
    unregister,
    write_models_doc,
)

__all__ = [
    "cgan",
    "cyclegan",
    "dcgan",
    "get",
    "get_builder",
    "get_model_class",
    "get_test_config",
    "list_models",
    "models_table",
    "pix2pix",
    "progan",
    "register",
    "srgan",
    "stylegan2",
    "unregister",
    "vanilla",
    "wgan_gp",
    "write_models_doc",
]
