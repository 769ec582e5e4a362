"""SRResNet and SRGAN ×4 on the embedded photos: PSNR/SSIM (Y, border crop) vs bicubic.

Trains one `srgan` model on random 96×96 HR crops (bicubic 24×24 LR) of the 13 training
photos: `--warmup` MSE-only generator steps (SRResNet), evaluates, then `--adversarial`
SRGAN steps, evaluates again. Evaluation follows the paper: whole held-out photos
(`PHOTO_SPLITS["test"]`, cropped to a multiple of the scale), LR by bicubic
downsampling, PSNR and SSIM on the Y channel (ITU-R BT.601) after removing `scale`
pixels at every border. Prints one JSON object; writes a side-by-side PNG with --png.
With `--precise-bn N` both generators are also scored after re-estimating their
BatchNorm statistics on N fresh batches of training crops (`ganzoo.precise_bn.precise_batch_norm`).

    KERAS_BACKEND=jax python benchmarks/srgan_photos.py --warmup 6000 --adversarial 500 \
        --batch-size 16 --lr 5e-4 --lr-final 1e-5 --lr-adv 1e-4 --d-filters 16 --dense-units 128 \
        --channel-shuffle --precise-bn 200 --png docs/images/srgan_photos.png
"""
import argparse
import json
import os
import time

import numpy as np


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=int, default=4)
    p.add_argument("--hr-size", type=int, default=96)
    p.add_argument("--blocks", type=int, default=8)
    p.add_argument("--filters", type=int, default=32)
    p.add_argument("--d-filters", type=int, default=32)
    p.add_argument("--dense-units", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--warmup", type=int, default=3000, help="SRResNet (MSE) generator steps.")
    p.add_argument("--adversarial", type=int, default=1000, help="SRGAN steps after the warm-up.")
    p.add_argument("--lr", type=float, default=1e-4, help="Adam learning rate of the warm-up (paper: 1e-4).")
    p.add_argument("--lr-adv", type=float, default=1e-4, help="Adam learning rate of the SRGAN phase (paper: 1e-4).")
    p.add_argument("--lr-final", type=float, default=None,
                   help="Cosine-decay the warm-up learning rate from --lr to this over the warm-up "
                        "(default: constant --lr).")
    p.add_argument("--content-loss", default="mse", choices=("mse", "vgg54"))
    p.add_argument("--vgg-weights", default=None)
    p.add_argument("--steps-per-epoch", type=int, default=250)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--channel-shuffle", action="store_true",
                   help="Colour augmentation: permute each training crop's RGB channels at random.")
    p.add_argument("--rotate", action="store_true",
                   help="Geometric augmentation: rotate each training crop by a random multiple of 90 degrees.")
    p.add_argument("--eval-every", type=int, default=0,
                   help="Also score the generator on the held-out photos every this many warm-up steps "
                        "(a multiple of --steps-per-epoch); the curve goes into the JSON as warmup_curve.")
    p.add_argument("--precise-bn", type=int, default=0,
                   help="Also score both generators after ganzoo.precise_bn.precise_batch_norm over this many "
                        "fresh batches of training crops (0: off).")
    p.add_argument("--png", default=None, help="Write LR / bicubic / SRResNet / SRGAN / HR crops here.")
    p.add_argument("--save", default=None, help="Folder for srresnet.keras and srgan_generator.keras.")
    p.add_argument("--save-every", type=int, default=0,
                   help="Also save the generator as srresnet_<step>.keras every this many warm-up steps.")
    p.add_argument("--init", default=None,
                   help="Start the warm-up from this saved generator (.keras) instead of random weights, "
                        "e.g. to continue a finished run with a new schedule (SGDR-style warm restart).")
    p.add_argument("--evaluate", default=None,
                   help="Skip training: score srresnet.keras and srgan_generator.keras saved in this folder.")
    return p.parse_args()


