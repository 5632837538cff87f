// Variants of dcn.cu's linear kernel, timed layer by layer by layer_times.py (PERF-NOTES.md runs
// 7-9): mma.sync with and without ldmatrix and with three ways of rounding to TF32, tile and stage
// counts, 3xTF32; and wgmma (sm_90a) from a cp.async pipeline in an unswizzled layout. What won
// went into dcn.cu; the rest stays here as the record of what was measured. The s_ kernels (wgmma
// from the 128-byte swizzled layout) were written after the session's GPU time ran out: not yet run.
#include "epilogue.cuh"
#define MMA_BK 32
#define MMA_LDS (MMA_BK + 4)
extern __shared__ __align__(16) float dynamic_smem[];

template <int ROUND>
__device__ __forceinline__ unsigned to_tf32(unsigned bits) {
    if (ROUND == 0) { unsigned r; asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(__uint_as_float(bits))); return r; }
    if (ROUND == 2) return bits + 0x1000u;   // round half away in magnitude; mma ignores the low 13 bits
    return bits;                             // mma truncates
}
// exact tf32 value (low 13 bits cleared), for the split
template <int ROUND>
__device__ __forceinline__ unsigned to_tf32_exact(unsigned bits) {
    if (ROUND == 0) { unsigned r; asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(__uint_as_float(bits))); return r; }
    if (ROUND == 2) return (bits + 0x1000u) & 0xffffe000u;
    return bits & 0xffffe000u;
}
__device__ __forceinline__ unsigned tf32_bits_rna(float x) { unsigned r; asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x)); return r; }
__device__ __forceinline__ void cp_async16(float* dst, const float* src, bool in) {
    const unsigned s = (unsigned) __cvta_generic_to_shared(dst);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(src), "r"(in ? 16 : 0));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int PENDING> __device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(PENDING)); }
__device__ __forceinline__ void mma_tf32(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}
__device__ __forceinline__ void ldsm4(unsigned (&r)[4], const float* p) {
    const unsigned s = (unsigned) __cvta_generic_to_shared(p);
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(s));
}

