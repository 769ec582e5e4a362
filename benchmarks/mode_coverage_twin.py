"""A native PyTorch twin of the PacGAN 2-D setup beside ganzoo's `GAN` (issue 18 item 4).

The same networks, init, optimiser, data and batches as `benchmarks/mode_coverage.py
--arch pacgan` (see its docstring): G 4 × [Linear(400, no bias), BatchNorm1d, ReLU] →
Linear(2); D 3 maxout layers of 200 units × 5 pieces and a linear logit, taking `pac`
packed samples; kernels N(0, 0.02), biases 0; BatchNorm ε 1e-4, moving averages updated by
0.05 of the batch statistics (PyTorch `momentum=0.05` is Keras `momentum=0.95`); Adam(1e-4,
(0.8, 0.999), ε 1e-8) in Keras' and Blocks' form, ε outside the bias correction (`hat_adam`;
`--impl torch_optim_adam` uses `torch.optim.Adam`, ε inside). The training loop is ganzoo `GAN`'s: one generator forward per step;
D on the real batch and the detached generated batch (logistic loss, each sample group
packed as `GAN.pack` packs it: `pac` consecutive samples side by side); then G through the
updated D on the same generated batch (non-saturating loss).

`--impl torch` trains the twin, `--impl ganzoo` trains `mode_coverage.pacgan_model` with
`fit`, and `--impl ganzoo_keras_defaults` the same with Keras' defaults (Glorot-uniform
kernels, BatchNorm momentum 0.99 and ε 1e-3, Adam ε 1e-7): the suspects of the per-step gap.
Both `ganzoo` and `torch` start from the same weights (ganzoo's initial weights for the seed,
copied into the twin by `copy_into_torch`) and read the same batches (the data of
`mode_coverage.py --arch pacgan` for the seed, in order); only the training noise differs.
Every `--every` steps the generator (inference mode: BatchNorm moving statistics) maps the
same 2,500 noise vectors (numpy, seed 1000 + seed, as `GAN.generate`) and they are scored
with `ganzoo.metrics.mode_coverage`. One JSON line per (impl, seed), with the curve and the
process CPU seconds of training, appended to `--jsonl`.

    KERAS_BACKEND=jax python benchmarks/mode_coverage_twin.py --impl ganzoo torch --seeds 0 1 2 \\
        --steps 3000 --every 500 --jsonl benchmarks/results/mode_coverage_twin.jsonl
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mode_coverage as mc


def torch_networks(pac=1, latent_dim=2, data_dim=2, g_units=400, g_layers=4, d_units=200, d_pieces=5, d_layers=3,
                   bn_momentum=0.05, bn_epsilon=1e-4, init_std=0.02):
    """PacGAN's 2-D generator and maxout discriminator in PyTorch, with N(0, init_std) init.

    Example:
    ```python
    g, d = torch_networks(pac=2)
    logits = d(g(torch.randn(8, 2)).reshape(4, 4))
    ```
    """
    import torch
    from torch import nn

    class Maxout(nn.Module):
        def __init__(self, fan_in):
            super().__init__()
            self.linear = nn.Linear(fan_in, d_units * d_pieces)

        def forward(self, x):
            return self.linear(x).view(-1, d_units, d_pieces).max(dim=-1).values

    g_mods, width = [], latent_dim
    for _ in range(g_layers):
        g_mods += [nn.Linear(width, g_units, bias=False), nn.BatchNorm1d(g_units, eps=bn_epsilon, momentum=bn_momentum),
                   nn.ReLU()]
        width = g_units
    g = nn.Sequential(*g_mods, nn.Linear(width, data_dim))
    d_mods, width = [], data_dim * pac
    for _ in range(d_layers):
        d_mods.append(Maxout(width))
        width = d_units
    d = nn.Sequential(*d_mods, nn.Linear(width, 1))
    with torch.no_grad():
        for m in list(g.modules()) + list(d.modules()):
            if isinstance(m, nn.Linear):
                m.weight.normal_(0.0, init_std)
                if m.bias is not None:
                    m.bias.zero_()
    return g, d


def copy_into_torch(keras_net, torch_net):
    """A Keras network's weights (BatchNorm statistics included) into its twin, layer by layer.

    Example:
    ```python
    copy_into_torch(model.generator, g)
    ```
    """
    import keras
    import torch
    from torch import nn

    keras_layers = [l for l in keras_net.layers if l.weights]
    torch_layers = [m for m in torch_net.modules() if isinstance(m, (nn.Linear, nn.BatchNorm1d))]
    if len(keras_layers) != len(torch_layers):
        raise ValueError(f"Layer counts differ. Received: {len(keras_layers)} Keras, {len(torch_layers)} torch")
    with torch.no_grad():
        for kl, tl in zip(keras_layers, torch_layers):
            w = [np.asarray(v) for v in kl.get_weights()]
            if isinstance(kl, keras.layers.BatchNormalization):
                for t, v in zip((tl.weight, tl.bias, tl.running_mean, tl.running_var), w):
                    t.copy_(torch.from_numpy(v))
            else:  # Dense kernel (in, out) -> Linear weight (out, in)
                tl.weight.copy_(torch.from_numpy(w[0].T.copy()))
                if len(w) > 1:
                    tl.bias.copy_(torch.from_numpy(w[1]))


def copy_into_keras(torch_net, keras_net):
    """The twin's weights (BatchNorm statistics included) into a Keras network of the same layout.

    Example:
    ```python
    copy_into_keras(g, model.generator)
    ```
    """
    import keras
    from torch import nn

    keras_layers = [l for l in keras_net.layers if l.weights]
    torch_layers = [m for m in torch_net.modules() if isinstance(m, (nn.Linear, nn.BatchNorm1d))]
    if len(keras_layers) != len(torch_layers):
        raise ValueError(f"Layer counts differ. Received: {len(keras_layers)} Keras, {len(torch_layers)} torch")
    for kl, tl in zip(keras_layers, torch_layers):
        if isinstance(kl, keras.layers.BatchNormalization):
            values = (tl.weight, tl.bias, tl.running_mean, tl.running_var)
        else:
            values = (tl.weight.T,) + ((tl.bias,) if tl.bias is not None else ())
        kl.set_weights([v.detach().numpy().copy() for v in values])


def pack(x, pac):
    """`(batch, d)` → `(batch / pac, pac · d)`: `pac` consecutive samples per row (`GAN.pack`)."""
    return x.reshape(-1, x.shape[-1] * pac)


def hat_adam(params, lr, betas, eps):
    """Adam with ε outside the bias correction ("ε̂" of Kingma & Ba §2), as Keras and Blocks.

    `θ -= lr · √(1 − β2ᵗ) / (1 − β1ᵗ) · m / (√v + ε)`; `torch.optim.Adam` instead divides by
    `√v̂ + ε` with `v̂ = v / (1 − β2ᵗ)`, i.e. its ε is this one's `ε · √(1 − β2ᵗ)` (at step 1
    about 1/32 of it for β2 = 0.999). Written here with torch tensors.

    Example:
    ```python
    opt = hat_adam(net.parameters(), 1e-4, (0.8, 0.999), 1e-8)
    ```
    """
    import torch

    class HatAdam(torch.optim.Optimizer):
        def __init__(self):
            super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

        @torch.no_grad()
        def step(self):
            for group in self.param_groups:
                b1, b2 = group["betas"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    st = self.state[p]
                    if not st:
                        st["t"], st["m"], st["v"] = 0, torch.zeros_like(p), torch.zeros_like(p)
                    st["t"] += 1
                    st["m"].mul_(b1).add_(p.grad, alpha=1 - b1)
                    st["v"].mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                    alpha = group["lr"] * (1 - b2 ** st["t"]) ** 0.5 / (1 - b1 ** st["t"])
                    p.sub_(alpha * st["m"] / (st["v"].sqrt() + group["eps"]))

    return HatAdam()


class TorchTwin:
    """The twin's training state: networks, Adam optimisers and the step of `GAN.adversarial_step`.

    `adam="hat"` (the default) is Keras' and the PacGAN reference's (Blocks) Adam, `hat_adam`;
    `adam="torch"` is `torch.optim.Adam` (ε inside the bias correction).
    """

    def __init__(self, pac, seed, learning_rate=1e-4, beta_1=0.8, adam_epsilon=1e-8, adam="hat", **network_kwargs):
        import torch

        # One thread: on the shared 2-core machine two intra-op threads spin (~13x the CPU
        # seconds per step measured under load); ganzoo's side is not limited.
        torch.set_num_threads(1)
        torch.manual_seed(seed)
        self.pac = pac
        self.g, self.d = torch_networks(pac=pac, **network_kwargs)
        if adam not in ("hat", "torch"):
            raise ValueError(f"`adam` must be 'hat' or 'torch'. Received: adam={adam!r}")
        make = hat_adam if adam == "hat" else (lambda p, lr, betas, eps: torch.optim.Adam(p, lr=lr, betas=betas, eps=eps))
        betas = (beta_1, 0.999)
        self.g_opt = make(self.g.parameters(), learning_rate, betas, adam_epsilon)
        self.d_opt = make(self.d.parameters(), learning_rate, betas, adam_epsilon)

    def step(self, real, z=None):
        """One training step on the real batch `real` (noise `z`, drawn when None); returns the losses."""
        import torch
        from torch.nn.functional import softplus

        self.g.train()
        fake = self.g(torch.randn(real.shape[0], 2) if z is None else z)
        d_loss = softplus(-self.d(pack(real, self.pac))).mean() + softplus(self.d(pack(fake.detach(), self.pac))).mean()
        self.d_opt.zero_grad()
        d_loss.backward()
        self.d_opt.step()
        g_loss = softplus(-self.d(pack(fake, self.pac))).mean()
        self.g_opt.zero_grad()
        g_loss.backward()
        self.g_opt.step()
        return float(d_loss.detach()), float(g_loss.detach())

    def generate(self, z):
        import torch

        self.g.eval()
        with torch.no_grad():
            return self.g(torch.from_numpy(z)).numpy()


def lockstep(model, twin, batches, noises):
    """Train ganzoo's `model` (by `fit`, one step per call) and `twin` on the same batches and noise.

    The model's noise is replaced by the given one (`model.sample_noise`), so the model must
    be compiled with `run_eagerly=True`. Returns the per-step losses `[(d, g), ...]` of each.

    Example:
    ```python
    ours, theirs = lockstep(model, twin, [x0, x1], [z0, z1])
    ```
    """
    import keras
    import torch

    state = {}
    model.sample_noise = lambda n: keras.ops.convert_to_tensor(state["z"])
    ours, theirs = [], []
    for real, z in zip(batches, noises):
        state["z"] = z
        logs = model.fit(real, batch_size=len(real), epochs=1, shuffle=False, verbose=0).history
        ours.append((logs["d_loss"][-1], logs["g_loss"][-1]))
        theirs.append(twin.step(torch.from_numpy(real), z=torch.from_numpy(z)))
    del model.sample_noise
    return ours, theirs


def run(impl, seed, dataset, pac, steps, every, batch_size=100, num_eval=2500):
    """Train one (impl, seed); return its curve of scores every `every` steps and CPU seconds."""
    import keras

    import ganzoo
    from ganzoo.data import MIXTURE_STD, grid_modes, ring_modes

    modes = ring_modes() if dataset == "ring" else grid_modes()
    std = MIXTURE_STD[dataset]
    keras.utils.set_random_seed(seed)
    pool = ganzoo.data.load(dataset, seed=seed, num_samples=mc.PACGAN_NUM_SAMPLES)
    rng = np.random.default_rng(seed)
    per_step = batch_size * pac
    if impl == "ganzoo_keras_defaults":
        model = mc.pacgan_model(pac, seed, adam_epsilon=1e-7, bn_momentum=0.99, bn_epsilon=1e-3, init_std=None)
    else:
        model = mc.pacgan_model(pac, seed)
    if impl.startswith("torch"):
        import torch

        twin = TorchTwin(pac, seed, adam="torch" if impl == "torch_optim_adam" else "hat")
        copy_into_torch(model.generator, twin.g)
        copy_into_torch(model.discriminator, twin.d)
    z_eval = np.random.default_rng(1000 + seed).standard_normal((num_eval, model.latent_dim)).astype("float32")
    curve, cpu, done = [], 0.0, 0
    while done < steps:
        epoch_steps = min(mc.PACGAN_EPOCH_STEPS, steps - done)
        data = mc.pacgan_epoch(pool, pac, batch_size, epoch_steps, rng)
        for start in range(0, epoch_steps, every):
            chunk = data[start * per_step:(start + min(every, epoch_steps - start)) * per_step]
            cpu0 = mc.cpu_seconds()
            if impl.startswith("torch"):
                t = torch.from_numpy(chunk)
                for i in range(len(chunk) // per_step):
                    twin.step(t[i * per_step:(i + 1) * per_step])
            else:
                model.fit(chunk, batch_size=per_step, epochs=1, shuffle=False, verbose=0)
            cpu += mc.cpu_seconds() - cpu0
            done += len(chunk) // per_step
            samples = twin.generate(z_eval) if impl.startswith("torch") else model.generate(num_eval, seed=1000 + seed)
            curve.append({"step": done, **mc.score(samples, modes, std)})
    return {"benchmark": "mode_coverage_twin", "impl": impl, "seed": seed, "dataset": dataset, "pac": pac,
            "steps": steps, "batch_size": batch_size, "backend": keras.config.backend(),
            "train_cpu_s": round(cpu, 1), "curve": curve}


def summarize(path):
    """Per impl and step: mean ± standard error over seeds of modes, % high quality, reverse KL.

    Example:
    ```python
    print(summarize("benchmarks/results/mode_coverage_twin.jsonl"))
    ```
    """
    with open(path) as f:
        runs = [json.loads(line) for line in f if line.strip()]
    header = ("| impl | seeds | step | modes | % high quality | reverse KL | median distance to a mode (σ) "
              "| train CPU s / 1,000 steps |")
    lines = [header, "|---|---|---|---|---|---|---|---|"]
    for impl in dict.fromkeys(r["impl"] for r in runs):
        mine = [r for r in runs if r["impl"] == impl]
        cpu = np.mean([r["train_cpu_s"] / r["steps"] * 1000 for r in mine])
        for i, point in enumerate(mine[0]["curve"]):
            cols = []
            for key in ("modes", "high_quality_pct", "reverse_kl", "median_dist_std"):
                s = mc.summary([r["curve"][i][key] for r in mine])
                cols.append(f"{s['mean']:.2f} ± {s['se']:.2f}")
            lines.append(f"| {impl} | {len(mine)} | {point['step']} | " + " | ".join(cols) + f" | {cpu:.0f} |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--summarize", default=None, help="print the table of a --jsonl file and exit")
    p.add_argument("--impl", nargs="+", choices=("ganzoo", "torch", "torch_optim_adam", "ganzoo_keras_defaults"),
                   default=["ganzoo", "torch"])
    p.add_argument("--dataset", choices=("ring", "grid"), default="grid")
    p.add_argument("--pac", type=int, default=1)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--every", type=int, default=500)
    p.add_argument("--jsonl", default=None)
    args = p.parse_args()
    if args.summarize:
        print(summarize(args.summarize))
        return
    for name, value in (("--pac", args.pac), ("--steps", args.steps), ("--every", args.every)):
        if value < 1:
            p.error(f"{name} must be >= 1. Received: {name} {value}")
    for seed in args.seeds:  # seed-major: an interrupted run still has both impls of its first seeds
        for impl in args.impl:
            line = json.dumps(run(impl, seed, args.dataset, args.pac, args.steps, args.every))
            print(line, flush=True)
            if args.jsonl:
                mc._append_atomic(args.jsonl, line + "\n")


if __name__ == "__main__":
    main()
