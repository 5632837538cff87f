#!/usr/bin/env python3
"""Times kernel variants of dcn.cu's linear layers on the layer shapes of adsml's demo and x100 DCNs,
one launch at a time, beside PyTorch's F.linear (+ ReLU / cross) on the same card, with each
kernel's largest error against a float64 reference: the per-layer view that GpuBenchmark's whole
forward pass does not give (PERF-NOTES.md, runs 7-9). On the development machine:

  nvcc -ptx -arch=compute_90a -O3 -o variants.ptx gpu-scheduler/bench/layers/variants.cu

then on a GPU machine with PyTorch (copy variants.ptx and this script under .device/, carried):

  python3 layer_times.py OUT.json variants.ptx

Kernels are found by name in the PTX: v_BMxBN_wWMxWN_sS_xX_rR_lL_bB (mma.sync: tile, warps, stages,
1 or 3 TF32 products, rounding, ldmatrix, blocks per SM) and w_/p_/s_BMxBN_sS_rR_bB (wgmma: BM / 64
warpgroups; s_ from the 128-byte swizzled layout). Launches go through the driver API in the context PyTorch made current, so each
includes Python's launch cost (about 20 us): times under about 40 us are that floor, not the kernel.
"""
import ctypes
import json
import re
import sys

import torch

SHAPES = {  # name: (out N, in K, epilogue) ; 0 bias, 1 relu, 2 cross
    "demo": [("cross", 176, 176, 2), ("mlp.0", 256, 176, 1), ("mlp.1", 128, 256, 1), ("mlp.2", 64, 128, 1)],
    "x100": [("cross", 656, 656, 2), ("mlp.0", 4096, 656, 1), ("mlp.1", 2048, 4096, 1), ("mlp.2", 1024, 2048, 1)],
}
ROWS = {"demo": [1024], "x100": [1024, 16384]}
NAME = re.compile(r"v_(\d+)x(\d+)_w(\d+)x(\d+)_s(\d+)_x(\d)_r(\d)_l(\d)_b(\d)")
WNAME = re.compile(r"[wps]_(\d+)x(\d+)_s(\d+)_r(\d)_b(\d)")  # wgmma: BM / 64 warpgroups

cuda = ctypes.CDLL("libcuda.so.1")
cuda.cuLaunchKernel.argtypes = [ctypes.c_void_p] + [ctypes.c_uint] * 7 + [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]


def check(r, what):
    if r != 0:
        raise RuntimeError(f"{what}: CUresult {r}")


def load(path):
    text = open(path, "rb").read()
    module = ctypes.c_void_p()
    check(cuda.cuModuleLoadData(ctypes.byref(module), ctypes.c_char_p(text + b"\0")), f"load {path}")
    kernels = []
    for name in sorted(set(re.findall(rb"\.entry\s+([vwps]_\w+)\(", text))):
        name = name.decode()
        if name.startswith("v_"):
            bm, bn, wm, wn, s, x, r, l, b = map(int, NAME.fullmatch(name).groups())
            smem = s * (bm + bn) * 36 * 4
        else:
            bm, bn, s, r, b = map(int, WNAME.fullmatch(name).groups())
            wm, wn, x = bm // 64 * 4, 1, 1
            smem = s * (bm + bn) * 32 * 4 + (1024 if name.startswith("s_") else 0)
        f = ctypes.c_void_p()
        check(cuda.cuModuleGetFunction(ctypes.byref(f), module, name.encode()), name)
        check(cuda.cuFuncSetAttribute(f, 8, smem), f"{name} smem")  # MAX_DYNAMIC_SHARED_SIZE_BYTES
        regs = ctypes.c_int()
        check(cuda.cuFuncGetAttribute(ctypes.byref(regs), 4, f), "regs")  # NUM_REGS
        kernels.append(dict(name=name, f=f, bm=bm, bn=bn, threads=wm * wn * 32, smem=smem, split=x == 3, regs=regs.value))
    return module, kernels


