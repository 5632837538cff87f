#!/usr/bin/env bash
# Regenerates the committed PTX from the CUDA sources beside this script:
#   gpu-scheduler/src/main/cuda/build-ptx.sh [OUT_DIR]
# OUT_DIR defaults to the resources folder the backend loads PTX from; PtxFreshnessTest runs this
# script into a temporary folder and fails when the result differs from what is committed.
# compute_90 PTX: the H100/H200 driver JIT-compiles it at module load. The
# --line-info-free, -O3 build keeps the PTX free of host paths, so it is the same on every machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../resources/adsml/scheduler/gpu}
mkdir -p "$out"
for cu in "$here"/*.cu; do
    name=$(basename "$cu" .cu)
    # Compile from inside the folder with a relative name: nvcc writes no absolute path then.
    (cd "$here" && nvcc -ptx -arch=compute_90 -O3 -o "$out/$name.ptx" "$name.cu")
done
