"""DCGAN training throughput: ganzoo `dcgan` through `model.fit` vs native PyTorch.

One invocation measures, side by side, ganzoo's `dcgan` trained with `model.fit` on
each requested Keras backend and a native PyTorch eager DCGAN written below with the
same networks, loss and optimiser (pytorch/examples `dcgan/main.py`: nz=100,
ngf=ndf=64, BCE-with-logits, Adam(2e-4, β1=0.5), one generator forward per step
reused for the generator update).

How the ratio is measured. Each runner (one per Keras backend, since `KERAS_BACKEND`
is fixed at import, plus the native peer) is a long-lived subprocess that builds its
model, trains `--warmup` steps (compilation included, not timed) and then waits.
The parent then asks the runners in turn, round-robin, to train `--steps` steps and
report the wall time and the runner process's CPU time (`time.process_time`: user +
system time of all its threads, so a framework's thread pool is counted in full; each
runner is its own process, so that time is its alone); it repeats that `--repeats`
times. Only one runner works at a time, so they never compete for the device, and
slow drifts of a shared machine hit every runner alike. Each result is the median over
the repeats. Two ratios come from the same invocation: `ratio_to_peer`, ganzoo's
median steps/s over the peer's (wall clock), and `cpu_work_ratio_to_peer`, the peer's
median CPU-seconds per step over ganzoo's (CPU work; > 1 means ganzoo needs less).

A busy machine. The 1-minute load average is read before the runners start and
before and after every round; when it exceeds the core count (`os.cpu_count()`) the
rows carry a `load_warning` and a warning goes to stderr: such rows are not for
publication (an oversubscribed 2-thread PyTorch spins at OpenMP barriers and can
lose 2-3x, which no ratio corrects). Every runner reports its thread settings. On
the CPU the peer runs at 1 thread and at `os.cpu_count()` threads side by side
(`--peer-threads auto`); the faster by wall clock is "the peer" of the ratios, and
the choice is printed. `cpu_work_ratio_to_leanest_peer` compares with whichever peer
setting used the least CPU per step (the strictest CPU-work figure).

Data stays resident: every step trains on the same device-resident batch of random
images in [-1, 1] (a generator yielding one backend tensor for Keras; one tensor for
the peer), so no input pipeline is measured.

Model FLOPs utilisation (MFU). With F_G and F_D the forward FLOPs of one sample
through the generator and the discriminator (2 × multiply-adds of every convolution
and transposed convolution; BatchNorm and activations ignored), and F_G1, F_D1 those
of their first layers, one training iteration costs

    FLOPs/sample = 3 F_G + 9 F_D - 2 F_D1 - F_G1

(D step: D forward and backward on the real and the fake batch, 2 × 3 F_D, less the
input gradient of D's first layer on both; G forward F_G; G step: D forward and
backward 3 F_D, G backward 2 F_G, less the input gradient of G's first layer). At
64×64, batch 128 that is 317.7 GFLOP, as PyTorch's FlopCounterMode counts for the
peer. A two-pass step that runs the generator forward twice does F_G more work; MFU
always counts the one-pass model FLOPs. MFU = FLOPs/iteration × steps/s / peak, with
the peak from `--peak-tflops` (on cuda it defaults to the H100 SXM dense peaks:
989.4 TFLOP/s for bf16/fp16 policies, 494.7 for float32 as TF32; on cpu MFU is null
unless a peak is given).

Examples:
    python benchmarks/dcgan_throughput.py --device cpu --batch-size 16 --steps 5
    python benchmarks/dcgan_throughput.py --device cuda --dtype float32,mixed_bfloat16
    python benchmarks/dcgan_throughput.py --device cuda --runners jax:float32,torch:float32 \
        --peer-dtype float32,mixed_bfloat16 --batch-size 128
"""
import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time

# Environment variables that set a framework's thread pools; every runner reports them.
THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
              "TF_NUM_INTEROP_THREADS", "XLA_FLAGS")

