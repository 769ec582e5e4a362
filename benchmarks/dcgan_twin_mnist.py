"""A native PyTorch DCGAN beside ganzoo's `dcgan`: same networks, init, optimizer, data, updates.

Issue 17 item 6. `--impl torch` trains a plain PyTorch DCGAN written here (the
pytorch/examples `dcgan` training loop: one generator forward per step, D updated on the
real batch and the detached fakes, then G through the updated D on the same fakes, BCE with
logits, non-saturating G loss) with ganzoo `dcgan`'s networks at 32×32×1:

- G: 1×1 noise → ConvT 4×4 valid (4·filters) → 8×8 (2·filters) → 16×16 (filters) →
  ConvT to 1 channel + tanh; BatchNorm + ReLU after every hidden layer; no biases;
- D: Conv 4×4 s2 (filters, no BN) → (2·filters, BN) → (4·filters, BN), LeakyReLU 0.2,
  Conv 4×4 valid → one logit; no biases;
- init: conv weights N(0, 0.02), BatchNorm γ ~ N(1, 0.02), β = 0 (as `ganzoo.layers`);
  BatchNorm momentum 0.1 (Keras' 0.9), ε 1e-5;
- Adam(lr, β1, 0.999) with ε = 1e-7 (Keras' default; PyTorch's is 1e-8) for both.

`--impl ganzoo` trains `ganzoo.get("dcgan", ...)` through `fit` on the same batches
(`ganzoo.resume.ShuffledBatches`, as the command line). Both train on the 4,000 `mnist`
train digits padded to 32×32 for `--epochs` × 125 updates and are scored identically:
1,000 digits from numpy noise of seed 1 (generator in inference mode), the MNIST
classifier's confident fraction (≥ 0.9) and FCD against the 1,000 test digits. One JSON
line per seed (appended to `--jsonl`), with the process CPU seconds of training.

    KERAS_BACKEND=jax python benchmarks/dcgan_twin_mnist.py --impl torch --seeds 0 1 2 --lr 5e-4
"""
import argparse
import json
import os
import resource
import time

import numpy as np

