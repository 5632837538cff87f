#!/usr/bin/env bash
# gpu-bench.sh, then (on a card other than the baseline's H200) the Java benchmark again with a
# baseline gpu-scheduler jar, so that before and after come from the same card:
#   bash gpu-scheduler/bench/gpu-bench-ab.sh OUT_DIR BASE_JAR     (from a tree prepared by prepare-device.sh)
# NCU=0 leaves out the ncu pass (per-kernel times of the first demo passes, about 30 s).
# Everything goes into OUT_DIR/all.tgz; the reports and test log beside it (the device tool returns 8 files).
set -uo pipefail
cd "$(dirname "$0")/../.."
out=$1
base_jar=$2
res=$(mktemp -d)
mkdir -p "$res/new" "$res/base"
bash gpu-scheduler/bench/gpu-bench.sh "$res/new"
status=$?
card=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
if [ -f "$base_jar" ] && [[ "$card" != *H200* || -n "${FORCE_BASE:-}" ]]; then
    echo "== baseline Java GPU backend on $card ($base_jar)"
    cp=$(ls .device/lib/*.jar | grep -v junit-platform-console | grep -v adsml-gpu-scheduler | paste -sd: -)
    timeout 100 .device/jre/bin/java -cp "$base_jar:$cp" adsml.bench.GpuBenchmark "$res/base" > "$res/base/java.txt" 2>&1
    cat "$res/base/java.txt"
    if [ -f "$res/base/java.json" ]; then
        python3 gpu-scheduler/bench/dcn_torch.py report --java "$res/base/java.json" --torch "$res/new/torch.json" \
            > "$res/base/report.md"
        cp "$res/base/report.md" "$out/report-base.md"
    fi
fi
if command -v ncu > /dev/null && [ "${NCU:-1}" = 1 ]; then
    # Per-kernel device time of the first forward passes (demo fp32, 256 rows, graph replays).
    echo "== ncu: the first 21 kernels"
    cp=$(ls .device/lib/*.jar | grep -v junit-platform-console | paste -sd: -)
    timeout 60 ncu --clock-control none --launch-count 21 --metrics gpu__time_duration.sum \
        .device/jre/bin/java -cp "$cp" adsml.bench.GpuBenchmark "$res/ncu-bench" > "$res/ncu.txt" 2>&1
    grep -E "^  [a-z_0-9]+ \(|gpu__time_duration" "$res/ncu.txt" | paste - - | awk '{print $1, $(NF)}' | head -21
fi
tar czf "$out/all.tgz" -C "$res" .
for f in report.md gpu-tests.txt java.txt; do
    [ -f "$res/new/$f" ] && cp "$res/new/$f" "$out/$f"
done
exit $status