template <int BM, int BN, int WARPS_M, int WARPS_N, int STAGES, bool SPLIT, int ROUND, bool LDSM>
__device__ __forceinline__ void linear_mma(const float* __restrict__ a, const float* __restrict__ w,
                                           const float* __restrict__ bias, const float* __restrict__ x0,
                                           float* __restrict__ c, int M, int N, int K, int mode) {
    constexpr int THREADS = WARPS_M * WARPS_N * 32;
    constexpr int MI = BM / WARPS_M / 16;
    constexpr int NI = BN / WARPS_N / 8;
    constexpr int CHUNKS = MMA_BK / 4;
    constexpr int STAGE = (BM + BN) * MMA_LDS;
    static_assert(BM * CHUNKS % THREADS == 0 && BN * CHUNKS % THREADS == 0, "whole copy rounds per thread");
    static_assert(!LDSM || NI % 2 == 0, "ldmatrix x4 loads two n8 tiles");
    float* smem = dynamic_smem;
    const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
    const int g = lane / 4, t = lane % 4;
    const int wm = (warp / WARPS_N) * (BM / WARPS_M);
    const int wn = (warp % WARPS_N) * (BN / WARPS_N);
    const long long m0 = (long long) blockIdx.y * BM;
    const int n0 = blockIdx.x * BN;
    const int steps = (K + MMA_BK - 1) / MMA_BK;
    auto load = [&](int stage, int step) {
        float* As = smem + stage * STAGE;
        float* Ws = As + BM * MMA_LDS;
        const int k0 = step * MMA_BK;
#pragma unroll
        for (int i = 0; i < BM * CHUNKS / THREADS; i++) {
            const int e = tid + i * THREADS; const int row = e / CHUNKS; const int k = k0 + (e % CHUNKS) * 4;
            const long long gm = m0 + row; const bool in = gm < M && k < K;
            cp_async16(As + row * MMA_LDS + (e % CHUNKS) * 4, in ? a + gm * K + k : a, in);
        }
#pragma unroll
        for (int i = 0; i < BN * CHUNKS / THREADS; i++) {
            const int e = tid + i * THREADS; const int row = e / CHUNKS; const int k = k0 + (e % CHUNKS) * 4;
            const int gn = n0 + row; const bool in = gn < N && k < K;
            cp_async16(Ws + row * MMA_LDS + (e % CHUNKS) * 4, in ? w + (long long) gn * K + k : w, in);
        }
    };
    float acc[MI][NI][4];
#pragma unroll
    for (int i = 0; i < MI; i++)
#pragma unroll
        for (int j = 0; j < NI; j++)
#pragma unroll
            for (int r = 0; r < 4; r++) acc[i][j][r] = 0.0f;
#pragma unroll
    for (int s = 0; s < STAGES - 1; s++) { if (s < steps) load(s, s); cp_async_commit(); }
    // ldmatrix row addresses of this lane: A's matrix (lane / 8) is rows +8 * ((lane / 8) % 2), k +4 * (lane / 16);
    // B's is rows +8 * (lane / 16), k +4 * ((lane / 8) % 2).
    const int aRow = (lane % 8) + 8 * ((lane / 8) % 2), aK = 4 * (lane / 16);
    const int bRow = (lane % 8) + 8 * (lane / 16), bK = 4 * ((lane / 8) % 2);
    for (int step = 0; step < steps; step++) {
        cp_async_wait<STAGES - 2>();
        __syncthreads();
        if (step + STAGES - 1 < steps) load((step + STAGES - 1) % STAGES, step + STAGES - 1);
        cp_async_commit();
        const float* As = smem + (step % STAGES) * STAGE;
        const float* Ws = As + BM * MMA_LDS;
#pragma unroll
        for (int kk = 0; kk < MMA_BK; kk += 8) {
            unsigned bRaw[NI][2];
            if (LDSM) {
#pragma unroll
                for (int j = 0; j < NI; j += 2) {
                    unsigned r[4];
                    ldsm4(r, Ws + (wn + j * 8 + bRow) * MMA_LDS + kk + bK);
                    bRaw[j][0] = r[0]; bRaw[j][1] = r[1]; bRaw[j + 1][0] = r[2]; bRaw[j + 1][1] = r[3];
                }
            } else {
#pragma unroll
                for (int j = 0; j < NI; j++) {
                    const float* q = Ws + (wn + j * 8 + g) * MMA_LDS + kk + t;
                    bRaw[j][0] = __float_as_uint(q[0]); bRaw[j][1] = __float_as_uint(q[4]);
                }
            }
            unsigned bBig[NI][2], bSmall[NI][2];
#pragma unroll
            for (int j = 0; j < NI; j++)
#pragma unroll
                for (int r = 0; r < 2; r++) {
                    if (SPLIT) {
                        bBig[j][r] = to_tf32_exact<ROUND>(bRaw[j][r]);
                        bSmall[j][r] = to_tf32<ROUND>(__float_as_uint(__uint_as_float(bRaw[j][r]) - __uint_as_float(bBig[j][r])));
                    } else {
                        bBig[j][r] = to_tf32<ROUND>(bRaw[j][r]);
                    }
                }
#pragma unroll
            for (int i = 0; i < MI; i++) {
                unsigned aRaw[4];
                if (LDSM) {
                    ldsm4(aRaw, As + (wm + i * 16 + aRow) * MMA_LDS + kk + aK);
                } else {
                    const float* p = As + (wm + i * 16 + g) * MMA_LDS + kk + t;
                    aRaw[0] = __float_as_uint(p[0]); aRaw[1] = __float_as_uint(p[8 * MMA_LDS]);
                    aRaw[2] = __float_as_uint(p[4]); aRaw[3] = __float_as_uint(p[8 * MMA_LDS + 4]);
                }
                unsigned aBig[4], aSmall[4];
#pragma unroll
                for (int r = 0; r < 4; r++) {
                    if (SPLIT) {
                        aBig[r] = to_tf32_exact<ROUND>(aRaw[r]);
                        aSmall[r] = to_tf32<ROUND>(__float_as_uint(__uint_as_float(aRaw[r]) - __uint_as_float(aBig[r])));
                    } else {
                        aBig[r] = to_tf32<ROUND>(aRaw[r]);
                    }
                }
#pragma unroll
                for (int j = 0; j < NI; j++) {
                    if (SPLIT) { mma_tf32(acc[i][j], aSmall, bBig[j]); mma_tf32(acc[i][j], aBig, bSmall[j]); }
                    mma_tf32(acc[i][j], aBig, bBig[j]);
                }
            }
        }
    }
#pragma unroll
    for (int i = 0; i < MI; i++)
#pragma unroll
        for (int j = 0; j < NI; j++) {
            const int gn = n0 + wn + j * 8 + 2 * t;
#pragma unroll
            for (int h = 0; h < 2; h++) {
                const long long gm = m0 + wm + i * 16 + g + 8 * h;
                if (gm >= M) continue;
                if (gn < N) c[gm * N + gn] = epilogue(mode, acc[i][j][2 * h], bias[gn], x0, a, gm, gn, N);
                if (gn + 1 < N) c[gm * N + gn + 1] = epilogue(mode, acc[i][j][2 * h + 1], bias[gn + 1], x0, a, gm, gn + 1, N);
            }
        }
}

