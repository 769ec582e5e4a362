"""Every registered model through the harness' generic checks, on the current backend.

A new `@ganzoo.register`ed model is covered here with no new test code: its builder's
`test_config` gives the tiny configuration (tests/harness.py has the checks).
"""
import keras
import pytest

import ganzoo
from tests import harness

# Under pytest-xdist (`-n 2 --dist loadgroup`), all checks of one model go to one worker,
# so each worker builds only the models it checks (see harness.shared_model).
MODELS = [pytest.param(n, marks=pytest.mark.xdist_group(n)) for n in ganzoo.list_models()]


@pytest.mark.parametrize("name", MODELS)
def test_fit_step_moves_every_network(name):
    harness.run_fit_step_test(harness.shared_model(name))


@pytest.mark.parametrize("name", MODELS)
def test_generate_shape_range_and_seed(name):
    harness.run_generate_test(harness.shared_model(name))


@pytest.mark.parametrize("name", MODELS)
def test_config_round_trip(name):
    harness.run_serialization_test(harness.shared_model(name))


@pytest.mark.parametrize("name", MODELS)
def test_keras_file_round_trip_and_training_continues(name, tmp_path):
    harness.run_saving_test(harness.shared_model(name), tmp_path)


@pytest.mark.parametrize("name", MODELS)
def test_first_network_saves_alone(name, tmp_path):
    harness.run_network_saving_test(harness.shared_model(name), tmp_path)


@pytest.mark.parametrize("name", MODELS)
def test_bad_input_refused_before_any_step(name):
    harness.run_bad_input_test(harness.shared_model(name))


# The resume check of the big models (three builds and traces each: 23-53 CPU-s on
# TensorFlow) is `heavy`: fast tier under torch, slow tier under TensorFlow and JAX. Their
# own fast tests resume them too (test_srgan_resume, test_cyclegan_fit_decays..., test_progan).
RESUME_HEAVY = {"pix2pix", "srgan", "cyclegan", "progan", "stylegan2"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=[pytest.mark.xdist_group(n)] + ([pytest.mark.heavy] if n in RESUME_HEAVY else []))
                                  for n in ganzoo.list_models()])
def test_interrupted_then_resumed_equals_uninterrupted(name, tmp_path):
    harness.run_resume_test(name, tmp_path)


# dcgan in the fast tier; the whole sweep (a compilation per model and policy) is slow.
@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
@pytest.mark.parametrize("name", [pytest.param(n, marks=[pytest.mark.xdist_group(n)] + ([] if n == "dcgan" else [pytest.mark.slow]))
                                  for n in ganzoo.list_models()])
def test_fit_under_mixed_precision(name, policy):
    keras.config.set_dtype_policy(policy)  # before building: layers take it at creation
    harness.run_fit_step_test(harness.shared_model(name), policy=policy)