H100_PEAK_TFLOPS = {"float32": 494.7, "mixed_bfloat16": 989.4, "mixed_float16": 989.4}
DTYPES = ("float32", "mixed_bfloat16", "mixed_float16")
BACKENDS = ("jax", "tensorflow", "torch")


# ----------------------------------------------------------------------------- FLOPs
def _layer_flops(image_size, latent_dim=100, filters=64, channels=3):
    """Per-sample forward FLOPs of each conv layer of G and D (2 × multiply-adds)."""
    n = int(math.log2(image_size)) - 2
    g, size, width = [], 1, filters * 2 ** (n - 1)
    # Transposed conv: every input pixel meets every kernel tap and output channel.
    g.append(2 * size * size * latent_dim * width * 16)
    size = 4
    for _ in range(n - 1):
        g.append(2 * size * size * width * (width // 2) * 16)
        width //= 2
        size *= 2
    g.append(2 * size * size * width * channels * 16)
    d, size, cin, width = [], image_size, channels, filters
    for _ in range(n):
        size //= 2
        d.append(2 * size * size * cin * width * 16)  # conv: every output pixel, k×k×cin
        cin, width = width, width * 2
    d.append(2 * 1 * 1 * cin * 1 * 16)
    return g, d


def flops_per_iteration(batch_size, image_size, latent_dim=100, filters=64, channels=3):
    g, d = _layer_flops(image_size, latent_dim, filters, channels)
    fg, fd = sum(g), sum(d)
    return batch_size * (3 * fg + 9 * fd - 2 * d[0] - g[0])


# ------------------------------------------------------------------------ protocol
class _Channel:
    """Line-JSON replies on a private copy of stdout; prints from libraries go to stderr."""

    def __init__(self):
        self._out = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr

    def send(self, **msg):
        self._out.write(json.dumps(msg) + "\n")
        self._out.flush()


def _serve(channel, run_steps, info):
    """Answer `run` commands with the wall time and this process's CPU time of the steps."""
    channel.send(ready=True, **info)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "quit":
            return
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        cpu0, start = time.process_time(), time.perf_counter()
        run_steps(cmd["steps"])
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu0
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        channel.send(seconds=seconds, cpu_seconds=cpu,
                     user_seconds=usage1.ru_utime - usage0.ru_utime,
                     sys_seconds=usage1.ru_stime - usage0.ru_stime)


def _thread_info(requested, framework):
    """The thread settings this process runs with: `framework`'s pools and the thread variables."""
    info = {"requested": requested, "cpu_count": os.cpu_count(),
            "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "env": {k: os.environ[k] for k in THREAD_ENV if k in os.environ}}
    if framework == "torch":
        torch = sys.modules["torch"]
        info["torch_intra_op"] = torch.get_num_threads()
        info["torch_inter_op"] = torch.get_num_interop_threads()
    if framework == "tensorflow":
        tf = sys.modules["tensorflow"]
        # 0 means TensorFlow's default: one intra-op thread per core.
        info["tf_intra_op"] = tf.config.threading.get_intra_op_parallelism_threads()
        info["tf_inter_op"] = tf.config.threading.get_inter_op_parallelism_threads()
    return info


# --------------------------------------------------------------------- native peer
def peer_networks(size, nz=100, nf=64, nc=3):
    """The pytorch/examples DCGAN generator and discriminator for `size`×`size` images."""
    from torch import nn

    n = int(math.log2(size)) - 2

    def init(m):  # pytorch/examples weights_init: N(0, 0.02) convs, N(1, 0.02) BN scale
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)

    width = nf * 2 ** (n - 1)
    g = [nn.ConvTranspose2d(nz, width, 4, 1, 0, bias=False), nn.BatchNorm2d(width), nn.ReLU(True)]
    for _ in range(n - 1):
        g += [nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(width // 2), nn.ReLU(True)]
        width //= 2
    g += [nn.ConvTranspose2d(width, nc, 4, 2, 1, bias=False), nn.Tanh()]
    d, cin, width = [], nc, nf
    for i in range(n):
        d.append(nn.Conv2d(cin, width, 4, 2, 1, bias=False))
        if i > 0:
            d.append(nn.BatchNorm2d(width))
        d.append(nn.LeakyReLU(0.2, inplace=True))
        cin, width = width, width * 2
    d.append(nn.Conv2d(cin, 1, 4, 1, 0, bias=False))
    net_g, net_d = nn.Sequential(*g), nn.Sequential(*d)
    net_g.apply(init)
    net_d.apply(init)
    return net_g, net_d


def run_peer(args, channel):
    import torch
    from torch import nn

    if args.threads != "default":
        torch.set_num_threads(int(args.threads))
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)
    nz, nc, size = 100, 3, args.image_size
    net_g, net_d = peer_networks(size)
    net_g, net_d = net_g.to(device), net_d.to(device)
    opt_g = torch.optim.Adam(net_g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(net_d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    criterion = nn.BCEWithLogitsLoss()
    amp_dtype = {"mixed_bfloat16": torch.bfloat16, "mixed_float16": torch.float16}.get(args.peer_dtype)
    scaler = torch.amp.GradScaler(device.type, enabled=args.peer_dtype == "mixed_float16")

    b = args.batch_size
    gen = torch.Generator(device="cpu").manual_seed(0)
    real = (torch.rand(b, nc, size, size, generator=gen) * 2 - 1).to(device)
    ones = torch.ones(b, device=device)
    zeros = torch.zeros(b, device=device)

    def step():
        with torch.autocast(device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
            fake = net_g(torch.randn(b, nz, 1, 1, device=device))
            # D step on the fake batch cut from G's graph ...
            opt_d.zero_grad(set_to_none=True)
            err_d = criterion(net_d(real).view(-1).float(), ones) + criterion(
                net_d(fake.detach()).view(-1).float(), zeros)
        scaler.scale(err_d).backward()
        scaler.step(opt_d)
        with torch.autocast(device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
            # ... then G through the updated D on the SAME fake batch (one G forward).
            opt_g.zero_grad(set_to_none=True)
            err_g = criterion(net_d(fake).view(-1).float(), ones)
        scaler.scale(err_g).backward()
        scaler.step(opt_g)
        scaler.update()
        return err_d, err_g

    def run_steps(k):
        for _ in range(k):
            losses = step()  # no .item(): no host sync per step
        float(losses[0] + losses[1])  # one sync at the end of the block
        if device.type == "cuda":
            torch.cuda.synchronize()

    run_steps(args.warmup)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    _serve(channel, run_steps, {
        "runner": "native_torch", "g_params": count(net_g), "d_params": count(net_d),
        "threads": _thread_info(args.threads, "torch"), "torch": torch.__version__,
        "device_name": torch.cuda.get_device_name() if device.type == "cuda" else None})


# ------------------------------------------------------------------- ganzoo / fit
def run_ganzoo(args, channel):
    import keras
    import numpy as np

    backend = keras.config.backend()
    if backend == "torch":
        import torch

        if args.threads != "default":
            torch.set_num_threads(int(args.threads))
        if args.device == "cuda":
            torch.backends.cudnn.benchmark = True
    elif backend == "tensorflow" and args.threads != "default":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(int(args.threads))
    # jax: a thread count of 1 is set through XLA_FLAGS by the parent (see _worker_cmd).
    keras.config.set_dtype_policy(args.dtype)
    keras.utils.set_random_seed(0)

    import ganzoo

    size, b = args.image_size, args.batch_size
    model = ganzoo.get("dcgan", image_shape=(size, size, 3), seed=0)
    if args.reuse is not None:
        model.reuse_generator_pass = bool(args.reuse)
    jit = {"auto": "auto", "1": True, "0": False}[args.jit]
    model.compile(jit_compile=jit, steps_per_execution=args.spe)

    x = np.random.default_rng(0).uniform(-1, 1, (b, size, size, 3)).astype("float32")
    if backend == "tensorflow":
        import tensorflow as tf

        x_dev = tf.constant(x)
        make_data = lambda k: tf.data.Dataset.from_tensors(x_dev).repeat(k)  # noqa: E731
    else:
        x_dev = keras.ops.convert_to_tensor(x)  # on the backend's default device

        def make_data(k):
            def gen():
                while True:
                    yield (x_dev,)  # fit takes (inputs,) tuples from generators
            return gen()

    def run_steps(k):
        if k % args.spe:
            raise ValueError(f"--steps and --warmup must be multiples of --spe. Received: steps={k}")
        model.fit(make_data(k), steps_per_epoch=k, epochs=1, verbose=0)
        # Reading a variable the last step wrote waits for the device to finish.
        float(keras.ops.convert_to_numpy(model.g_optimizer.iterations))

    run_steps(args.warmup)
    _serve(channel, run_steps, {
        "runner": f"ganzoo_{backend}",
        # Trainable parameters, as torch's .parameters() counts them (BN statistics are buffers).
        "g_params": sum(int(np.prod(v.shape)) for v in model.generator.trainable_variables),
        "d_params": sum(int(np.prod(v.shape)) for v in model.discriminator.trainable_variables),
        "jit_compile": str(model.jit_compile), "reuse": getattr(model, "reuse_generator_pass", None),
        "threads": _thread_info(args.threads, backend), "keras": keras.__version__,
        "ganzoo": getattr(ganzoo, "__version__", None), "ganzoo_path": os.path.dirname(ganzoo.__file__),
        "backend_version": _backend_version(backend), "device_name": _device_name(backend, args.device)})


def _backend_version(backend):
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}[backend]
    return getattr(sys.modules.get(module), "__version__", None)


def _device_name(backend, device):
    if device != "cuda":
        return None
    if backend == "torch":
        return sys.modules["torch"].cuda.get_device_name()
    if backend == "jax":
        return sys.modules["jax"].devices()[0].device_kind
    return None


# --------------------------------------------------------------------- orchestrator
def _worker_cmd(args, kind, backend=None, **over):
    threads = str(over.get("threads", "default"))
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", kind,
           "--device", args.device, "--dtype", over.get("dtype", "float32"),
           "--batch-size", str(over.get("batch", args.batch_size)),
           "--image-size", str(args.image_size), "--warmup", str(over.get("warmup", args.warmup)),
           "--jit", over.get("jit", "auto"), "--spe", str(over.get("spe", 1)), "--threads", threads]
    if over.get("reuse") is not None:
        cmd += ["--reuse", str(over["reuse"])]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if backend:
        env["KERAS_BACKEND"] = backend
    if backend == "jax" and threads == "1":
        # XLA:CPU's only switch for one compute thread; it has none for other counts.
        env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false"
                            " intra_op_parallelism_threads=1").strip()
    if args.device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
        env["JAX_PLATFORMS"] = "cpu"
        env["KERAS_TORCH_DEVICE"] = "cpu"
    return cmd, env


class _Runner:
    def __init__(self, label, cmd, env, meta):
        self.label, self.meta = label, meta
        self.times, self.cpu_times, self.loads, self.usage = [], [], [], []
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=None if os.environ.get("BENCH_VERBOSE") else subprocess.DEVNULL,
                                     text=True)
        self.info = None

    @property
    def is_peer(self):
        return self.meta["kind"] == "peer"

    def read(self):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"runner {self.label} died (rerun with BENCH_VERBOSE=1 to see its stderr)")
        return json.loads(line)

    def ask(self, **cmd):
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def close(self):
        try:
            self.ask(cmd="quit")
            self.proc.wait(timeout=60)
        except Exception:  # noqa: BLE001
            self.proc.kill()


def _csv(value):
    return [v for v in str(value).split(",") if v]


def _load1():
    return round(os.getloadavg()[0], 2)


def _check_threads(value, name):
    if value != "default" and not (value.isdigit() and int(value) >= 1):
        raise ValueError(f"{name} must be a comma list of 'default' or positive integers. Received: {name}={value!r}")


def _ganzoo_pairs(args):
    """(backend, dtype) pairs: `--runners` if given, else every `--backends` × `--dtype`."""
    if args.runners:
        pairs = []
        for item in _csv(args.runners):
            backend, sep, dtype = item.partition(":")
            if not sep:
                raise ValueError(f"--runners takes backend:dtype items. Received: runners={item!r}")
            pairs.append((backend, dtype))
    else:
        pairs = [(b, d) for d in _csv(args.dtype) for b in _csv(args.backends)]
    for backend, dtype in pairs:
        if backend not in BACKENDS:
            raise ValueError(f"--backends must be among {BACKENDS}. Received: backend={backend!r}")
        if dtype not in DTYPES:
            raise ValueError(f"--dtype must be among {DTYPES}. Received: dtype={dtype!r}")
    return pairs


def _peer_threads(args):
    if args.peer_threads != "auto":
        values = _csv(args.peer_threads)
    elif args.device == "cpu":
        # Measure 1 thread against one per core; the faster becomes the peer of the ratios.
        values = sorted({"1", str(os.cpu_count() or 1)}, key=int)
    else:
        values = ["default"]
    for v in values:
        _check_threads(v, "--peer-threads")
    return values


def _specs(args, batch, pairs):
    specs = []
    for backend, dtype in pairs:
        for jit in _csv(args.jit):
            for spe in [int(s) for s in _csv(args.spe)]:
                for reuse in (_csv(args.reuse) if args.reuse else [None]):
                    for threads in _csv(args.threads):
                        warm = max(args.warmup, spe) // spe * spe
                        specs.append(dict(kind="ganzoo", backend=backend, dtype=dtype, batch=batch, jit=jit,
                                          spe=spe, reuse=reuse, warmup=warm, threads=threads))
    return specs


def _peer_specs(args, batch):
    if args.no_peer:
        return []
    return [dict(kind="peer", backend=None, dtype=dtype, batch=batch, threads=threads)
            for dtype in _csv(args.peer_dtype) for threads in _peer_threads(args)]


def orchestrate(args):
    pairs = _ganzoo_pairs(args)
    for d in _csv(args.peer_dtype):
        if d not in DTYPES:
            raise ValueError(f"--peer-dtype must be among {DTYPES}. Received: peer_dtype={d!r}")
    for t in _csv(args.threads):
        _check_threads(t, "--threads")
        if t not in ("default", "1") and any(b == "jax" for b, _ in pairs):
            raise ValueError(f"--threads for jax can only be 'default' or 1 (XLA:CPU has no other switch). "
                             f"Received: threads={t!r}")
    _peer_threads(args)
    batches = [int(b) for b in _csv(args.batch_size)]
    if args.block == "batch":
        blocks = [(batch, pairs) for batch in batches]
    else:  # one block per dtype and batch, each with its own peers
        dtypes = list(dict.fromkeys(d for _, d in pairs))
        blocks = [(batch, [p for p in pairs if p[1] == d]) for d in dtypes for batch in batches]
    for batch, block_pairs in blocks:
        specs = _specs(args, batch, block_pairs) + _peer_specs(args, batch)
        runners = []
        load_start = _load1()
        try:
            # Start one at a time: compilation of one does not slow another's warm-up.
            for over in specs:
                label = ("native_torch" if over["kind"] == "peer" else f"ganzoo_{over['backend']}")
                cmd, env = _worker_cmd(args, **over)
                r = _Runner(label, cmd, env, over)
                r.info = r.read()
                runners.append(r)
            for _ in range(args.repeats):
                for r in runners:  # round-robin: one runner at a time
                    spe = r.meta.get("spe", 1)
                    steps = max(args.steps, spe) // spe * spe
                    before = _load1()
                    r.ask(cmd="run", steps=steps)
                    reply = r.read()
                    r.loads.append((before, _load1()))
                    r.times.append(reply["seconds"] / steps)
                    r.cpu_times.append(reply["cpu_seconds"] / steps)
                    r.usage.append((reply["user_seconds"] / steps, reply["sys_seconds"] / steps))
        finally:
            for r in runners:
                r.close()
        _report(args, batch, runners, load_start, _load1())


def _choose_peer(args, runners):
    """The reference peer: the fastest (wall) thread setting of the first `--peer-dtype`."""
    peers = [r for r in runners if r.is_peer and r.meta["dtype"] == _csv(args.peer_dtype)[0]]
    if not peers:
        return None, None
    best = max(peers, key=lambda r: 1.0 / statistics.median(r.times))
    leanest = min(peers, key=lambda r: statistics.median(r.cpu_times))
    if len(peers) > 1:
        others = ", ".join(f"{p.meta['threads']} thread(s): {1.0 / statistics.median(p.times):.4g} steps/s, "
                           f"{statistics.median(p.cpu_times):.4g} CPU-s/step" for p in peers)
        print(f"peer threads: chose {best.meta['threads']} (fastest by wall clock) among {others}",
              file=sys.stderr, flush=True)
    else:
        print(f"peer threads: {best.meta['threads']}", file=sys.stderr, flush=True)
    return best, leanest


def _report(args, batch, runners, load_start, load_end):
    dtypes = {r.meta["dtype"] for r in runners}
    flops = flops_per_iteration(batch, args.image_size)
    peer, leanest = _choose_peer(args, runners)
    peer_sps = 1.0 / statistics.median(peer.times) if peer else None
    peer_cpu = statistics.median(peer.cpu_times) if peer else None
    lean_cpu = statistics.median(leanest.cpu_times) if leanest else None
    cpu_count = os.cpu_count()
    samples = [load_start, load_end] + [x for r in runners for pair in r.loads for x in pair]
    load_max = max(samples)
    warning = None
    if load_max > cpu_count:
        warning = (f"1-minute load average reached {load_max} on {cpu_count} cores during this invocation: "
                   "the machine was oversubscribed, so these rows are not for publication")
        print(f"WARNING: batch {batch}, dtypes {sorted(dtypes)}: {warning}", file=sys.stderr, flush=True)
    for r in runners:
        dtype = r.meta["dtype"]
        peak = args.peak_tflops
        if peak is None and args.device == "cuda":
            peak = H100_PEAK_TFLOPS[dtype]
        sps = 1.0 / statistics.median(r.times)
        cpu = statistics.median(r.cpu_times)
        row = {
            "device": args.device, "runner": r.label, "backend": r.meta.get("backend") or "torch",
            "dtype": dtype, "batch_size": batch, "image_size": args.image_size,
            "steps_per_s": round(sps, 4), "images_per_s": round(sps * batch, 2),
            "ratio_to_peer": round(sps / peer_sps, 3) if peer_sps else None,
            "cpu_work_ratio_to_peer": round(peer_cpu / cpu, 3) if peer_cpu and cpu > 0 else None,
            "cpu_work_ratio_to_leanest_peer": round(lean_cpu / cpu, 3) if lean_cpu and cpu > 0 else None,
            "wall_s_per_step": round(statistics.median(r.times), 5),
            "cpu_s_per_step": round(cpu, 5),
            # CPU-seconds per wall-second: how many cores the runner kept busy on average.
            "cpu_per_wall": round(statistics.median(c / t for c, t in zip(r.cpu_times, r.times)), 3),
            "user_sys_s_per_step": [round(statistics.median(u for u, _ in r.usage), 5),
                                    round(statistics.median(s for _, s in r.usage), 5)],
            "mfu": round(flops * sps / (peak * 1e12), 4) if peak else None,
            "gflop_per_step": round(flops / 1e9, 2),
            "repeats": len(r.times), "steps_per_repeat": args.steps,
            "spread": [round(1.0 / t, 4) for t in sorted(r.times, reverse=True)],
            "cpu_spread": [round(c, 5) for c in sorted(r.cpu_times)],
            "threads": r.info.get("threads"),
            "peer_threads": peer.meta["threads"] if peer else None,
            "cpu_count": cpu_count,
            "load_1min": {"start": load_start, "end": load_end,
                          "before_rounds": [a for a, _ in r.loads], "after_rounds": [b for _, b in r.loads]},
            "load_max": load_max, "load_warning": warning,
            "device_name": r.info.get("device_name"),
        }
        if r.is_peer:
            row.update(peer_chosen=r is peer, torch=r.info.get("torch"))
        else:
            row.update(jit=r.meta["jit"], steps_per_execution=r.meta["spe"], reuse=r.info.get("reuse"),
                       jit_compile=r.info.get("jit_compile"), keras=r.info.get("keras"),
                       backend_version=r.info.get("backend_version"), ganzoo=r.info.get("ganzoo"),
                       ganzoo_path=r.info.get("ganzoo_path"))
        row["g_params"], row["d_params"] = r.info["g_params"], r.info["d_params"]
        print(json.dumps(row), flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--backends", default="jax,tensorflow,torch", help="comma list of Keras backends")
    p.add_argument("--dtype", default="float32", help="comma list of dtype policies: " + ", ".join(DTYPES))
    p.add_argument("--runners", default=None,
                   help="comma list of backend:dtype ganzoo runners (instead of --backends x --dtype)")
    p.add_argument("--peer-dtype", default="float32",
                   help="comma list of native peer precisions (autocast for mixed_*); the ratios compare "
                        "with the first (the targets compare with float32)")
    p.add_argument("--peer-threads", default="auto",
                   help="comma list of torch thread counts for the peer; auto: 1 and os.cpu_count() on cpu "
                        "(the faster is the reference), torch's default on cuda")
    p.add_argument("--threads", default="default",
                   help="comma list of thread counts for the ganzoo runners (torch: set_num_threads, "
                        "tensorflow: intra-op threads, jax: only 1); default leaves each framework's own")
    p.add_argument("--block", default="dtype", choices=("dtype", "batch"),
                   help="runners alive together: one block per dtype and batch (default) or per batch")
    p.add_argument("--batch-size", default="128", help="comma list of batch sizes")
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    p.add_argument("--steps", type=int, default=None, help="timed steps per repeat (cpu 5, cuda 200)")
    p.add_argument("--warmup", type=int, default=None, help="untimed steps first (cpu 2, cuda 20)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--jit", default="auto", help="comma list of jit_compile values: auto, 1, 0")
    p.add_argument("--spe", default="1", help="comma list of steps_per_execution values")
    p.add_argument("--reuse", default=None,
                   help="comma list of GAN.reuse_generator_pass values (1: one G forward per step, 0: two)")
    p.add_argument("--peak-tflops", type=float, default=None, help="device peak for MFU")
    p.add_argument("--no-peer", action="store_true")
    p.add_argument("--worker", choices=("ganzoo", "peer"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.steps is None:
        args.steps = 200 if args.device == "cuda" else 5
    if args.warmup is None:
        args.warmup = 20 if args.device == "cuda" else 2
    if args.worker:
        args.batch_size = int(args.batch_size)
        args.spe = int(args.spe)
        args.reuse = None if args.reuse is None else int(args.reuse)
        args.peer_dtype = args.dtype
        channel = _Channel()
        (run_peer if args.worker == "peer" else run_ganzoo)(args, channel)
    else:
        orchestrate(args)


if __name__ == "__main__":
    main()