// ---- wgmma (sm_90a) ----
__device__ __forceinline__ void wgmma_tf32_n64(float (&d)[32], unsigned long long a, unsigned long long b) {
    asm volatile("wgmma.mma_async.sync.aligned.m64n64k8.f32.tf32.tf32 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31}, %32, %33, 1, 1, 1;\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
                 : "l"(a), "l"(b));
}
__device__ __forceinline__ void wgmma_tf32_n128(float (&d)[64], unsigned long long a, unsigned long long b) {
    asm volatile("wgmma.mma_async.sync.aligned.m64n128k8.f32.tf32.tf32 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}, %64, %65, 1, 1, 1;\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
                 : "l"(a), "l"(b));
}

template <int BN> struct Wgmma;
template <> struct Wgmma<64> { static __device__ __forceinline__ void run(float (&d)[32], unsigned long long a, unsigned long long b) { wgmma_tf32_n64(d, a, b); } };
template <> struct Wgmma<128> { static __device__ __forceinline__ void run(float (&d)[64], unsigned long long a, unsigned long long b) { wgmma_tf32_n128(d, a, b); } };

// Shared layout of one operand tile (rows x 32 k), no swizzle, K-major "core matrices" of 8 rows x 4 floats
// (128 contiguous bytes): core matrix (row group rg, k chunk kc) at byte (rg * 8 + kc) * 128, row r of it at +16 r.
// A wgmma descriptor then has LBO (next core matrix along k) 128 bytes and SBO (next 8 rows) 1024 bytes.
__device__ __forceinline__ unsigned long long wgmma_desc(const float* p) {
    const unsigned addr = (unsigned) __cvta_generic_to_shared(p);
    return (unsigned long long) ((addr & 0x3FFFF) >> 4) | ((unsigned long long) (128 >> 4) << 16)
         | ((unsigned long long) (1024 >> 4) << 32);
}