def launch(k, a, w, bias, x0, c, M, N, K, mode):
    args = [ctypes.c_void_p(t.data_ptr()) for t in (a, w, bias, x0, c)] + [ctypes.c_int(v) for v in (M, N, K, mode)]
    params = (ctypes.c_void_p * len(args))(*[ctypes.cast(ctypes.byref(v), ctypes.c_void_p) for v in args])
    stream = torch.cuda.current_stream().cuda_stream
    check(cuda.cuLaunchKernel(k["f"], (N + k["bn"] - 1) // k["bn"], (M + k["bm"] - 1) // k["bm"], 1, k["threads"], 1, 1,
                              k["smem"], ctypes.c_void_p(stream), ctypes.cast(params, ctypes.c_void_p), None), k["name"])


def timed(fn, repeats=20):
    for _ in range(3):
        fn()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(repeats):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / repeats


def main():
    out, ptxs = sys.argv[1], sys.argv[2:]
    torch.cuda.init()
    torch.zeros(1, device="cuda")  # the primary context, current on this thread
    kernels = [k for p in ptxs for k in load(p)[1]]
    for k in kernels:
        print(f"{k['name']}: {k['regs']} registers, {k['smem']} bytes shared", flush=True)
    results = []
    g = torch.Generator(device="cuda").manual_seed(1)
    for preset, shapes in SHAPES.items():
        for M in ROWS[preset]:
            for layer, N, K, mode in shapes:
                a = torch.rand(M, K, device="cuda", generator=g) * 2 - 1
                w = (torch.rand(N, K, device="cuda", generator=g) * 2 - 1) / K ** 0.5
                bias = torch.rand(N, device="cuda", generator=g) * 0.2 - 0.1
                x0 = torch.rand(M, N, device="cuda", generator=g) * 2 - 1 if mode == 2 else torch.zeros(1, device="cuda")
                ref = a.double() @ w.double().T + bias.double()
                ref = ref.clamp_min(0) if mode == 1 else (x0.double() * ref + a.double() if mode == 2 else ref)
                flop = 2.0 * M * N * K
                row = dict(preset=preset, rows=M, layer=layer, N=N, K=K)

                def torch_layer():
                    y = torch.nn.functional.linear(a, w, bias)
                    return torch.relu(y) if mode == 1 else (x0 * y + a if mode == 2 else y)

                for tf32 in (True, False):
                    torch.backends.cuda.matmul.allow_tf32 = tf32
                    row["torch_tf32_ms" if tf32 else "torch_fp32_ms"] = timed(torch_layer)
                    row["torch_tf32_err" if tf32 else "torch_fp32_err"] = (torch_layer().double() - ref).abs().max().item()
                for k in kernels:
                    c = torch.full((M, N), float("nan"), device="cuda")
                    launch(k, a, w, bias, x0, c, M, N, K, mode)
                    torch.cuda.synchronize()
                    err = (c.double() - ref).abs().max().item()
                    ms = timed(lambda: launch(k, a, w, bias, x0, c, M, N, K, mode))
                    row[k["name"]] = dict(ms=ms, tflops=flop / ms / 1e9, err=err)
                results.append(row)
                best = sorted(((v["ms"], n) for n, v in row.items() if isinstance(v, dict)))[:3]
                print(f"{preset} {M:5} {layer:6} N {N:4} K {K:4}: torch tf32 {row['torch_tf32_ms']:.4f} ms "
                      f"({flop / row['torch_tf32_ms'] / 1e9:.0f} TF/s), fp32 {row['torch_fp32_ms']:.4f} ms; best "
                      + ", ".join(f"{n} {ms:.4f} ms ({flop / ms / 1e9:.0f} TF/s, err {row[n]['err']:.1e})" for ms, n in best),
                      flush=True)
    json.dump(dict(card=torch.cuda.get_device_name(0), kernels=[{k_: v for k_, v in k.items() if k_ != "f"} for k in kernels],
                   rows=results), open(out, "w"), indent=1)


if __name__ == "__main__":
    main()
