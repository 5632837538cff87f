#!/usr/bin/env bash
# Prepares .device/ for gpu-bench.sh on a GPU machine that has no Java and no network:
#   gpu-scheduler/bench/prepare-device.sh            (from the repository root, on the dev machine)
# then run, on the GPU machine, with .device carried:
#   bash gpu-scheduler/bench/gpu-bench.sh
# It builds the project, makes a Java runtime (make-jre.sh, about 40 MB) and copies only the jars
# the GPU tests and the benchmark load: no pytorch-native (107 MB), and JCuda's natives cut down to
# libJCudaDriver, so that .device stays under the 64 MiB a run may carry.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
make_jre=${MAKE_JRE:-/work/shared/gpu/make-jre.sh}
[ -x "$make_jre" ] || make_jre=$(cd "$root/.." && pwd)/shared/gpu/make-jre.sh

mvn -q -B -ntp -DskipTests install
rm -rf .device/lib .device/gpu-test-classes
bash "$make_jre" .device/jre
mkdir -p .device/lib
deps=$(mktemp -d)
trap 'rm -rf "$deps"' EXIT
mvn -q -B -ntp -pl gpu-scheduler dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$deps"
mvn -q -B -ntp dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.0 -DoutputDirectory="$deps"
for jar in "$deps"/adsml-platform-*.jar "$deps"/jcuda-1*.jar "$deps"/jackson-*.jar "$deps"/slf4j-api-*.jar \
           "$deps"/junit-platform-console-standalone-*.jar; do
    cp "$jar" .device/lib/
done
# JCuda's natives jar, with only the driver API's library (the others are 24 MB and unused).
natives=$(ls "$deps"/jcuda-natives-*-linux-x86_64.jar)
cp "$natives" .device/lib/
zip -q -d ".device/lib/$(basename "$natives")" 'lib/libJNvPTXCompiler-*' 'lib/libJNvrtc-*' 'lib/libJCudaRuntime-*'
cp gpu-scheduler/target/adsml-gpu-scheduler-*.jar tests/target/adsml-tests-*.jar .device/lib/
cp -r gpu-scheduler/target/test-classes .device/gpu-test-classes
du -sh .device .device/jre .device/lib
size=$(du -sm .device | cut -f1)
[ "$size" -lt 64 ] || { echo "error: .device is ${size} MiB, over the 64 MiB a run may carry" >&2; exit 1; }