// ROUND: 0 round each operand to TF32 (cvt.rna) in shared memory after it lands, 1 leave it (the tensor core truncates)
template <int BM, int BN, int STAGES, int ROUND>
__device__ __forceinline__ void linear_wgmma(const float* __restrict__ a, const float* __restrict__ w,
                                             const float* __restrict__ bias, const float* __restrict__ x0,
                                             float* __restrict__ c, int M, int N, int K, int mode) {
    constexpr int WGS = BM / 64;
    constexpr int THREADS = WGS * 128;
    constexpr int STAGE = (BM + BN) * MMA_BK;       // floats, no padding
    constexpr int CHUNKS = MMA_BK / 4;              // 8
    constexpr int PER_THREAD = (BM + BN) * CHUNKS / THREADS;
    static_assert((BM + BN) * CHUNKS % THREADS == 0, "whole rounds");
    float* smem = dynamic_smem;
    const int tid = threadIdx.x;
    const int wg = tid / 128;
    const long long m0 = (long long) blockIdx.y * BM;
    const int n0 = blockIdx.x * BN;
    const int steps = (K + MMA_BK - 1) / MMA_BK;
    // chunk e of a stage: row group e / 64, k chunk pair (e / 16) % 4, row (e / 2) % 8, k chunk of the pair e % 2:
    // two neighbouring threads read 32 contiguous bytes of one row.
    auto chunk = [&](int e, int& row, int& kc) {
        kc = ((e / 16) % 4) * 2 + e % 2;
        row = (e / 64) * 8 + (e / 2) % 8;
    };
    auto offset = [&](int row, int kc) { return ((row / 8) * CHUNKS + kc) * 32 + (row % 8) * 4; };
    auto load = [&](int stage, int step) {
        float* s = smem + stage * STAGE;
        const int k0 = step * MMA_BK;
#pragma unroll
        for (int i = 0; i < PER_THREAD; i++) {
            const int e = tid + i * THREADS;
            int row, kc;
            chunk(e, row, kc);
            const int k = k0 + kc * 4;
            if (row < BM) {
                const long long gm = m0 + row;
                const bool in = gm < M && k < K;
                cp_async16(s + offset(row, kc), in ? a + gm * K + k : a, in);
            } else {
                const int gn = n0 + row - BM;
                const bool in = gn < N && k < K;
                cp_async16(s + offset(row, kc), in ? w + (long long) gn * K + k : w, in);
            }
        }
    };
    float acc[BN / 2];
#pragma unroll
    for (int i = 0; i < BN / 2; i++) acc[i] = 0.0f;
#pragma unroll
    for (int s = 0; s < STAGES - 1; s++) { if (s < steps) load(s, s); cp_async_commit(); }
    for (int step = 0; step < steps; step++) {
        cp_async_wait<STAGES - 2>();
        float* s = smem + (step % STAGES) * STAGE;
        if (ROUND == 0) {
#pragma unroll
            for (int i = 0; i < PER_THREAD; i++) {
                int row, kc;
                chunk(tid + i * THREADS, row, kc);
                float4* p = reinterpret_cast<float4*>(s + offset(row, kc));
                float4 v = *p;
                v.x = __uint_as_float(tf32_bits_rna(v.x)); v.y = __uint_as_float(tf32_bits_rna(v.y));
                v.z = __uint_as_float(tf32_bits_rna(v.z)); v.w = __uint_as_float(tf32_bits_rna(v.w));
                *p = v;
            }
        }
        asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
        __syncthreads();   // every thread's copies (rounded) are in; every warpgroup is done with the stage refilled next
        if (step + STAGES - 1 < steps) load((step + STAGES - 1) % STAGES, step + STAGES - 1);
        cp_async_commit();
        const float* As = s + wg * 64 * MMA_BK;     // this warpgroup's 64 rows: 8 row groups of 8 core matrices
        const float* Ws = s + BM * MMA_BK;
        asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
#pragma unroll
        for (int kk = 0; kk < MMA_BK; kk += 8) {
            Wgmma<BN>::run(acc, wgmma_desc(As + (kk / 4) * 32), wgmma_desc(Ws + (kk / 4) * 32));
        }
        asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
        asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory");
    }
    // m64nN accumulators: warp w of the warpgroup holds rows 16 w + g (+8), n8 block i / 4, columns 2t (+1).
    const int lane = tid % 32, warp = (tid % 128) / 32, g = lane / 4, t = lane % 4;
#pragma unroll
    for (int i = 0; i < BN / 2; i++) {
        const long long gm = m0 + wg * 64 + warp * 16 + g + 8 * ((i % 4) / 2);
        const int gn = n0 + (i / 4) * 8 + 2 * t + (i % 2);
        if (gm < M && gn < N) c[gm * N + gn] = epilogue(mode, acc[i], bias[gn], x0, a, gm, gn, N);
    }
}
// ROUND: 0 round each operand to TF32 (cvt.rna) in shared memory after it lands, 1 leave it (the tensor core truncates)
template <int BM, int BN, int STAGES, int ROUND>
__device__ __forceinline__ void linear_wgmma_p(const float* __restrict__ a, const float* __restrict__ w,
                                             const float* __restrict__ bias, const float* __restrict__ x0,
                                             float* __restrict__ c, int M, int N, int K, int mode) {
    constexpr int WGS = BM / 64;
    constexpr int THREADS = WGS * 128;
    constexpr int STAGE = (BM + BN) * MMA_BK;       // floats, no padding
    constexpr int CHUNKS = MMA_BK / 4;              // 8
    constexpr int PER_THREAD = (BM + BN) * CHUNKS / THREADS;
    static_assert((BM + BN) * CHUNKS % THREADS == 0, "whole rounds");
    float* smem = dynamic_smem;
    const int tid = threadIdx.x;
    const int wg = tid / 128;
    const long long m0 = (long long) blockIdx.y * BM;
    const int n0 = blockIdx.x * BN;
    const int steps = (K + MMA_BK - 1) / MMA_BK;
    // chunk e of a stage: row group e / 64, k chunk pair (e / 16) % 4, row (e / 2) % 8, k chunk of the pair e % 2:
    // two neighbouring threads read 32 contiguous bytes of one row.
    auto chunk = [&](int e, int& row, int& kc) {
        kc = ((e / 16) % 4) * 2 + e % 2;
        row = (e / 64) * 8 + (e / 2) % 8;
    };
    auto offset = [&](int row, int kc) { return ((row / 8) * CHUNKS + kc) * 32 + (row % 8) * 4; };
    auto load = [&](int stage, int step) {
        float* s = smem + stage * STAGE;
        const int k0 = step * MMA_BK;
#pragma unroll
        for (int i = 0; i < PER_THREAD; i++) {
            const int e = tid + i * THREADS;
            int row, kc;
            chunk(e, row, kc);
            const int k = k0 + kc * 4;
            if (row < BM) {
                const long long gm = m0 + row;
                const bool in = gm < M && k < K;
                cp_async16(s + offset(row, kc), in ? a + gm * K + k : a, in);
            } else {
                const int gn = n0 + row - BM;
                const bool in = gn < N && k < K;
                cp_async16(s + offset(row, kc), in ? w + (long long) gn * K + k : w, in);
            }
        }
    };
    float acc[BN / 2];
#pragma unroll
    for (int i = 0; i < BN / 2; i++) acc[i] = 0.0f;
#pragma unroll
    for (int s = 0; s < STAGES - 2; s++) { if (s < steps) load(s, s); cp_async_commit(); }
    for (int step = 0; step < steps; step++) {
        cp_async_wait<STAGES - 3>();
        float* s = smem + (step % STAGES) * STAGE;
        if (ROUND == 0) {
#pragma unroll
            for (int i = 0; i < PER_THREAD; i++) {
                int row, kc;
                chunk(tid + i * THREADS, row, kc);
                float4* p = reinterpret_cast<float4*>(s + offset(row, kc));
                float4 v = *p;
                v.x = __uint_as_float(tf32_bits_rna(v.x)); v.y = __uint_as_float(tf32_bits_rna(v.y));
                v.z = __uint_as_float(tf32_bits_rna(v.z)); v.w = __uint_as_float(tf32_bits_rna(v.w));
                *p = v;
            }
        }
        asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
        // Stage `step` is in for every thread; every warpgroup has waited for its wgmmas of step - 2, so
        // that stage can be refilled (step + STAGES - 2) while step - 1's and this step's wgmmas run.
        __syncthreads();
        if (step + STAGES - 2 < steps) load((step + STAGES - 2) % STAGES, step + STAGES - 2);
        cp_async_commit();
        const float* As = s + wg * 64 * MMA_BK;
        const float* Ws = s + BM * MMA_BK;
        asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
#pragma unroll
        for (int kk = 0; kk < MMA_BK; kk += 8) {
            Wgmma<BN>::run(acc, wgmma_desc(As + (kk / 4) * 32), wgmma_desc(Ws + (kk / 4) * 32));
        }
        asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
        asm volatile("wgmma.wait_group.sync.aligned 1;\n" ::: "memory");
    }
    asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory");
    // m64nN accumulators: warp w of the warpgroup holds rows 16 w + g (+8), n8 block i / 4, columns 2t (+1).
    const int lane = tid % 32, warp = (tid % 128) / 32, g = lane / 4, t = lane % 4;
#pragma unroll
    for (int i = 0; i < BN / 2; i++) {
        const long long gm = m0 + wg * 64 + warp * 16 + g + 8 * ((i % 4) / 2);
        const int gn = n0 + (i / 4) * 8 + 2 * t + (i % 2);
        if (gm < M && gn < N) c[gm * N + gn] = epilogue(mode, acc[i], bias[gn], x0, a, gm, gn, N);
    }
}
// name: p_BMxBN_sS_rR_bB (pipelined: one step's wgmmas in flight across the barrier)
#define P(BM, BN, S, R, B) \
    extern "C" __global__ void __launch_bounds__(BM / 64 * 128, B) \
    p_##BM##x##BN##_s##S##_r##R##_b##B(const float* __restrict__ a, const float* __restrict__ w, \
        const float* __restrict__ bias, const float* __restrict__ x0, float* __restrict__ c, int M, int N, int K, int mode) { \
        linear_wgmma_p<BM, BN, S, R>(a, w, bias, x0, c, M, N, K, mode); }
