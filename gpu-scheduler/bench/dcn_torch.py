#!/usr/bin/env python3
"""The baseline for adsml's GPU backend: the same DCN shapes in plain PyTorch, on the same card.

  dcn_torch.py time   --shapes shapes.json --out torch.json
  dcn_torch.py report --java java.json --torch torch.json > report.md

`time` builds each preset of shapes.json (written by adsml.bench.GpuBenchmark) as an ordinary
nn.Module with random weights and times a forward pass per batch size, in fp32 (TF32 off) and in
TF32, three ways: eager and CUDA-graph replay with the inputs already on the device (what the
Java side's kernel time measures), and eager with the ids and dense values copied in from pinned
memory and the scores copied out (what the Java side's score() measures). Times come from CUDA
events (device-side modes) or a synchronised wall clock (the copy mode), medians and p99 over
repeated passes after a warm-up, on inputs rotated among four sets.

`report` joins the two result files into the Markdown tables of BENCHMARKS.md.
"""
import argparse
import json
import statistics
import sys
import time


def build(shape, torch):
    nn = torch.nn

    class Dcn(nn.Module):
        def __init__(self):
            super().__init__()
            d = shape["slots"] * shape["embeddingDim"] + shape["dense"]
            self.embedding = nn.Embedding(shape["tableRows"], shape["embeddingDim"])
            self.cross = nn.ModuleList(nn.Linear(d, d) for _ in range(shape["crossLayers"]))
            layers, width = [], d
            for out in shape["mlp"]:
                layers += [nn.Linear(width, out), nn.ReLU()]
                width = out
            self.mlp = nn.Sequential(*layers)
            self.head = nn.Linear(width, shape["heads"])

        def forward(self, ids, dense):
            # In bf16 the dense inputs are cast as the weights are (a no-op in fp32).
            x0 = torch.cat([self.embedding(ids).flatten(1), dense.to(self.embedding.weight.dtype)], dim=1)
            x = x0
            for layer in self.cross:
                x = x0 * layer(x) + x
            return torch.sigmoid(self.head(self.mlp(x)))

    return Dcn()


def inputs(shape, batch, seed, torch, device):
    """Valid ids (each inside its slot's rows, as RandomFeatures makes them) and dense values in [-1, 1]."""
    g = torch.Generator().manual_seed(seed)
    columns, offset = [], 0
    for vocab in shape["slotVocabs"]:
        columns.append(torch.randint(0, vocab, (batch, 1), generator=g) + offset)
        offset += vocab
    ids = torch.cat(columns, dim=1).to(torch.int32)
    dense = torch.rand((batch, shape["dense"]), generator=g) * 2 - 1
    if device == "pinned":
        return ids.pin_memory(), dense.pin_memory()
    return ids.to(device), dense.to(device)


def summary(ms, batch):
    ms = sorted(ms)
    median = statistics.median(ms)
    return {"medianMs": median, "p99Ms": ms[min(len(ms) - 1, max(0, int(len(ms) * 0.99 + 0.999) - 1))],
            "candidatesPerSecond": batch / median * 1e3, "samples": len(ms)}


def repeats_for(estimate_ms, budget_ms=400.0):
    return int(max(10, min(500, budget_ms / max(estimate_ms, 1e-3))))


def time_events(fn, torch, repeats):
    """Per-pass device time between two events; the pass is whatever fn enqueues."""
    ms = []
    for i in range(repeats):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn(i)
        stop.record()
        stop.synchronize()
        ms.append(start.elapsed_time(stop))
    return ms


def time_case(model, shape, batch, mode, torch):
    sets = [inputs(shape, batch, 1000 * batch + i, torch, "cuda") for i in range(4)]
    if mode == "eager":
        fn = lambda i: model(*sets[i % 4])
    elif mode == "graph":
        static_ids, static_dense = (t.clone() for t in sets[0])
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                model(static_ids, static_dense)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            model(static_ids, static_dense)

        def fn(i):
            # Rotating inputs into the graph's static buffers is part of a served pass.
            static_ids.copy_(sets[i % 4][0])
            static_dense.copy_(sets[i % 4][1])
            graph.replay()
    else:  # eager with copies: pinned host in, scores out, as the Java score() does
        host = [inputs(shape, batch, 1000 * batch + i, torch, "pinned") for i in range(4)]
        out = torch.empty((batch, shape["heads"]), pin_memory=True)

        def fn(i):
            ids, dense = host[i % 4]
            scores = model(ids.to("cuda", non_blocking=True), dense.to("cuda", non_blocking=True))
            out.copy_(scores, non_blocking=True)
            torch.cuda.current_stream().synchronize()

    for i in range(10):
        fn(i)
    torch.cuda.synchronize()
    if mode == "copies":
        t0 = time.perf_counter()
        fn(0)
        estimate = (time.perf_counter() - t0) * 1e3
        ms = []
        for i in range(repeats_for(estimate)):
            t0 = time.perf_counter()
            fn(i)
            ms.append((time.perf_counter() - t0) * 1e3)
        return summary(ms, batch)
    estimate = statistics.median(time_events(fn, torch, 3))
    return summary(time_events(fn, torch, repeats_for(estimate)), batch)


