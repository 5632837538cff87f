#!/usr/bin/env bash
# The GPU backend's one benchmark command, for a GPU machine with .device/ prepared by
# prepare-device.sh (a Java runtime and the jars in .device/bundle.tar.xz, unpacked here; the machine
# needs no Java of its own):
#   bash gpu-scheduler/bench/gpu-bench.sh [OUT_DIR]        (from the repository root)
# OUT_DIR defaults to $OUT when set (the device runner's folder), else .device/bench-results/. Each of
# the three timed steps is capped at 100 s, the inventory's at 180 s and each serving step at 300 s;
# it writes:
#   card.txt        nvidia-smi: the card, driver, clocks
#   gpu-tests.txt   the @Tag("gpu") tests: parity with the Java reference on every preset, budget, scheduler
#   java.txt/json   the Java GPU backend: kernels, score() p50/p99, candidates/s, TFLOP/s (GpuBenchmark)
#   torch.txt/json  the same models in PyTorch on the same card: eager, CUDA graph, eager with copies
#   report.md       both, side by side, with the ratios (the tables for BENCHMARKS.md)
#   layers.json/txt each linear layer of demo and x100 alone: dcn.cu's mma.sync variants and the wgmma
#                   ones of layers/variants.cu, and dcn.cu's BF16 kernels over bf16 storage, against
#                   PyTorch's F.linear (cuBLAS) in TF32, fp32 and BF16 (layer_times.py)
#   tma.json/txt    the same layers with layers/tma.cu's kernels (TMA, mbarriers, producer and consumer
#                   warpgroups, wgmma) in TF32 and BF16, against PyTorch's TF32 and BF16 F.linear
#   inventory.md    the inventory on the card: a million ads, top 1,000 per request, parity with the
#                   CPU twin, per-call and 32-client latency, PyTorch on the same shapes (InventoryBenchmark,
#                   inventory_torch.py; json beside it)
#   serve.md        /v1/rank served with the GPU backend: p99 under load, scores against the Java
#                   reference through the API, batching's worth, fault drills (gpu-serve.sh; when the
#                   bundle carries a model)
#   serve-scan.md   /v1/rank at 1,000,000 ads with an untrained x100 on the GPU, the light model ranking
#                   every eligible ad on the card (kind = scan) against the CPU's IVF and light cut, at
#                   rising QPS (gpu-serve-scan.sh)
# A failed step does not stop the ones after it; the exit status is 1 if any failed. STEPS picks
# steps (default "tests java torch layers tma inventory serve scan"). Their caps add up to 1,380 s (a
# whole run took 190 s before BF16, the layers, the inventory, the drills and the scan serving were
# added); where a call may run at most 600 s, STEPS="tests java torch layers inventory", then
# "tma serve", then "scan" split them over calls to one OUT_DIR, in that order of worth.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:-${OUT:-.device/bench-results}}
mkdir -p "$out"
if [ -f .device/bundle.tar.xz ] && { [ ! -x .device/jre/bin/java ] || [ .device/bundle.tar.xz -nt .device/jre ]; }; then
    rm -rf .device/jre .device/lib .device/gpu-test-classes .device/layers .device/model
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' .device/bundle.tar.xz .device \
        || { echo "could not unpack .device/bundle.tar.xz" >&2; exit 2; }
    touch .device/jre