P(128, 128, 4, 0, 1)
P(128, 128, 5, 0, 1)
P(128, 128, 4, 1, 1)

P(128, 64, 4, 0, 2)
P(64, 128, 4, 0, 2)

P(128, 128, 6, 1, 1)

// name: w_BMxBN_sS_rR_bB
#define W(BM, BN, S, R, B) \
    extern "C" __global__ void __launch_bounds__(BM / 64 * 128, B) \
    w_##BM##x##BN##_s##S##_r##R##_b##B(const float* __restrict__ a, const float* __restrict__ w, \
        const float* __restrict__ bias, const float* __restrict__ x0, float* __restrict__ c, int M, int N, int K, int mode) { \
        linear_wgmma<BM, BN, S, R>(a, w, bias, x0, c, M, N, K, mode); }
W(128, 128, 4, 0, 1)
W(128, 128, 3, 0, 2)
W(128, 128, 4, 1, 1)
W(64, 128, 4, 0, 2)
W(128, 64, 4, 0, 2)
W(64, 64, 4, 0, 3)
W(256, 128, 3, 0, 1)

// ---- wgmma from the 128-byte swizzled layout (prepared in the fifth session, not yet run on a GPU) ----
// Each operand row of a K step is 32 floats = 128 bytes, row r at r * 128, its 16-byte chunk c stored
// at chunk c ^ (r % 8): the layout TMA's CU_TENSOR_MAP_SWIZZLE_128B writes and wgmma reads without
// bank conflicts. Atoms of 8 rows (1024 bytes) must start on 1024 bytes. Descriptor: layout type 1
// (128B swizzle, bits 62-63), SBO 1024 bytes (next 8 rows), LBO 16 (unused for K-major swizzled);
// the k8 steps inside a row advance the start address by 32 bytes.
__device__ __forceinline__ unsigned long long wgmma_desc_sw128(const float* p) {
    const unsigned addr = (unsigned) __cvta_generic_to_shared(p);
    return (unsigned long long) ((addr & 0x3FFFF) >> 4) | ((unsigned long long) (16 >> 4) << 16)
         | ((unsigned long long) (1024 >> 4) << 32) | (1ull << 62);
}