from ganzoo.atomic import append_line


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def torch_networks(filters, latent_dim, channels=1):
    """ganzoo dcgan's 32×32 generator and discriminator, in PyTorch, with its init."""
    import torch
    from torch import nn

    def bn(c):
        return nn.BatchNorm2d(c, eps=1e-5, momentum=0.1)

    g = nn.Sequential(
        nn.ConvTranspose2d(latent_dim, 4 * filters, 4, 1, 0, bias=False), bn(4 * filters), nn.ReLU(),
        nn.ConvTranspose2d(4 * filters, 2 * filters, 4, 2, 1, bias=False), bn(2 * filters), nn.ReLU(),
        nn.ConvTranspose2d(2 * filters, filters, 4, 2, 1, bias=False), bn(filters), nn.ReLU(),
        nn.ConvTranspose2d(filters, channels, 4, 2, 1, bias=False), nn.Tanh(),
    )
    d = nn.Sequential(
        nn.Conv2d(channels, filters, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
        nn.Conv2d(filters, 2 * filters, 4, 2, 1, bias=False), bn(2 * filters), nn.LeakyReLU(0.2),
        nn.Conv2d(2 * filters, 4 * filters, 4, 2, 1, bias=False), bn(4 * filters), nn.LeakyReLU(0.2),
        nn.Conv2d(4 * filters, 1, 4, 1, 0, bias=False), nn.Flatten(),
    )
    for m in list(g.modules()) + list(d.modules()):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    with torch.no_grad():
        assert g(torch.zeros(2, latent_dim, 1, 1)).shape == (2, channels, 32, 32)
    return g, d


def train_torch(x, args, seed):
    """The native loop; returns a function `noise (n, latent) -> images NHWC numpy`."""
    import torch
    from torch.nn import functional as F

    torch.manual_seed(seed)
    g, d = torch_networks(args.filters, args.latent_dim)
    opt_d = torch.optim.Adam(d.parameters(), lr=args.lr, betas=(args.beta1, 0.999), eps=1e-7)
    opt_g = torch.optim.Adam(g.parameters(), lr=args.lr, betas=(args.beta1, 0.999), eps=1e-7)
    data = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    rng = np.random.default_rng(seed)
    n_batches = len(x) // args.batch_size
    for _ in range(args.epochs):
        order = torch.from_numpy(rng.permutation(len(x)))
        for i in range(n_batches):
            real = data[order[i * args.batch_size:(i + 1) * args.batch_size]]
            z = torch.randn(len(real), args.latent_dim, 1, 1)
            fake = g(z)
            opt_d.zero_grad(set_to_none=True)
            real_logits, fake_logits = d(real), d(fake.detach())
            d_loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                      + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
            d_loss.backward()
            opt_d.step()
            opt_g.zero_grad(set_to_none=True)
            out = d(fake)
            g_loss = F.binary_cross_entropy_with_logits(out, torch.ones_like(out))
            g_loss.backward()
            opt_g.step()
    g.eval()

    def generate(z):
        with torch.no_grad():
            return g(torch.from_numpy(z).reshape(len(z), -1, 1, 1)).numpy().transpose(0, 2, 3, 1)

    return generate, n_batches * args.epochs


def train_ganzoo(x, args, seed):
    import keras

    import ganzoo
    from ganzoo.resume import EpochSetter, ShuffledBatches

    keras.utils.set_random_seed(seed)
    gan = ganzoo.get("dcgan", image_shape=x.shape[1:], filters=args.filters, latent_dim=args.latent_dim,
                     learning_rate=args.lr, beta_1=args.beta1, seed=seed)
    data = ShuffledBatches(x, args.batch_size, seed=seed)
    gan.fit(data, epochs=args.epochs, shuffle=False, verbose=0, callbacks=[EpochSetter(data)])

    def generate(z):
        return gan.generator.predict(z, batch_size=256, verbose=0)

    return generate, len(data) * args.epochs


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--impl", choices=("torch", "ganzoo"), required=True)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--filters", type=int, default=16)
    p.add_argument("--latent-dim", type=int, default=100)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--beta1", type=float, default=0.5)
    p.add_argument("--epochs", type=int, default=35)
    p.add_argument("--num", type=int, default=1000)
    p.add_argument("--jsonl", default=None)
    args = p.parse_args()

    import keras

    import ganzoo
    from ganzoo import metrics

    clf = metrics.get_mnist_classifier()
    x_test = ganzoo.data.load("mnist", split="test", image_size=32, shuffle=False)
    for seed in args.seeds:
        x = ganzoo.data.load("mnist", image_size=32, seed=seed)
        c0, w0 = cpu_seconds(), time.time()
        generate, updates = (train_torch if args.impl == "torch" else train_ganzoo)(x, args, seed)
        train_cpu, train_wall = cpu_seconds() - c0, time.time() - w0
        z = np.random.default_rng(1).standard_normal((args.num, args.latent_dim)).astype("float32")
        fake = np.asarray(generate(z), dtype="float32")
        conf = metrics.mnist_confident_fraction(fake, clf)
        row = {"impl": args.impl, "seed": seed, "keras_backend": keras.config.backend(),
               **{k: getattr(args, k) for k in ("filters", "latent_dim", "batch_size", "lr", "beta1", "epochs")},
               "updates": updates, "train_cpu_s": round(train_cpu, 1), "train_wall_s": round(train_wall, 1),
               "load1": round(os.getloadavg()[0], 1),
               "confident": round(conf["confident_fraction"], 4),
               "per_class": [int(v) for v in conf["confident_per_class"]],
               "fcd": round(float(metrics.mnist_frechet_distance(fake, x_test, clf)), 2)}
        line = json.dumps(row)
        print(line, flush=True)
        if args.jsonl:
            append_line(args.jsonl, line)  # whole-or-absent (ganzoo.atomic)


if __name__ == "__main__":
    main()