def WarmupCosine(lr, lr_final, warmup, lr_adv):
    """Cosine decay from `lr` to `lr_final` over the warm-up steps, then constant `lr_adv`."""
    import keras

    class _WarmupCosine(keras.optimizers.schedules.LearningRateSchedule):
        def __init__(self):
            self.lr, self.lr_final, self.warmup, self.lr_adv = lr, lr_final, max(int(warmup), 1), lr_adv

        def __call__(self, step):
            t = keras.ops.minimum(keras.ops.cast(step, "float32") / self.warmup, 1.0)
            cos = self.lr_final + 0.5 * (self.lr - self.lr_final) * (1.0 + keras.ops.cos(np.pi * t))
            return keras.ops.where(keras.ops.cast(step, "float32") < self.warmup, cos, self.lr_adv)

        def get_config(self):
            return {}

    return _WarmupCosine()


def quantize(images):
    """Round [-1, 1] images to 8 bits and back: the images a user saves are what is scored."""
    u8 = np.clip(np.round((np.asarray(images, dtype="float64") + 1.0) * 127.5), 0, 255)
    return (u8 / 127.5 - 1.0).astype("float32")


def evaluate(name_to_sr, hr_images, scale):
    """The paper's protocol with ganzoo.metrics: Y channel (BT.601), `scale`-pixel border crop.

    Each value is cross-checked against scikit-image on the same Y images.
    """
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    from ganzoo.metrics import psnr, rgb_to_y, ssim

    out = {}
    for method, srs in name_to_sr.items():
        ps, ss, gap = [], [], 0.0
        for sr, hr in zip(srs, hr_images):
            sr, hr = quantize(sr)[None], quantize(hr)[None]
            p = float(psnr(sr, hr, y_channel=True, border=scale))
            ys, yh = rgb_to_y(sr), rgb_to_y(hr)
            q = float(ssim(ys, yh, data_range=1.0, border=scale))
            a, b = ys[0, scale:-scale, scale:-scale, 0], yh[0, scale:-scale, scale:-scale, 0]
            p_ref = peak_signal_noise_ratio(b, a, data_range=1.0)
            q_ref = structural_similarity(b, a, data_range=1.0, gaussian_weights=True, sigma=1.5,
                                          use_sample_covariance=False)
            gap = max(gap, abs(p - p_ref), abs(q - q_ref))
            ps.append(p)
            ss.append(q)
        out[method] = {"psnr": float(np.mean(ps)), "ssim": float(np.mean(ss)),
                       "psnr_per_image": ps, "ssim_per_image": ss, "max_abs_diff_vs_skimage": gap}
    return out


