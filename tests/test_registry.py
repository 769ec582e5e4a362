"""The registry: names, close matches, filters, the generated models table."""
import pytest

import ganzoo


def test_registry_is_not_empty():
    assert {"gan", "dcgan"} <= set(ganzoo.list_models())


def test_unknown_model_lists_close_matches():
    with pytest.raises(ValueError, match=r"Did you mean: 'dcgan'.*Received: name='dcgna'"):
        ganzoo.get("dcgna")


def test_duplicate_registration_raises():
    with pytest.raises(ValueError, match="already registered.*'dcgan'"):
        ganzoo.register("dcgan")(lambda: None)


def test_list_models_filters():
    assert ganzoo.list_models(include="dc*") == ["dcgan"]
    assert "dcgan" not in ganzoo.list_models(exclude="dc*")
    assert ganzoo.get_builder("gan") is ganzoo.registry.get_builder("gan")


def test_models_doc_table_is_in_sync():
    import os

    path = os.path.join(os.path.dirname(__file__), "..", "docs", "models.md")
    with open(path) as f:
        text = f.read()
    assert ganzoo.registry.models_table() in text, "docs/models.md is stale: run `python -m ganzoo.registry`"


def test_an_unknown_builder_argument_is_named_with_a_close_match_and_its_value():
    with pytest.raises(TypeError, match=r"`stylegan2` has no builder argument 'ema_start_step'\. "
                                        r"Did you mean: 'ema_start'.*Received: ema_start_step=1$"):
        ganzoo.get("stylegan2", ema_start_step=1)
    with pytest.raises(TypeError, match=r"`dcgan` has no builder argument 'foo'.*Received: foo='x'"):
        ganzoo.get("dcgan", foo="x")
