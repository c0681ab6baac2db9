#!/usr/bin/env python3
"""Times the authors' PyTorch PAC (NVlabs/pacnet, pac.py) on the shapes of `jpac gpu-bench`.

The GPU bundle's baseline for "how much faster and leaner than the reference
implementation". pac.py is not part of jpac or its bundle: point --pacnet at a
checkout of https://github.com/NVlabs/pacnet (the script only imports it).
pac.py was written for PyTorch 0.4-1.x: it imports torch._thnn, which is gone, and
uses it only in its own backward passes. The script puts an empty stand-in module
there, times the forwards of both of pac.py's implementations (its default autograd
Functions and native_impl=True, plain PyTorch ops), reports the faster, and times
training steps (forward + backward) with native_impl=True, the one whose backward
still runs.

Prints one line per case, 'RESULT pytorch <case> <median ms> <peak MiB>', the peak being
torch.cuda.max_memory_allocated during one call, inputs, weights and outputs included
(the same count as jpac's tensors), plus readable lines.
"""
import argparse
import statistics
import sys
import time
import types
from collections import defaultdict


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pacnet", required=True, help="a checkout of NVlabs/pacnet (holds pac.py)")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--channels", type=int, default=32)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--device", default="cuda", help="cuda, or cpu to try the script itself (no memory figures)")
    a = p.parse_args()

    import torch
    on_gpu = a.device == "cuda"
    if on_gpu and not torch.cuda.is_available():
        print("PyTorch sees no GPU: no PyTorch PAC comparison")
        return 3
    thnn = types.ModuleType("torch._thnn")
    thnn.type2backend = defaultdict(lambda: None)  # read by pac.py's forwards, used only by its backwards
    sys.modules["torch._thnn"] = thnn
    sys.path.insert(0, a.pacnet)
    import pac

    torch.backends.cudnn.benchmark = True
    dev = torch.device(a.device)

    def sync():
        if on_gpu:
            torch.cuda.synchronize()
    n, c, h = a.batch, a.channels, a.size
    gen = torch.Generator(device="cpu").manual_seed(1)

    def rand(*shape):
        return (torch.rand(*shape, generator=gen) * 2 - 1).to(dev)

    x, g, xt = rand(n, c, h, h), rand(n, 8, h, h), rand(n, c, h // 2, h // 2)
    print(f"PyTorch {torch.__version__} on {torch.cuda.get_device_name() if on_gpu else 'the CPU'}; pac.py from {a.pacnet}; "
          f"wall clock per call + sync, {a.runs} runs after {a.warmup} warm-up; fp32, TF32 "
          f"{'on' if torch.backends.cudnn.allow_tf32 else 'off'} for cuDNN convolutions")

    def measure(name, impl, call):
        for _ in range(a.warmup):
            call()
        sync()
        if on_gpu:
            torch.cuda.reset_peak_memory_stats()
        call()
        sync()
        peak = torch.cuda.max_memory_allocated() / 2**20 if on_gpu else float("nan")
        ms = []
        for _ in range(a.runs):
            t0 = time.perf_counter()
            call()
            sync()
            ms.append((time.perf_counter() - t0) * 1e3)
        med = statistics.median(ms)
        print(f"{name:34s} {impl:22s} median {med:9.3f} ms  min {min(ms):9.3f} ms  peak {peak:9.1f} MiB")
        return med, peak

    def best_forward(name, make):
        results = []
        for native in (False, True):
            m = make(native).to(dev)
            with torch.no_grad():
                try:
                    results.append(measure(name, f"native_impl={native}", lambda: m(*inputs[name])))
                except Exception as e:  # an old code path that no longer runs on this PyTorch
                    print(f"{name:34s} native_impl={native}: failed: {type(e).__name__}: {e}")
            del m
        if results:
            med, peak = min(results)
            print(f"RESULT pytorch {name} {med:.4f} {peak:.1f}")

    inputs = {
        "conv2d_guided.forward": (x, g),
        "conv_transpose2d_guided.forward": (xt, g),
        "pool2d_guided.forward": (x, g),
    }
    best_forward("conv2d_guided.forward", lambda nat: pac.PacConv2d(c, c, 5, padding=2, native_impl=nat))
    best_forward("conv_transpose2d_guided.forward",
                 lambda nat: pac.PacConvTranspose2d(c, c, 5, stride=2, padding=2, output_padding=1, native_impl=nat))
    best_forward("pool2d_guided.forward", lambda nat: pac.PacPool2d(5, padding=2, native_impl=nat))
    inputs["kernel2d.forward"] = ()
    with torch.no_grad():
        med, peak = measure("kernel2d.forward", "native_impl=True",
                            lambda: pac.packernel2d(g, kernel_size=5, padding=2, native_impl=True))
    print(f"RESULT pytorch kernel2d.forward {med:.4f} {peak:.1f}")

    m = pac.PacConv2d(c, c, 5, padding=2, native_impl=True).to(dev)
    xg, gg = x.clone().requires_grad_(), g.clone().requires_grad_()
    dy = rand(n, c, h, h)

    def train_step():
        m.zero_grad(set_to_none=True)
        xg.grad = gg.grad = None
        m(xg, gg).backward(dy)

    med, peak = measure("conv2d_guided.train", "native_impl=True", train_step)
    print(f"RESULT pytorch conv2d_guided.train {med:.4f} {peak:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