def main():
    args = parse_args()
    import keras

    import ganzoo
    from ganzoo.data import super_resolution as sr_data

    keras.utils.set_random_seed(args.seed)
    scale = args.scale
    lr_size = args.hr_size // scale
    train = sr_data.load_photos("train")
    test = sr_data.load_photos("test")
    hr_test = [sr_data.to_unit_range(sr_data.modcrop(im, scale)) for im in test.values()]
    lr_test = [sr_data.to_unit_range(sr_data.bicubic_downsample(sr_data.modcrop(im, scale), scale))
               for im in test.values()]
    bicubic = [sr_data.bicubic_upsample(x[None], scale)[0] for x in lr_test]
    if args.evaluate:
        from ganzoo.models.srgan import upscale_with

        gens = [keras.saving.load_model(os.path.join(args.evaluate, f), compile=False)
                for f in ("srresnet.keras", "srgan_generator.keras")]
        srresnet, srgan = ([upscale_with(g, x, scale=scale, tile=64) for x in lr_test] for g in gens)
        result = {"backend": keras.config.backend(), "evaluated": args.evaluate, "scale": scale,
                  "test_photos": list(test), "generator_params": gens[0].count_params()}
        extra = {}
        if args.precise_bn:
            for name, g in zip(("srresnet", "srgan"), gens):
                extra[name + "_precise_bn"] = precise_bn_outputs(g, train, lr_test, args)
        finish(result, args, bicubic, srresnet, srgan, hr_test, lr_test, scale, extra)
        return
    data = sr_data.CropPairs(train, batch_size=args.batch_size, steps_per_epoch=args.steps_per_epoch,
                             hr_size=args.hr_size, scale=scale, seed=args.seed, channel_shuffle=args.channel_shuffle,
                             rotate=args.rotate)

    model = ganzoo.get("srgan", lr_size=lr_size, scale=scale, num_blocks=args.blocks, filters=args.filters,
                       d_filters=args.d_filters, dense_units=args.dense_units, content_loss=args.content_loss,
                       vgg_weights=args.vgg_weights, warmup_steps=args.warmup, seed=args.seed)
    if args.init:
        model.generator.set_weights(keras.saving.load_model(args.init, compile=False).get_weights())
    g_lr = args.lr if args.lr_final is None else WarmupCosine(args.lr, args.lr_final, args.warmup, args.lr_adv)
    model.compile(d_optimizer=keras.optimizers.Adam(args.lr, beta_1=0.9),
                  g_optimizer=keras.optimizers.Adam(g_lr, beta_1=0.9))
    result = {
        "backend": keras.config.backend(), "metrics": "ganzoo.metrics (checked against skimage)", "scale": scale,
        "test_photos": list(test), "train_photos": list(train),
        "config": {k: getattr(args, k) for k in ("hr_size", "blocks", "filters", "d_filters", "dense_units",
                                                  "batch_size", "warmup", "adversarial", "lr", "lr_adv",
                                                  "lr_final", "content_loss", "steps_per_epoch", "seed", "channel_shuffle",
                                                  "rotate", "precise_bn")},
        "generator_params": model.generator.count_params(),
        "init": args.init,
    }

    class Checkpoints(keras.callbacks.Callback):
        # Generator snapshots during the warm-up, to see how PSNR moves with training.
        def on_epoch_end(self, epoch, logs=None):
            from ganzoo.backend import sync_state

            sync_state(model)
            step = int(keras.ops.convert_to_numpy(model.g_optimizer.iterations))
            if args.save and args.save_every and step <= args.warmup and step % args.save_every == 0:
                model.generator.save(os.path.join(args.save, f"srresnet_{step}.keras"))
            if args.eval_every and step <= args.warmup and step % args.eval_every == 0:
                scores = evaluate({"srresnet": [model.upscale(x, tile=64) for x in lr_test]}, hr_test, scale)
                point = {"step": step, "psnr": round(scores["srresnet"]["psnr"], 3),
                         "psnr_per_image": [round(v, 3) for v in scores["srresnet"]["psnr_per_image"]]}
                result.setdefault("warmup_curve", []).append(point)
                print("held-out", json.dumps(point), flush=True)

    if args.save:
        os.makedirs(args.save, exist_ok=True)

    def run_steps(steps):
        t0 = time.time()
        epochs, rest = divmod(steps, args.steps_per_epoch)
        hist = {}
        if epochs:
            h = model.fit(data, epochs=epochs, verbose=2, callbacks=[Checkpoints()])
            hist = h.history
        if rest:
            part = sr_data.CropPairs(train, batch_size=args.batch_size, steps_per_epoch=rest,
                                     hr_size=args.hr_size, scale=scale, seed=args.seed + 999,
                                     channel_shuffle=args.channel_shuffle, rotate=args.rotate)
            h = model.fit(part, epochs=1, verbose=2)
            hist = {k: hist.get(k, []) + v for k, v in h.history.items()}
        return time.time() - t0, hist

    t_warm, h_warm = run_steps(args.warmup)
    assert model.phase == "adversarial" or args.adversarial == 0
    srresnet = [model.upscale(x, tile=64) for x in lr_test]
    extra = {}
    if args.precise_bn:
        extra["srresnet_precise_bn"] = precise_bn_outputs(model.generator, train, lr_test, args)
    if args.save:
        os.makedirs(args.save, exist_ok=True)
        model.generator.save(os.path.join(args.save, "srresnet.keras"))
    # With --lr-final the generator's schedule already switches to --lr-adv after the warm-up.
    for opt in (model.d_optimizer,) if args.lr_final is not None else (model.g_optimizer, model.d_optimizer):
        opt.learning_rate.assign(args.lr_adv)
    t_adv, h_adv = run_steps(args.adversarial)
    srgan = [model.upscale(x, tile=64) for x in lr_test]
    if args.precise_bn:
        extra["srgan_precise_bn"] = precise_bn_outputs(model.generator, train, lr_test, args)
    if args.save:
        model.generator.save(os.path.join(args.save, "srgan_generator.keras"))

    result["seconds"] = {"warmup": round(t_warm, 1), "adversarial": round(t_adv, 1)}
    result["final_losses"] = {"warmup": {k: v[-1] for k, v in h_warm.items()},
                              "adversarial": {k: v[-1] for k, v in h_adv.items()}}
    finish(result, args, bicubic, srresnet, srgan, hr_test, lr_test, scale, extra)