template <int BM, int BN, int STAGES, int ROUND>
__device__ __forceinline__ void linear_wgmma_sw(const float* __restrict__ a, const float* __restrict__ w,
                                                const float* __restrict__ bias, const float* __restrict__ x0,
                                                float* __restrict__ c, int M, int N, int K, int mode) {
    constexpr int THREADS = BM / 64 * 128;
    constexpr int STAGE = (BM + BN) * MMA_BK;       // floats; a multiple of 1024 bytes
    constexpr int CHUNKS = MMA_BK / 4;              // 8 chunks of 16 bytes a row
    constexpr int PER_THREAD = (BM + BN) * CHUNKS / THREADS;
    static_assert((BM + BN) * CHUNKS % THREADS == 0, "whole rounds");
    // The dynamic buffer is allocated 1 KiB larger: its start rounded up to 1024 bytes.
    const unsigned base = (unsigned) __cvta_generic_to_shared(dynamic_smem);
    float* smem = dynamic_smem + (((base + 1023u) & ~1023u) - base) / 4;
    const int tid = threadIdx.x;
    const int wg = tid / 128;
    const long long m0 = (long long) blockIdx.y * BM;
    const int n0 = blockIdx.x * BN;
    const int steps = (K + MMA_BK - 1) / MMA_BK;
    // chunk e: row e / 8, chunk e % 8 (eight neighbouring threads read one row's 128 bytes), stored swizzled.
    auto offset = [&](int row, int ch) { return row * MMA_BK + ((ch ^ (row % 8)) * 4); };
    auto load = [&](int stage, int step) {
        float* s = smem + stage * STAGE;
        const int k0 = step * MMA_BK;
#pragma unroll
        for (int i = 0; i < PER_THREAD; i++) {
            const int e = tid + i * THREADS;
            const int row = e / CHUNKS, ch = e % CHUNKS;
            const int k = k0 + ch * 4;
            if (row < BM) {
                const long long gm = m0 + row;
                const bool in = gm < M && k < K;
                cp_async16(s + offset(row, ch), in ? a + gm * K + k : a, in);
            } else {
                const int gn = n0 + row - BM;
                const bool in = gn < N && k < K;
                cp_async16(s + offset(row, ch), in ? w + (long long) gn * K + k : w, in);
            }
        }
    };
    float acc[BN / 2];
#pragma unroll
    for (int i = 0; i < BN / 2; i++) acc[i] = 0.0f;
#pragma unroll
    for (int s = 0; s < STAGES - 2; s++) { if (s < steps) load(s, s); cp_async_commit(); }
    for (int step = 0; step < steps; step++) {
        cp_async_wait<STAGES - 3>();
        float* s = smem + (step % STAGES) * STAGE;
        if (ROUND == 0) {
#pragma unroll
            for (int i = 0; i < PER_THREAD; i++) {
                const int e = tid + i * THREADS;
                float4* p = reinterpret_cast<float4*>(s + offset(e / CHUNKS, e % CHUNKS));
                float4 v = *p;
                v.x = __uint_as_float(tf32_bits_rna(v.x)); v.y = __uint_as_float(tf32_bits_rna(v.y));
                v.z = __uint_as_float(tf32_bits_rna(v.z)); v.w = __uint_as_float(tf32_bits_rna(v.w));
                *p = v;
            }
        }
        asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
        __syncthreads();
        if (step + STAGES - 2 < steps) load((step + STAGES - 2) % STAGES, step + STAGES - 2);
        cp_async_commit();
        const float* As = s + wg * 64 * MMA_BK;
        const float* Ws = s + BM * MMA_BK;
        asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
#pragma unroll
        for (int kk = 0; kk < MMA_BK; kk += 8) {
            Wgmma<BN>::run(acc, wgmma_desc_sw128(As + kk), wgmma_desc_sw128(Ws + kk));
        }
        asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
        asm volatile("wgmma.wait_group.sync.aligned 1;\n" ::: "memory");
    }
    asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory");
    const int lane = tid % 32, warp = (tid % 128) / 32, g = lane / 4, t = lane % 4;
#pragma unroll
    for (int i = 0; i < BN / 2; i++) {
        const long long gm = m0 + wg * 64 + warp * 16 + g + 8 * ((i % 4) / 2);
        const int gn = n0 + (i / 4) * 8 + 2 * t + (i % 2);
        if (gm < M && gn < N) c[gm * N + gn] = epilogue(mode, acc[i], bias[gn], x0, a, gm, gn, N);
    }
}
// name: s_BMxBN_sS_rR_bB (swizzled, pipelined); layer_times.py allocates S * (BM + BN) * 128 + 1024 bytes
#define SW(BM, BN, S, R, B) \
    extern "C" __global__ void __launch_bounds__(BM / 64 * 128, B) \
    s_##BM##x##BN##_s##S##_r##R##_b##B(const float* __restrict__ a, const float* __restrict__ w, \
        const float* __restrict__ bias, const float* __restrict__ x0, float* __restrict__ c, int M, int N, int K, int mode) { \
        linear_wgmma_sw<BM, BN, S, R>(a, w, bias, x0, c, M, N, K, mode); }
