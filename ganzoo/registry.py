"""The model registry's public names (it lives in `ganzoo.models._registry`).

Kept as a module so that `ganzoo.registry.get_test_config` and `python -m ganzoo.registry`
(which rewrites the models table of docs/models.md) keep working.
"""
from ganzoo.models import (
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

__all__ = ["get", "get_builder", "get_model_class", "get_test_config", "list_models", "models_table", "register",
           "unregister", "write_models_doc"]

if __name__ == "__main__":  # python -m ganzoo.registry  (rewrites docs/models.md)
    write_models_doc()