def precise_bn_outputs(generator, train_photos, lr_test, args):
    """Upscale `lr_test` with a copy of `generator` whose BatchNorm statistics were re-estimated.

    The copy's moving statistics become the population statistics of `--precise-bn` fresh
    batches of training crops (`ganzoo.precise_bn.precise_batch_norm`); `generator` is untouched,
    so training continues exactly as without the flag.
    """
    import keras

    from ganzoo.data import super_resolution as sr_data
    from ganzoo.precise_bn import precise_batch_norm
    from ganzoo.models.srgan import upscale_with

    copy = keras.models.clone_model(generator)
    copy.set_weights(generator.get_weights())
    # A seed no training batch uses: crops of the training photos only, never the held-out ones.
    crops = sr_data.CropPairs(train_photos, batch_size=args.batch_size, steps_per_epoch=args.precise_bn,
                              hr_size=args.hr_size, scale=args.scale, seed=args.seed + 7919,
                              channel_shuffle=getattr(args, "channel_shuffle", False),
                              rotate=getattr(args, "rotate", False))
    precise_batch_norm(copy, crops)
    return [upscale_with(copy, x, scale=args.scale, tile=64) for x in lr_test]


def finish(result, args, bicubic, srresnet, srgan, hr_test, lr_test, scale, extra=None):
    extra = extra or {}
    result["results"] = evaluate({"bicubic": bicubic, "srresnet": srresnet, "srgan": srgan, **extra}, hr_test, scale)
    for name in ("srresnet", "srresnet_precise_bn"):
        if name in result["results"]:
            result[name + "_minus_bicubic_psnr"] = result["results"][name]["psnr"] - result["results"]["bicubic"]["psnr"]
    if args.png:
        # With --precise-bn the picture shows the recalibrated generators (the ones scored best).
        srresnet = extra.get("srresnet_precise_bn", srresnet)
        srgan = extra.get("srgan_precise_bn", srgan)
        save_side_by_side(args.png, lr_test[0], bicubic[0], srresnet[0], srgan[0], hr_test[0], scale)
        result["png"] = args.png
    print(json.dumps(result, indent=1))


def save_side_by_side(path, lr, bic, srres, srg, hr, scale, crop=128, y=None, x=None):
    """One row: LR (nearest-neighbour enlarged) / bicubic / SRResNet / SRGAN / HR crops."""
    from ganzoo import plotting

    plt = plotting._pyplot()
    h, w = hr.shape[:2]
    y = (h - crop) // 4 if y is None else y
    x = (w - crop) // 2 if x is None else x
    ly, lx, lc = y // scale, x // scale, crop // scale
    lr_big = np.repeat(np.repeat(lr[ly : ly + lc, lx : lx + lc], scale, 0), scale, 1)
    panels = [("LR (nearest)", lr_big), ("bicubic", bic), ("SRResNet", srres), ("SRGAN", srg), ("HR", hr)]
    fig, axes = plt.subplots(1, 5, figsize=(15, 3.4))
    for ax, (title, im) in zip(axes, panels):
        if im is not lr_big:
            im = im[y : y + crop, x : x + crop]
        ax.imshow(np.clip((im + 1) / 2, 0, 1))
        ax.set_title(title)
        ax.axis("off")
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
