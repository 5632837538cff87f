#!/usr/bin/env bash
# /v1/rank at a million ads on a GPU machine, the inventory on the card against the CPU's IVF: the
# 'scan' step of gpu-bench.sh, or alone once it has unpacked .device/:
#   bash gpu-scheduler/bench/gpu-serve-scan.sh [OUT_DIR] [BACKEND]
# Generates a world of 1,000,000 ads and 50,000 users (seed 1) and an untrained x100 DCN version
# (adsml.bench.RandomModel: the trainer needs DJL's PyTorch, which does not travel; the shape's
# latency is the point, its scores are not predictions) and an untrained light model (RandomModel
# light: an LR over light-v1), then serves them twice on the GPU backend:
#   scan: adsml.platform.index.kind = scan: the light model ranks every eligible ad on the card per
#         request, its best 1,024 come back and the CPU cut keeps 1,000 by the exact eCPM;
#   ivf:  kind = ivf: 10,000 retrieved on the CPU and cut to 1,000 by the light model on the CPU;
# each at 1,000 candidates for the heavy model per request, open loop at rising QPS (10 s each, after 10 s unmeasured)
# until p99 passes 20 ms or answers fall under 99% 200s, then 32 closed-loop clients
# (serve-scan-*.json). Writes serve-scan.md. About 4 minutes. BACKEND (default gpu; 'auto' tries the
# script on a machine without a GPU, where the CPU scores x100 at about a second a request) and
# WARM_UP (requests before serving, default 1000) are for trying it.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:-${OUT:-.device/bench-results}}
backend=${2:-gpu}
mkdir -p "$out"
. gpu-scheduler/bench/serve-common.sh

adsml world --out "$data/world" --seed 1 --ads 1000000 --users 50000 --train 1 --heldout 1 > /dev/null || exit 1
"$java" -cp "$cp" adsml.bench.RandomModel x100 "$data/models/ctr" || exit 1
"$java" -cp "$cp" adsml.bench.RandomModel light "$data/models/light" || exit 1

for kind in scan ivf; do
    echo "== /v1/rank, 1,000,000 ads, x100 on the GPU, retrieval: $kind"
    rm -rf "$data/users" "$data/index"
    if ! serve "$out/serve-scan-$kind.log" -Xmx${HEAP:-16g} -Dadsml.scheduler.backend="$backend" \
        -Dadsml.platform.index.kind="$kind" -Dadsml.server.warm-up-requests="${WARM_UP:-1000}"; then
        status=1
        continue
    fi
    grep -m1 "retrieval:" "$out/serve-scan-$kind.log" || true
    grep -m1 "light-ranks by" "$out/serve-scan-$kind.log" || true
    adsml load --url "$url" --clients 32 --duration 10s --warmup 0s --json > /dev/null
    for qps in 500 1000 2000 3000 4000 6000 8000; do
        file="$out/serve-scan-$kind-qps$qps.json"
        adsml load --url "$url" --qps $qps --duration 10s --warmup 0s --json > "$file" || status=1
        tail -1 "$file"
        # Past the knee: the next step only measures a queue.
        python3 - "$file" <<'PY' || break
import json, sys
r = json.load(open(sys.argv[1]))
ok = r.get("status", {}).get("200", 0) / max(1, r["requests"])
sys.exit(0 if r["p99_ms"] <= 20 and ok >= 0.99 else 1)
PY
    done
    adsml load --url "$url" --clients 32 --duration 10s --warmup 0s --json > "$out/serve-scan-$kind-clients32.json" \
        || status=1
    tail -1 "$out/serve-scan-$kind-clients32.json"
    check get "$url" /metrics "$out/serve-scan-$kind-metrics.txt" || status=1
    stop
done

python3 - "$out" > "$out/serve-scan.md" <<'PY'
import json, os, sys
out = sys.argv[1]
print("### /v1/rank at 1,000,000 ads, untrained x100 on the GPU: light ranking on the card (scan) or the CPU (ivf)")
print()
print("| retrieval | load | requests | 200s | QPS | p50 ms | p99 ms | max ms |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for kind in ("scan", "ivf"):
    names = sorted((f for f in os.listdir(out) if f.startswith(f"serve-scan-{kind}-") and f.endswith(".json")),
                   key=lambda f: (f.endswith("clients32.json"), int(f.split("qps")[1][:-5]) if "qps" in f else 0))
    for f in names:
        r = json.load(open(os.path.join(out, f)))
        ok = r.get("status", {}).get("200", 0)
        load = f[len(f"serve-scan-{kind}-"):-5]
        print(f"| {kind} | {load} | {r['requests']} | {ok / max(1, r['requests']):.1%} | {r['qps']:.0f} "
              f"| {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.1f} |")
PY
cat "$out/serve-scan.md"
exit $status
