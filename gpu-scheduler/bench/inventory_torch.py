#!/usr/bin/env python3
"""The inventory scan's shapes in PyTorch on the same card, the reference for InventoryBenchmark:

  inventory_torch.py time OUT.json [ADS]      N ads (default 1,000,000): 126-d fp32 vectors (the light
                                              model's part of a served row, which is all a light
                                              ranking reads of the scan's 190), a prior, a
                                              targeting word, interests and a category each; per call of B
                                              requests (1, 8, 32): scores = Q V^T + prior, masked by each
                                              request's targeting with inventory.cu's bit tests as tensor
                                              ops, torch.topk(k = 1000). Eager and CUDA graph, CUDA events.
  inventory_torch.py report JAVA.json TORCH.json   the markdown table of both (inventory.md)

The data are random with the same shapes and a similar share of targeted ads, not the Java run's ads:
this times the work, parity is InventoryBenchmark's own check against the CPU twin.
"""
import json
import statistics
import sys

D, K = 126, 1000
COUNTRY, DEVICE, AGE = (1 << 10) - 1, ((1 << 3) - 1) << 10, ((1 << 6) - 1) << 13


def build(torch, n):
    g = torch.Generator(device="cuda").manual_seed(1)
    v = torch.randn(n, D, device="cuda", generator=g)
    prior = 0.3 * torch.randn(n, device="cuda", generator=g)

    def field(bits, shift):
        targeted = torch.rand(n, device="cuda", generator=g) < 0.5
        subset = torch.randint(1, 1 << bits, (n,), device="cuda", generator=g, dtype=torch.int32) << shift
        return torch.where(targeted, subset, torch.zeros_like(subset))

    word = field(10, 0) | field(3, 10) | field(6, 13)
    targeted = torch.rand(n, device="cuda", generator=g) < 0.3
    interests = torch.where(targeted, torch.randint(1, 1 << 50, (n,), device="cuda", generator=g),
                            torch.zeros(n, dtype=torch.int64, device="cuda"))
    category = torch.randint(0, 50, (n,), device="cuda", generator=g)
    return v, prior, word, interests, category


def requests(torch, b, seed):
    g = torch.Generator(device="cuda").manual_seed(seed)
    q = torch.randn(b, D, device="cuda", generator=g)
    country = torch.randint(0, 10, (b, 1), device="cuda", generator=g)
    device = torch.randint(0, 3, (b, 1), device="cuda", generator=g)
    age = torch.randint(0, 6, (b, 1), device="cuda", generator=g)
    one = torch.ones_like(country)
    known = ((one << country) | (one << (10 + device)) | (one << (13 + age))).to(torch.int32)
    interests = torch.randint(1, 1 << 50, (b, 1), device="cuda", generator=g)
    categories = torch.zeros(b, 1, dtype=torch.int64, device="cuda")
    return q, known, interests, categories


def scan(torch, ads, req):
    v, prior, word, ad_interests, category = ads
    q, known, interests, categories = req
    ok = torch.ones(q.shape[0], v.shape[0], dtype=torch.bool, device="cuda")
    for f in (COUNTRY, DEVICE, AGE):
        m = word & f
        ok &= (m == 0) | ((m & known) != 0)
    ok &= (ad_interests == 0) | ((ad_interests & interests) != 0)
    ok &= (categories == 0) | (((categories >> category) & 1) != 0)
    scores = (q @ v.T + prior).masked_fill(~ok, float("-inf"))
    return torch.topk(scores, K, dim=1)


def timed(torch, fn, repeats):
    ms = []
    for _ in range(repeats):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        ms.append(start.elapsed_time(stop))
    ms.sort()
    return {"p50Ms": statistics.median(ms), "p99Ms": ms[min(len(ms) - 1, int(len(ms) * 0.99))]}


