#!/usr/bin/env bash
# Prepares .device/ for gpu-bench.sh on a GPU machine that has no Java and no network:
#   gpu-scheduler/bench/prepare-device.sh [DATA_DIR]       (from the repository root, on the dev machine)
# then run, on the GPU machine, with .device carried:
#   bash gpu-scheduler/bench/gpu-bench.sh
# DATA_DIR (default ./adsml-data, as 'adsml demo' leaves it) gives the demo model that gpu-serve.sh
# serves there; without one the serving step is left out. Everything travels as one xz archive,
# .device/bundle.tar.xz, that gpu-bench.sh unpacks: a Java runtime (jlink), the jars the GPU
# tests, the benchmark and the server load, stored uncompressed inside so that xz compresses across
# them (22 MB instead of 78 MB of jars), the GPU tests' classes and the model. Left out: DJL's
# PyTorch library (111 MB; the server scores its CPU side with the plain-Java reference there),
# JCuda's natives other than libJCudaDriver, and the natives of other platforms in RocksDB, DJL's JNI,
# JNA, snappy and jffi. A run carries 64 MiB.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
data=${1:-adsml-data}

mvn -q -B -ntp -DskipTests install
rm -rf .device/lib .device/gpu-test-classes .device/layers .device/model .device/bundle.tar.xz
# A small Java runtime for a machine without one: the modules the server, the benchmark and the tests load.
rm -rf .device/jre
jlink --add-modules java.base,java.logging,java.management,jdk.unsupported,java.naming,java.net.http,java.sql,java.xml,jdk.management,java.instrument,jdk.crypto.ec,jdk.zipfs \
      --strip-debug --no-header-files --no-man-pages --compress=2 --output .device/jre
deps=$(mktemp -d)
trap 'rm -rf "$deps"' EXIT
mvn -q -B -ntp -pl gpu-scheduler dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$deps/bench"
mvn -q -B -ntp -pl http-api dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$deps/serve"
mvn -q -B -ntp dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.0 -DoutputDirectory="$deps/bench"
mkdir -p "$deps/all" .device/lib
cp "$deps"/bench/adsml-platform-*.jar "$deps"/bench/jcuda-1*.jar "$deps"/bench/jackson-*.jar "$deps"/bench/slf4j-api-*.jar \
   "$deps"/bench/junit-platform-console-standalone-*.jar "$deps/all/"
cp "$deps"/serve/*.jar "$deps/all/"
rm -f "$deps"/all/pytorch-native-*.jar
cp gpu-scheduler/target/adsml-gpu-scheduler-*.jar tests/target/adsml-tests-*.jar http-api/target/adsml-http-api-*.jar "$deps/all/"
# Each jar again, its natives cut to what a Linux x86-64 GPU machine loads, its entries stored.
for jar in "$deps"/all/*.jar; do
    name=$(basename "$jar")
    rm -rf "$deps/x" && mkdir "$deps/x"
    (cd "$deps/x" && unzip -q -o "$jar")
    case $name in
        jcuda-natives-*) rm -f "$deps"/x/lib/libJNvPTXCompiler-* "$deps"/x/lib/libJNvrtc-* "$deps"/x/lib/libJCudaRuntime-* ;;
        rocksdbjni-*) find "$deps/x" -name 'librocksdbjni-*' ! -name 'librocksdbjni-linux64.so' -delete ;;
        # The same for every jar that carries natives for many platforms: the bundle is near its 64 MiB.
        pytorch-jni-*) find "$deps/x/jnilib" -mindepth 1 -maxdepth 1 ! -name linux-x86_64 -exec rm -rf {} + ;;
        jna-[0-9]*) find "$deps/x/com/sun/jna" -mindepth 1 -maxdepth 1 -type d -name '*-*' ! -name linux-x86-64 \
                        -exec rm -rf {} + ;;
        snappy-java-*) find "$deps/x/org/xerial/snappy/native" -mindepth 1 -maxdepth 1 ! -name Linux -exec rm -rf {} + ;
                       find "$deps/x/org/xerial/snappy/native/Linux" -mindepth 1 -maxdepth 1 ! -name x86_64 \
                           -exec rm -rf {} + ;;
        jffi-*-native.jar) find "$deps/x/jni" -mindepth 1 -maxdepth 1 ! -name x86_64-Linux -exec rm -rf {} + ;;
    esac
    (cd "$deps/x" && zip -q -0 -r -X "$root/.device/lib/$name" .)
done
cp -r gpu-scheduler/target/test-classes .device/gpu-test-classes
# The per-layer kernel variants (wgmma needs sm_90a PTX) for gpu-bench.sh's layers step.
mkdir -p .device/layers
nvcc -ptx -arch=compute_90a -O3 -o .device/layers/variants.ptx gpu-scheduler/bench/layers/variants.cu
nvcc -ptx -arch=compute_90a -O3 -o .device/layers/tma.ptx gpu-scheduler/bench/layers/tma.cu
cp gpu-scheduler/src/main/resources/adsml/scheduler/gpu/dcn.ptx .device/layers/dcn.ptx  # its BF16 kernels, per layer
# The card's driver compiles PTX when it loads it: an error found there costs device time, so assemble here.
for ptx in .device/layers/*.ptx; do ptxas -arch=sm_90a -o /dev/null "$ptx"; done
packed=(jre lib gpu-test-classes layers)
# The newest DCN or LR version (the reference engine has no TorchScript), kept under its number.
version=
for v in $(ls "$data/models/ctr" 2>/dev/null | grep -E '^[0-9]+$' | sort -n); do
    grep -Eiq '"architecture" *: *"(dcn|lr)"' "$data/models/ctr/$v/model.json" 2>/dev/null && version=$v
done
if [ -n "$version" ]; then
    mkdir -p .device/model
    cp -r "$data/models/ctr/$version" ".device/model/$version"
    packed+=(model)
    echo "serving step: model ctr/$version from $data"
else
    echo "no DCN or LR version under $data/models/ctr: the bundle leaves the serving step out (run 'adsml demo' or pass DATA_DIR)" >&2
fi
tar -C .device -cf - "${packed[@]}" | xz -9 -T2 > .device/bundle.tar.xz
rm -rf .device/jre .device/lib .device/gpu-test-classes .device/layers .device/model
du -sh .device/bundle.tar.xz
size=$(du -sm .device | cut -f1)
[ "$size" -lt 64 ] || { echo "error: .device is ${size} MiB, over the 64 MiB a run may carry" >&2; exit 1; }
