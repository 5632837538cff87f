#!/usr/bin/env bash
# /v1/rank end to end on a GPU machine: the last step of gpu-bench.sh, or alone once it has unpacked
# .device/ (prepare-device.sh with a data folder packs the demo model):
#   bash gpu-scheduler/bench/gpu-serve.sh [OUT_DIR] [BACKEND]
# Serves the demo world (generated here: seed 1 and the demo's sizes give the same ads, users and
# campaigns as on the dev machine; serving reads no impression log) and model with BACKEND (default
# gpu; 'auto' lets a machine without a GPU run it all on its CPU, to try the script). Then:
#   1. /v1/rank at 1000 candidates per request with 'adsml load': open loop at 200, 1000 and 2000 QPS
#      and 32 closed-loop clients, 15 s each, after 10 s of unmeasured load (serve-load-*.json);
#   2. 20 debug rank requests (every candidate's pCTR and pCVR) to this server, and the same 20 to a
#      server on the same data scoring with the plain-Java reference (adsml.scheduler.cpu.engine =
#      reference: DJL's PyTorch library cannot travel here); parity.txt compares them, tolerance
#      1e-4 (fp32);
#   1b. the 32 clients again with batches capped at one request's 1,000 rows (PUT /admin/api/scheduler):
#      what dynamic batching is worth (serve-load-clients32-unbatched.json);
#   2b. fault drills on the GPU under load: at 500 QPS for 12 s, 3 s in, POST a 'launch' fault
#      drill to gpu0 (then, in a second run, a 'trap', which rebuilds the CUDA context); the failed
#      batch goes to the CPU, gpu0 is quarantined and must take work again (drill-*.json, and the
#      load's status counts in serve-load-drill-*.json: no request should fail);
#   3. that CPU server under load, open loop at 50 QPS and 32 clients (serve-load-cpu-*.json): the
#      CPU backend on this machine's cores, with the reference engine (about 25 times slower than DJL).
# Writes serve.md (the tables for BENCHMARKS.md), the servers' logs and /metrics. About 4.5 minutes.
# The CPU backend with DJL is timed on the dev machine (BENCHMARKS.md), not here.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:-${OUT:-.device/bench-results}}
backend=${2:-gpu}
mkdir -p "$out"
[ -d .device/model ] || { echo "no .device/model: run prepare-device.sh with a data folder, then gpu-bench.sh" >&2; exit 2; }
. gpu-scheduler/bench/serve-common.sh

adsml world --out "$data/world" --seed 1 --ads 100000 --users 50000 --train 1 --heldout 1 > /dev/null || exit 1
mkdir -p "$data/models/ctr"
cp -r .device/model/* "$data/models/ctr/"   # one version folder, under its own number

# start NAME BACKEND ENGINE WARM_UP_REQUESTS: a server on $data, ready, or its log's tail and a failure.
start() {
    serve "$out/serve-$1.log" -Xmx8g -Dadsml.scheduler.backend="$2" -Dadsml.scheduler.cpu.engine="$3" \
        -Dadsml.server.warm-up-requests="$4" || return 1
    grep -m1 "scoring on" "$out/serve-$1.log" || true
}

echo "== /v1/rank, backend $backend"
if start "$backend" "$backend" reference 1000; then
    adsml load --url "$url" --clients 32 --duration 10s --warmup 0s --json > /dev/null
    for qps in 200 1000 2000; do
        adsml load --url "$url" --qps $qps --duration 15s --warmup 0s --json > "$out/serve-load-qps$qps.json" || status=1
        tail -1 "$out/serve-load-qps$qps.json"
    done
    adsml load --url "$url" --clients 32 --duration 15s --warmup 0s --json > "$out/serve-load-clients32.json" || status=1
    tail -1 "$out/serve-load-clients32.json"
    # Dynamic batching's worth: the same 32 clients with batches capped at one request's 1,000 rows.
    check put http://127.0.0.1:18081 gpu-bench /admin/api/scheduler '{"maxBatchRows": 1000}' || status=1
    adsml load --url "$url" --clients 32 --duration 15s --warmup 0s --json \
        > "$out/serve-load-clients32-unbatched.json" || status=1
    tail -1 "$out/serve-load-clients32-unbatched.json"
    check put http://127.0.0.1:18081 gpu-bench /admin/api/scheduler '{"maxBatchRows": 4096}' || status=1
    if [ "$backend" = gpu ]; then
        for fault in launch trap; do
            adsml load --url "$url" --qps 500 --duration 12s --warmup 0s --json > "$out/serve-load-drill-$fault.json" &
            load=$!
            sleep 3
            check drill http://127.0.0.1:18081 gpu-bench gpu0 "$fault" "$out/drill-$fault.json" || status=1
            wait "$load" || status=1
            tail -1 "$out/serve-load-drill-$fault.json"
        done
    fi
    check fetch "$url" "$out/parity-$backend.json" 20 gpu-bench || status=1
    check get "$url" /metrics "$out/serve-metrics.txt" || status=1
    stop
else
    status=1
fi

echo "== the same requests, scored with the Java reference on the CPU"
if start reference cpu reference 0; then
    check fetch "$url" "$out/parity-reference.json" 20 gpu-bench || status=1
    # The CPU backend under load on this machine's cores, beside the GPU's figures above.
    adsml load --url "$url" --clients 32 --duration 5s --warmup 0s --json > /dev/null
    for load in "--qps 50" "--clients 32"; do
        name=$(echo "$load" | tr -d ' -')
        adsml load --url "$url" $load --duration 15s --warmup 0s --json > "$out/serve-load-cpu-$name.json" || status=1
        tail -1 "$out/serve-load-cpu-$name.json"
    done
    stop
else
    status=1
fi
check compare "$out/parity-$backend.json" "$out/parity-reference.json" 1e-4 | tee "$out/parity.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
check report "$out" > "$out/serve.md"
cat "$out/serve.md"
exit $status