fi
java=.device/jre/bin/java
[ -x "$java" ] || { echo "no $java: run gpu-scheduler/bench/prepare-device.sh first and carry .device" >&2; exit 2; }
cp=$(ls .device/lib/*.jar | grep -v junit-platform-console | paste -sd: -)
steps=" ${STEPS:-tests java torch layers tma inventory serve scan} "
runs() { [[ "$steps" == *" $1 "* ]]; }
status=0

{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.sm,power.limit --format=csv; nvidia-smi; } \
    > "$out/card.txt" 2>&1
head -2 "$out/card.txt"

if runs tests; then
    echo "== GPU tests"
    timeout 100 "$java" -jar .device/lib/junit-platform-console-standalone-*.jar execute \
        --class-path ".device/gpu-test-classes:$cp" --select-package adsml.scheduler.gpu --include-tag gpu \
        --details tree --disable-banner --disable-ansi-colors > "$out/gpu-tests.txt" 2>&1 || status=1
    tail -15 "$out/gpu-tests.txt"
fi

if runs java; then
    echo "== Java GPU backend"
    timeout 100 "$java" -cp "$cp" adsml.bench.GpuBenchmark "$out" > "$out/java.txt" 2>&1 || status=1
    cat "$out/java.txt"
fi

if runs torch; then
    echo "== PyTorch"
    timeout 100 python3 gpu-scheduler/bench/dcn_torch.py time --shapes "$out/shapes.json" --out "$out/torch.json" \
        > "$out/torch.txt" 2>&1 || status=1
    tail -5 "$out/torch.txt"
fi

echo "== report"
if [ -f "$out/java.json" ]; then
    torch_arg=()
    [ -f "$out/torch.json" ] && torch_arg=(--torch "$out/torch.json")
    python3 gpu-scheduler/bench/dcn_torch.py report --java "$out/java.json" "${torch_arg[@]}" > "$out/report.md" || status=1
    cat "$out/report.md"
fi
if runs layers; then
    if [ -f .device/layers/variants.ptx ]; then
        echo "== each layer alone, against cuBLAS"
        timeout 120 python3 gpu-scheduler/bench/layers/layer_times.py "$out/layers.json" .device/layers/variants.ptx \
            .device/layers/dcn.ptx \
            > "$out/layers.txt" 2>&1 || status=1
        tail -5 "$out/layers.txt"
    else
        echo "== layers: no .device/layers/variants.ptx in the bundle (prepare-device.sh builds it)"
    fi
fi
if runs tma; then
    # These kernels have not run on a GPU before: one that traps (a barrier waited on for a second) ends its
    # process's context, one that hangs its process. Each try's stderr names the kernel in flight last; the
    # next try leaves it out (three tries, 60 s each).
    if [ -f .device/layers/tma.ptx ]; then
        echo "== each layer alone with TMA-fed wgmma, TF32 and BF16, against cuBLAS"
        skip=
        for try in 1 2 3; do
            if timeout 60 python3 gpu-scheduler/bench/layers/layer_times.py "$out/tma.json" .device/layers/tma.ptx \
                --skip "$skip" > "$out/tma.txt" 2> "$out/tma-$try.err"; then
                break
            fi
            status=1
            bad=$(grep -o '^-- [a-z0-9_]*' "$out/tma-$try.err" | tail -1 | cut -c4-)
            echo "try $try failed in ${bad:-no kernel}: $(grep -v '^-- ' "$out/tma-$try.err" | tail -2)"
            [ -n "$bad" ] || break
            skip="$skip,$bad"
        done
        tail -14 "$out/tma.txt"
    else
        echo "== tma: no .device/layers/tma.ptx in the bundle (prepare-device.sh builds it)"
    fi
fi

if runs inventory; then
    echo "== the inventory on the card"
    timeout 120 "$java" -Xmx12g -cp "$cp" adsml.bench.InventoryBenchmark "$out" > "$out/inventory.txt" 2>&1 || status=1
    tail -3 "$out/inventory.txt"
    timeout 60 python3 gpu-scheduler/bench/inventory_torch.py time "$out/inventory-torch.json" \
        > "$out/inventory-torch.txt" 2>&1 || status=1
    tail -3 "$out/inventory-torch.txt"
    if [ -f "$out/inventory.json" ]; then
        python3 gpu-scheduler/bench/inventory_torch.py report "$out/inventory.json" "$out/inventory-torch.json" \
            > "$out/inventory.md" || status=1
        cat "$out/inventory.md"
    fi
fi

if ! runs serve; then
    echo "== /v1/rank not served: not in STEPS"
elif [ -d .device/model ]; then
    echo "== /v1/rank served on the GPU"
    timeout -k 15 300 bash gpu-scheduler/bench/gpu-serve.sh "$out" || status=1
    # Again here: a step cut off by its timeout never wrote it.
    python3 gpu-scheduler/bench/serve_check.py report "$out" > "$out/serve.md"
else
    echo "== /v1/rank not served: the bundle carries no model (prepare-device.sh DATA_DIR)"
fi
if runs scan; then
    echo "== /v1/rank at a million ads: the inventory on the card against the CPU's IVF"
    timeout -k 15 300 bash gpu-scheduler/bench/gpu-serve-scan.sh "$out" || status=1
fi
exit $status
