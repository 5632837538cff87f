#!/usr/bin/env python3
"""Times kernel variants of dcn.cu's linear layers on the layer shapes of adsml's demo and x100 DCNs,
one launch at a time, beside PyTorch's F.linear (+ ReLU / cross) on the same card, with each
kernel's largest error against a float64 reference: the per-layer view that GpuBenchmark's whole
forward pass does not give (PERF-NOTES.md, runs 7-9). On the development machine:

  nvcc -ptx -arch=compute_90a -O3 -o variants.ptx gpu-scheduler/bench/layers/variants.cu
  nvcc -ptx -arch=compute_90a -O3 -o tma.ptx gpu-scheduler/bench/layers/tma.cu

then on a GPU machine with PyTorch (copy the PTX and this script under .device/, carried), one process
per PTX so that a kernel that traps loses only its own file's figures:

  python3 layer_times.py OUT.json variants.ptx [dcn.ptx] [--skip NAME,NAME]

Before a kernel's first launch on each layer its name goes to stderr ("-- NAME"): where a kernel traps or
hangs, the last such line names it, and a rerun with --skip leaves it out (gpu-bench.sh does so).

Kernels are found by name in the PTX: v_BMxBN_wWMxWN_sS_xX_rR_lL_bB (mma.sync: tile, warps, stages,
1 or 3 TF32 products, rounding, ldmatrix, blocks per SM) and w_/p_/s_BMxBN_sS_rR_bB (wgmma: BM / 64
warpgroups; s_ from the 128-byte swizzled layout), and t_BMxBN_sS_P (tma.cu: TMA, mbarriers, a producer
warpgroup; P tf32 or bf16), and from dcn.ptx the serving path's BF16 kernels linear_bf16_mma_BMxBN (mma.sync
over bf16 operands as stored, bf16 out; DcnPlan pads every width to 8). A t_ TF32 kernel runs twice: ":pre" on copies of A and W rounded to TF32 (to
nearest, ties away) through FLOAT32 tensor maps, ":map" on the raw fp32 through TFLOAT32 maps; a BF16 one
on bf16 copies, beside PyTorch's bf16 F.linear. Launches go through the driver API in the context PyTorch made current, so each
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
TNAME = re.compile(r"t_(\d+)x(\d+)_s(\d+)_(tf32|bf16)")  # BM / 64 consumer warpgroups and a producer
# dcn.cu's BF16 launches (DcnPlan.LinearKernel): tile, warps, stages; 144 bytes of shared memory per row and stage.
DCN_BF16 = {"linear_bf16_mma_128x128": (128, 128, 8, 3), "linear_bf16_mma_128x64": (128, 64, 4, 4),
            "linear_bf16_mma_64x64": (64, 64, 4, 4)}
FLOAT32, BFLOAT16, TFLOAT32 = 7, 9, 11  # CUtensorMapDataType

cuda = ctypes.CDLL("libcuda.so.1")
cuda.cuLaunchKernel.argtypes = [ctypes.c_void_p] + [ctypes.c_uint] * 7 + [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
cuda.cuTensorMapEncodeTiled.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p,
                                        ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                        ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int]


def check(r, what):
    if r != 0:
        raise RuntimeError(f"{what}: CUresult {r}")


def load(path):
    text = open(path, "rb").read()
    module = ctypes.c_void_p()
    check(cuda.cuModuleLoadData(ctypes.byref(module), ctypes.c_char_p(text + b"\0")), f"load {path}")
    kernels = []
    for name in sorted(set(re.findall(rb"\.entry\s+([vwpst]_\w+|linear_bf16_mma_\w+)\(", text))):
        name = name.decode()
        precision = None
        stored_bf16 = name in DCN_BF16
        if stored_bf16:
            bm, bn, wm, s = DCN_BF16[name]
            wn, x, precision = 1, 1, "bf16"
            smem = s * (bm + bn) * 144
        elif name.startswith("t_"):
            bm, bn, s, precision = TNAME.fullmatch(name).groups()
            bm, bn, s = int(bm), int(bn), int(s)
            wm, wn, x = (bm // 64 + 1) * 4, 1, 1
            smem = s * (bm + bn) * 128 + 1024 + 16 * s
        elif name.startswith("v_"):
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
        kernels.append(dict(name=name, f=f, bm=bm, bn=bn, threads=wm * wn * 32, smem=smem, split=x == 3, regs=regs.value,
                            precision=precision, stored_bf16=stored_bf16))
    return module, kernels


def launch(k, a, w, bias, x0, c, M, N, K, mode):
    args = [ctypes.c_void_p(t.data_ptr()) for t in (a, w, bias, x0, c)] + [ctypes.c_int(v) for v in (M, N, K, mode)]
    params = (ctypes.c_void_p * len(args))(*[ctypes.cast(ctypes.byref(v), ctypes.c_void_p) for v in args])
    stream = torch.cuda.current_stream().cuda_stream
    check(cuda.cuLaunchKernel(k["f"], (N + k["bn"] - 1) // k["bn"], (M + k["bm"] - 1) // k["bm"], 1, k["threads"], 1, 1,
                              k["smem"], ctypes.c_void_p(stream), ctypes.cast(params, ctypes.c_void_p), None), k["name"])


class TensorMap:
    """A CUtensorMap of a row-major rows x K matrix: boxes of 128 bytes along K by box_rows rows, 128-byte swizzle,
    zeros outside the matrix. K * element size must be a multiple of 16 bytes."""

    def __init__(self, t, box_rows, data_type):
        rows, k = t.shape
        size = t.element_size()
        self.buffer = ctypes.create_string_buffer(128 + 128)  # on 64 bytes for the driver, 128 as CUtensorMap is
        self.address = (ctypes.addressof(self.buffer) + 127) & ~127
        check(cuda.cuTensorMapEncodeTiled(
            ctypes.c_void_p(self.address), data_type, 2, ctypes.c_void_p(t.data_ptr()),
            (ctypes.c_uint64 * 2)(k, rows), (ctypes.c_uint64 * 1)(k * size), (ctypes.c_uint32 * 2)(128 // size, box_rows),
            (ctypes.c_uint32 * 2)(1, 1), 0, 3, 2, 0), "cuTensorMapEncodeTiled")  # no interleave, 128B swizzle, L2 128B


def launch_tma(k, amap, wmap, a, bias, x0, c, M, N, K, mode):
    values = [ctypes.c_void_p(t.data_ptr()) for t in (bias, x0, a, c)] + [ctypes.c_int(v) for v in (M, N, K, mode)]
    pointers = [amap.address, wmap.address] + [ctypes.cast(ctypes.byref(v), ctypes.c_void_p).value for v in values]
    params = (ctypes.c_void_p * len(pointers))(*pointers)
    stream = torch.cuda.current_stream().cuda_stream
    check(cuda.cuLaunchKernel(k["f"], (N + k["bn"] - 1) // k["bn"], (M + k["bm"] - 1) // k["bm"], 1, k["threads"], 1, 1,
                              k["smem"], ctypes.c_void_p(stream), ctypes.cast(params, ctypes.c_void_p), None), k["name"])


def tf32_rounded(x):
    """x rounded to TF32, to nearest with ties away from zero (cvt.rna): the low 13 bits of the magnitude."""
    return ((x.view(torch.int32) + 0x1000) & ~0x1FFF).view(torch.float32)


def tma_runs(k, a, w, K):
    """(suffix, A map, W map, the operand copies they read) for each way a t_ kernel runs on this layer; none where TMA cannot stride K."""
    if k["precision"] == "bf16":
        if K % 8:
            return []
        a16, w16 = a.bfloat16(), w.bfloat16()
        return [("", TensorMap(a16, k["bm"], BFLOAT16), TensorMap(w16, k["bn"], BFLOAT16), (a16, w16))]
    if K % 4:
        return []
    ar, wr = tf32_rounded(a), tf32_rounded(w)
    return [(":pre", TensorMap(ar, k["bm"], FLOAT32), TensorMap(wr, k["bn"], FLOAT32), (ar, wr)),
            (":map", TensorMap(a, k["bm"], TFLOAT32), TensorMap(w, k["bn"], TFLOAT32), ())]


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
    args = sys.argv[1:]
    skip = set()
    if "--skip" in args:
        i = args.index("--skip")
        skip = {name for name in args[i + 1].split(",") if name}
        del args[i:i + 2]
    out, ptxs = args[0], args[1:]
    torch.cuda.init()
    torch.zeros(1, device="cuda")  # the primary context, current on this thread
    kernels = [k for p in ptxs for k in load(p)[1] if k["name"] not in skip]
    for k in kernels:
        print(f"{k['name']}: {k['regs']} registers, {k['smem']} bytes shared", flush=True)
    results = []
    try:
        measure(kernels, results)
    finally:  # a kernel that traps ends the context: keep what was measured before it
        json.dump(dict(card=torch.cuda.get_device_name(0), skipped=sorted(skip),
                       kernels=[{k_: v for k_, v in k.items() if k_ != "f"} for k in kernels], rows=results),
                  open(out, "w"), indent=1)


def measure(kernels, results):
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
                if any(k["precision"] == "bf16" for k in kernels):
                    a16, w16, b16, x16 = a.bfloat16(), w.bfloat16(), bias.bfloat16(), x0.bfloat16()

                    def torch_bf16():
                        y = torch.nn.functional.linear(a16, w16, b16)
                        return torch.relu(y) if mode == 1 else (x16 * y + a16 if mode == 2 else y)

                    row["torch_bf16_ms"] = timed(torch_bf16)
                    row["torch_bf16_err"] = (torch_bf16().double() - ref).abs().max().item()
                for k in kernels:
                    c = torch.full((M, N), float("nan"), device="cuda")
                    if k["stored_bf16"]:  # bf16 in and out; the rows DcnPlan pads to 8 values are whole here
                        c = c.bfloat16()
                        runs = [("", lambda c=c: launch(k, a16, w16, bias, x16, c, M, N, K, mode))] if K % 8 == 0 else []
                    elif k["precision"] is None:
                        runs = [("", lambda: launch(k, a, w, bias, x0, c, M, N, K, mode))]
                    else:
                        made = tma_runs(k, a, w, K)  # holds the operand copies the maps point at while they run
                        runs = [(suffix, lambda am=am, wm=wm: launch_tma(k, am, wm, a, bias, x0, c, M, N, K, mode))
                                for suffix, am, wm, _ in made]
                    for suffix, run in runs:
                        c.fill_(float("nan"))
                        torch.cuda.synchronize()
                        print(f"-- {k['name']}", file=sys.stderr, flush=True)
                        run()
                        torch.cuda.synchronize()
                        err = (c.double() - ref).abs().max().item()
                        ms = timed(run)
                        row[k["name"] + suffix] = dict(ms=ms, tflops=flop / ms / 1e9, err=err)
                results.append(row)
                best = sorted(((v["ms"], n) for n, v in row.items() if isinstance(v, dict)))[:3]
                bf16 = f", bf16 {row['torch_bf16_ms']:.4f} ms" if "torch_bf16_ms" in row else ""
                print(f"{preset} {M:5} {layer:6} N {N:4} K {K:4}: torch tf32 {row['torch_tf32_ms']:.4f} ms "
                      f"({flop / row['torch_tf32_ms'] / 1e9:.0f} TF/s), fp32 {row['torch_fp32_ms']:.4f} ms{bf16}; best "
                      + ", ".join(f"{n} {ms:.4f} ms ({flop / ms / 1e9:.0f} TF/s, err {row[n]['err']:.1e})" for ms, n in best),
                      flush=True)


if __name__ == "__main__":
    main()