SW(128, 128, 4, 0, 1)
SW(128, 128, 4, 1, 1)
SW(128, 128, 6, 0, 1)
SW(128, 64, 4, 0, 2)
SW(64, 128, 4, 0, 2)

// name: v_BMxBN_wWMxWN_sS_xX_rR_lL_bB  (B = min blocks per SM for launch bounds)
#define V(BM, BN, WM, WN, S, X, R, L, B) \
    extern "C" __global__ void __launch_bounds__(WM * WN * 32, B) \
    v_##BM##x##BN##_w##WM##x##WN##_s##S##_x##X##_r##R##_l##L##_b##B(const float* __restrict__ a, const float* __restrict__ w, \
        const float* __restrict__ bias, const float* __restrict__ x0, float* __restrict__ c, int M, int N, int K, int mode) { \
        linear_mma<BM, BN, WM, WN, S, X == 3, R, L == 1>(a, w, bias, x0, c, M, N, K, mode); }

// baseline (what dcn.cu has now)
V(128, 128, 2, 4, 3, 1, 0, 0, 2)
V(64, 64, 2, 2, 4, 1, 0, 0, 3)
V(128, 128, 2, 4, 3, 3, 0, 0, 1)
V(64, 64, 2, 2, 4, 3, 0, 0, 3)
// rounding cost
V(128, 128, 2, 4, 3, 1, 1, 0, 2)
V(128, 128, 2, 4, 3, 1, 2, 0, 2)
// ldmatrix
V(128, 128, 2, 4, 3, 1, 2, 1, 2)
V(128, 128, 2, 4, 3, 1, 0, 1, 2)
V(128, 128, 2, 4, 4, 1, 2, 1, 1)
V(64, 64, 2, 2, 4, 1, 2, 1, 3)
V(64, 64, 2, 2, 4, 1, 0, 1, 3)
V(128, 64, 2, 2, 4, 1, 2, 1, 2)
V(128, 64, 4, 2, 4, 1, 2, 1, 2)
V(64, 128, 2, 2, 4, 1, 2, 1, 2)
V(128, 256, 2, 4, 3, 1, 2, 1, 1)
V(256, 128, 4, 2, 3, 1, 2, 1, 1)
// 3xTF32 with cheaper rounding and ldmatrix
V(128, 128, 2, 4, 3, 3, 2, 1, 1)
V(64, 64, 2, 2, 4, 3, 2, 1, 3)
V(128, 64, 2, 2, 4, 3, 2, 1, 2)
V(128, 128, 2, 4, 3, 3, 1, 1, 1)
V(64, 64, 2, 2, 4, 3, 1, 1, 3)
V(128, 64, 2, 2, 4, 3, 1, 1, 2)
V(128, 64, 2, 2, 4, 1, 0, 1, 2)
