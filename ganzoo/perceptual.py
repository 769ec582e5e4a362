"""Perceptual (feature-space) losses: SRGAN's VGG19 content loss.

`vgg_content_loss(features, sr, hr)` is the mean squared difference of VGG19
`block5_conv4` feature maps (after the ReLU, the paper's φ5,4), each rescaled by 1/12.75
(Ledig et al. 2017). `vgg19_features(weights)` builds that feature extractor from
`keras.applications.VGG19`; weights come from Keras' cache or a file and are never
downloaded by tests or defaults unless the user asks for `"imagenet"` with a network.

Example:
    >>> features = vgg19_features("random")          # untrained: for tests only
    >>> loss = vgg_content_loss(features, sr, hr)    # sr, hr: (N, H, W, 3) in [-1, 1]
"""
import os

import keras
import numpy as np
from keras import ops

#: The file keras.applications.VGG19(include_top=False) caches (never downloaded here).
VGG19_NOTOP_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
#: The paper's rescaling of VGG feature maps: "a rescaling factor of ≈ 1/12.75".
VGG_FEATURE_SCALE = 1.0 / 12.75
_CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)


def default_vgg19_weights_path():
    """Where Keras caches the VGG19 no-top weights (`$KERAS_HOME` or `~/.keras`)."""
    home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return os.path.join(home, "models", VGG19_NOTOP_FILE)


def _vgg_unavailable(vgg_weights, why):
    return ValueError(
        f"The VGG19 content loss needs VGG19 ImageNet weights: {why}. Either connect once so that "
        "keras.applications.VGG19 can download and cache them, pass `vgg_weights='/path/to/"
        f"{VGG19_NOTOP_FILE}'`, or choose the pixel loss explicitly with `content_loss='mse'` "
        f"(the SRGAN-MSE variant of the paper). Received: vgg_weights={vgg_weights!r}"
    )


def vgg19_features(weights, channels=3):
    """VGG19 up to `block5_conv4` (after its ReLU), the paper's φ5,4.

    Args:
        weights: str. `"imagenet"` (`keras.applications.VGG19`'s weights, downloaded and
            cached by Keras on first use), a weights file path (`.h5` of
            `VGG19(include_top=False)`) or `"random"` (untrained, for tests only).
        channels: int. Channels of the images it will see. Defaults to 3.
    """
    try:
        vgg = keras.applications.VGG19(
            include_top=False, weights=None if weights == "random" else weights, input_shape=(None, None, 3)
        )
    except Exception as e:  # Keras' download failure is a bare Exception (keras.utils.get_file)
        if weights != "imagenet":
            raise
        raise _vgg_unavailable(None, f"they are not in the Keras cache ({default_vgg19_weights_path()}) "
                                     f"and could not be downloaded ({e})") from e
    vgg.trainable = False
    return keras.Model(vgg.input, vgg.get_layer("block5_conv4").output, name="vgg19_conv5_4")


def resolve_vgg_weights(vgg_weights):
    """What `vgg19_features` loads: `"imagenet"`, `"random"` or an existing file."""
    if vgg_weights in ("random", "imagenet"):
        return vgg_weights
    if vgg_weights is None:
        return "imagenet"  # keras.applications: from its cache, else downloaded once
    if isinstance(vgg_weights, (str, os.PathLike)) and os.path.isfile(vgg_weights):
        return os.fspath(vgg_weights)
    raise _vgg_unavailable(vgg_weights, "no file at the given path")


def _to_vgg_input(images):
    """[-1, 1] RGB (or gray) -> caffe-style VGG input: BGR, 0..255, mean subtracted."""
    x = (ops.cast(images, "float32") + 1.0) * 127.5
    if x.shape[-1] == 1:
        x = ops.concatenate([x, x, x], axis=-1)
    x = ops.flip(x, axis=-1)  # RGB -> BGR
    return x - ops.convert_to_tensor(np.array(_CAFFE_BGR_MEAN, dtype="float32"))


def vgg_content_loss(features, sr, hr):
    """MSE between rescaled VGG features of `sr` and `hr` (the paper's l_VGG/5.4)."""
    f_sr = ops.cast(features(_to_vgg_input(sr), training=False), "float32") * VGG_FEATURE_SCALE
    f_hr = ops.cast(features(_to_vgg_input(hr), training=False), "float32") * VGG_FEATURE_SCALE
    return ops.mean(ops.square(f_sr - ops.stop_gradient(f_hr)))