def cmd_time(args):
    import torch

    if not torch.cuda.is_available():
        print("no CUDA device visible to PyTorch", file=sys.stderr)
        return 2
    shapes = json.load(open(args.shapes))
    rows = []
    for shape in shapes:
        torch.manual_seed(7)
        model = build(shape, torch).cuda().eval()
        for precision in ("fp32", "tf32", "bf16"):
            torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
            torch.backends.cudnn.allow_tf32 = precision == "tf32"
            if precision == "bf16":
                model = model.to(torch.bfloat16)  # weights and activations in bf16, as PyTorch serves bf16
            with torch.inference_mode():
                for batch in shape["batches"]:
                    # bf16 without the copies row: the report compares kernels, and the step must fit its cap.
                    for mode in ("eager", "graph") if precision == "bf16" else ("eager", "graph", "copies"):
                        r = time_case(model, shape, batch, mode, torch)
                        r.update(preset=shape["preset"], precision=precision, batch=batch, mode=mode)
                        rows.append(r)
                        print(f"torch {shape['preset']:5} {precision:5} batch {batch:5} {mode:6} median {r['medianMs']:8.3f} ms"
                              f" p99 {r['p99Ms']:8.3f} ms  {r['candidatesPerSecond'] / 1e6:8.2f}M cand/s", flush=True)
        del model
        torch.cuda.empty_cache()
    result = {"torch": torch.__version__, "cuda": torch.version.cuda, "card": torch.cuda.get_device_name(0), "rows": rows}
    json.dump(result, open(args.out, "w"), indent=2)
    return 0


def cmd_report(args):
    java = json.load(open(args.java))
    torch = json.load(open(args.torch)) if args.torch else {"rows": []}
    t = {(r["preset"], r["precision"], r["batch"], r["mode"]): r for r in torch["rows"]}
    print(f"Card: {java['card']} (CUDA driver API {java['cudaDriverApi']}); PyTorch {torch.get('torch', 'not run')}"
          f" (CUDA {torch.get('cuda', '-')}).\n")
    print("Candidates/s in millions; kernel columns have the inputs on the device, score() and torch+copies include "
          "the copies in and out. TFLOP/s against the datasheet peak.\n")
    print("| preset | precision | batch | GPU kernels | TFLOP/s (peak) | torch eager | torch graph | x eager | x graph "
          "| score() 1 caller | score() 2 callers | torch+copies | score() p50 / p99 ms | max diff |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in java["rows"]:
        key = (r["preset"], r["precision"], r["batch"])
        eager, graph, copies = (t.get(key + (m,)) for m in ("eager", "graph", "copies"))
        kernel = r["kernelCandidatesPerSecond"]
        fmt = lambda x: "-" if x is None else f"{x['candidatesPerSecond'] / 1e6:.2f}"
        ratio = lambda x: "-" if x is None else f"{kernel / x['candidatesPerSecond']:.2f}"
        print(f"| {r['preset']} | {r['precision']} | {r['batch']} | {kernel / 1e6:.2f} | {r['kernelTflops']:.1f} ({r['peakTflops']})"
              f" | {fmt(eager)} | {fmt(graph)} | {ratio(eager)} | {ratio(graph)}"
              f" | {r['scoreCandidatesPerSecond'] / 1e6:.2f} | {r['scoreCandidatesPerSecondTwoCallers'] / 1e6:.2f} | {fmt(copies)}"
              f" | {r['scoreP50Ms']:.3f} / {r['scoreP99Ms']:.3f} | {r['maxAbsDiffVsReference']:.1e} (<= {r['tolerance']}) |")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("time")
    p.add_argument("--shapes", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("report")
    p.add_argument("--java", required=True)
    p.add_argument("--torch")
    args = parser.parse_args()
    return cmd_time(args) if args.command == "time" else cmd_report(args)


if __name__ == "__main__":
    sys.exit(main())