def cmd_time(out, n="1000000"):
    import torch

    if not torch.cuda.is_available():
        print("no CUDA device visible to PyTorch", file=sys.stderr)
        return 2
    torch.backends.cuda.matmul.allow_tf32 = False
    ads = build(torch, int(n))
    rows = []
    with torch.inference_mode():
        for b in (1, 8, 32):
            req = requests(torch, b, b)
            for _ in range(5):
                scan(torch, ads, req)
            eager = timed(torch, lambda: scan(torch, ads, req), 100)
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(3):
                    scan(torch, ads, req)
            torch.cuda.current_stream().wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                scan(torch, ads, req)
            replay = timed(torch, graph.replay, 100)
            rows.append({"requestsPerCall": b, "eager": eager, "graph": replay})
            print(f"torch B={b:2}: eager p50 {eager['p50Ms']:.3f} ms p99 {eager['p99Ms']:.3f}; "
                  f"graph p50 {replay['p50Ms']:.3f} p99 {replay['p99Ms']:.3f}", flush=True)
    json.dump({"torch": torch.__version__, "card": torch.cuda.get_device_name(0), "ads": int(n), "rows": rows},
              open(out, "w"), indent=1)
    return 0


def cmd_report(java_path, torch_path):
    java = json.load(open(java_path))
    try:
        torch = json.load(open(torch_path))
    except (OSError, ValueError):
        torch = {"rows": []}
    t = {r["requestsPerCall"]: r for r in torch["rows"]}
    print(f"Card: {java['card']}; {java['ads']:,} ads of {java['dim']} dimensions, queries over "
          f"{java.get('queryDims', java['dim'])} of them, k = {java['k']}; PyTorch {torch.get('torch', 'not run')} "
          f"({D} dimensions).\n")
    p, w = java["parity"], java.get("parityWholeRows")
    whole_rows = f" and {w['identical']} of {w['requests']} over whole rows" if w else ""
    print(f"Parity with the CPU twin: {p['identical']} of {p['requests']} requests{whole_rows} identical, "
          f"key for key.\n")
    print("| requests per call | GPU scan p50 / p99 ms | requests/s | torch eager p50 / p99 ms | torch graph p50 / p99 ms |")
    print("| --- | --- | --- | --- | --- |")
    for r in java["calls"]:
        tr = t.get(r["requestsPerCall"])
        fmt = lambda x: "-" if x is None else f"{x['p50Ms']:.3f} / {x['p99Ms']:.3f}"
        print(f"| {r['requestsPerCall']} | {r['p50Ms']:.3f} / {r['p99Ms']:.3f} | {r['requestsPerSecond']:,.0f} "
              f"| {fmt(tr and tr['eager'])} | {fmt(tr and tr['graph'])} |")
    whole = java.get("callsWholeRows32")
    if whole:
        print(f"\n32 requests per call over whole rows ({whole['queryDims']} dimensions): p50 {whole['p50Ms']:.3f} ms, "
              f"p99 {whole['p99Ms']:.3f} ms.")
    c = java["clients32"]
    print(f"\n32 clients through the batcher: {c['requestsPerSecond']:,.0f} requests/s, p50 {c['p50Ms']:.3f} ms, "
          f"p99 {c['p99Ms']:.3f} ms, p999 {c['p999Ms']:.3f} ms, {c['requestsPerCall']:.1f} requests per call.")
    print(f"A one-ad write first in the next search after {java['writeVisibleMs']:.3f} ms; all "
          f"{java['ads']:,} written in {java['writeAllMs']:.0f} ms; {java['deviceMb']:.0f} MB reserved on the card.")
    ivf = java["cpuIvf"]
    print(f"On this machine's CPU: the twin scans one request in {java['cpuScanMs']:.1f} ms; the IVF (serving's "
          f"CPU path, approximate, over 64-d tower vectors) p50 {ivf['p50Ms']:.2f} ms, p99 {ivf['p99Ms']:.2f} ms.")
    return 0


if __name__ == "__main__":
    commands = {"time": cmd_time, "report": cmd_report}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(commands[sys.argv[1]](*sys.argv[2:]))
