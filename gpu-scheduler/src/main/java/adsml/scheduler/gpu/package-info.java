/**
 * The GPU backend: CUDA device discovery, a {@link adsml.scheduler.Device} per GPU that keeps DCN versions resident in
 * device memory, and the host side of the kernels in {@code src/main/cuda/dcn.cu} (loaded as PTX through JCuda's driver
 * API). JCuda types stay inside this package; batching, retries and the CPU backend live in {@code adsml.scheduler}.
 */
package adsml.scheduler.gpu;
