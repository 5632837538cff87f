// The epilogue every layer kernel of this folder applies to an output element: bias, then ReLU or the cross
// layer's x0 * y + x, as dcn.cu's kernels do.
#pragma once
#define EPILOGUE_BIAS 0
#define EPILOGUE_RELU 1
#define EPILOGUE_CROSS 2
__device__ __forceinline__ float epilogue(int mode, float acc, float bias, const float* x0, const float* a,
                                          long long m, int n, int ld) {
    float v = acc + bias;
    if (mode == EPILOGUE_RELU) return v < 0.0f ? 0.0f : v;
    if (mode == EPILOGUE_CROSS) { long long i = m * ld + n; return x0[i] * v + a[i]; }
    return v;
}
