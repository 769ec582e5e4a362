"""CPU seconds per cgan update and per classifier update of benchmarks/gan_augmentation.py.

What chose the backend for the issue 17 item 5 runs (docs/evaluation.md). On the k = 100
digits of seed 0: the cgan (filters 16, projection, Adam 1e-3, pac 2, batch 32) fitted for
20 updates (warm-up: the first fit traces/compiles), then for 150 more (`gan_per_update`
= the second fit's CPU-s / 150); the classifier (`train_classifier`, batch 128) built and
fitted for 10 and for 100 updates (`clf_per_update` = the difference / 90, each fit
compiling its own new model).

    KERAS_BACKEND=tensorflow python benchmarks/gan_augmentation_costs.py [JSONL]
    KERAS_BACKEND=jax python benchmarks/gan_augmentation_costs.py [JSONL]
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gan_augmentation import cpu_seconds, passes, stratified_subset, train_classifier  # noqa: E402


def main():
    import keras

    import ganzoo
    from ganzoo.atomic import append_line

    c00 = cpu_seconds()
    x_all, y_all = ganzoo.data.load("mnist", split="train", image_size=32, labels=True, shuffle=False)
    idx = stratified_subset(y_all, 100, 0)
    x_k, y_k = x_all[idx], y_all[idx].astype("int32")
    gan = ganzoo.get("cgan", image_shape=(32, 32, 1), num_classes=10, filters=16, seed=0,
                     learning_rate=1e-3, discriminator="projection", pac=2)
    out = {"backend": keras.config.backend()}
    for n in (20, 150):
        r = passes(n * 32, len(x_k), 0)
        c = cpu_seconds()
        gan.fit(x_k[r], y_k[r], batch_size=32, epochs=1, shuffle=False, verbose=0)
        out[f"gan_{n}"] = round(cpu_seconds() - c, 2)
    for n in (10, 100):
        c = cpu_seconds()
        train_classifier(x_k, y_k, n, 0)
        out[f"clf_{n}"] = round(cpu_seconds() - c, 2)
    out["gan_per_update"] = round(out["gan_150"] / 150, 4)
    out["clf_per_update"] = round((out["clf_100"] - out["clf_10"]) / 90, 4)
    out["total"] = round(cpu_seconds() - c00, 1)
    print(json.dumps(out))
    if len(sys.argv) > 1:
        append_line(sys.argv[1], json.dumps(out))


if __name__ == "__main__":
    main()
