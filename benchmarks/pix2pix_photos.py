"""Pix2Pix on photo deblurring: PSNR / SSIM on held-out photos.

Trains `ganzoo.get("pix2pix")` on `(blurred, sharp)` crops of six photos
(`ganzoo.data.embedded_pairs.load_photo_pairs("deblur")`) and, with the same U-Net,
optimizer and number of steps, an L1-only generator (the paper's "L1" ablation). On
crops of the two held-out photos (chelsea, flower) it reports PSNR and SSIM against
the sharp target for: the blurred input itself, the L1-only generator and pix2pix
(GAN + L1, λ = 100). Metrics are computed by scikit-image on RGB in [0, 1]
(`peak_signal_noise_ratio`, `structural_similarity` with `channel_axis=-1`). Writes a
PNG grid (input / L1 only / pix2pix / target) and prints one JSON object.

Run: KERAS_BACKEND=jax PYTHONPATH=. python benchmarks/pix2pix_photos.py --epochs 8
"""
import argparse
import json
import os
import time

import numpy as np


def _scores(pred, target):
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    p, t = (pred + 1) / 2, (target + 1) / 2
    psnr = [peak_signal_noise_ratio(ti, np.clip(pi, 0, 1), data_range=1.0) for pi, ti in zip(p, t)]
    ssim = [structural_similarity(ti, np.clip(pi, 0, 1), data_range=1.0, channel_axis=-1, win_size=7)
            for pi, ti in zip(p, t)]
    return {"psnr": round(float(np.mean(psnr)), 3), "ssim": round(float(np.mean(ssim)), 4)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--image-size", type=int, default=32)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--filters", type=int, default=32)
    p.add_argument("--num-crops", type=int, default=2048)
    p.add_argument("--blur-sigma", type=float, default=1.5)
    p.add_argument("--scale", type=int, default=None, help="Photo short side in units of --image-size.")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--images", default="docs/images")
    args = p.parse_args()

    import keras

    import ganzoo
    from ganzoo.data.embedded_pairs import load_photo_pairs
    from ganzoo.models.pix2pix import unet_generator
    from ganzoo.plotting import save_image_grid

    keras.utils.set_random_seed(args.seed)
    a, b = load_photo_pairs("deblur", "train", image_size=args.image_size, num_crops=args.num_crops,
                            scale=args.scale, blur_sigma=args.blur_sigma, seed=args.seed)
    a_test, b_test = load_photo_pairs("deblur", "test", image_size=args.image_size, scale=args.scale,
                                     blur_sigma=args.blur_sigma, seed=1)

    model = ganzoo.get("pix2pix", image_shape=a.shape[1:], filters=args.filters,
                       disc_filters=args.filters, seed=args.seed)
    start = time.time()
    hist = model.fit(a, b, batch_size=args.batch_size, epochs=args.epochs, verbose=2)
    pix_s = time.time() - start

    keras.utils.set_random_seed(args.seed)
    l1 = unet_generator(a.shape[1:], b.shape[-1], filters=args.filters, name="l1_only")
    l1.compile(optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5), loss="mae")
    start = time.time()
    l1.fit(a, b, batch_size=args.batch_size, epochs=args.epochs, verbose=2)
    l1_s = time.time() - start

    pred_pix = model.translate(a_test)
    pred_l1 = np.asarray(l1.predict(a_test, verbose=0, batch_size=64), "float32")
    result = {
        "backend": keras.config.backend(),
        "config": vars(args),
        "train_crops": len(a), "test_crops": len(a_test),
        "train_seconds": {"pix2pix": round(pix_s, 1), "l1_only": round(l1_s, 1)},
        "blurred_input": _scores(a_test, b_test),
        "l1_only": _scores(pred_l1, b_test),
        "pix2pix": _scores(pred_pix, b_test),
        "final_losses": {k: round(float(v[-1]), 4) for k, v in hist.history.items()},
    }
    n = 8
    save_image_grid(np.concatenate([a_test[:n], pred_l1[:n], pred_pix[:n], b_test[:n]]),
                    os.path.join(args.images, "pix2pix_deblur.png"), ncols=n,
                    title="blurred input / L1 only / pix2pix / sharp target (held-out photos)")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
