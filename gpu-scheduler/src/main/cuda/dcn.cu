// The DCN-v2 forward pass of adsml's GPU backend, as ReferenceScorer computes it:
//   x0 = concat(embedding[id] for each slot, dense)
//   x  = x0 * (W_l x + b_l) + x            for each cross layer l
//   h  = relu(W_l h + b_l)                 for each MLP layer l
//   p  = calibrate(sigmoid(W_head h + b))  per head
//
// Every activation is row-major [rows, width] in fp32; weights are PyTorch's [out, in] row-major,
// so each layer is C[M, N] = A[M, K] * W[N, K]^T with a fused epilogue. No kernel assumes that a
// dimension is a multiple of its tile: loads outside the matrix read zero, stores outside it are
// skipped. The host (adsml.scheduler.gpu.DcnPlan) chooses grids and buffers; output and input of
// one launch never alias.
//
// Compiled to PTX by build-ptx.sh (nvcc -ptx -arch=compute_90); the PTX is committed and loaded
// through the driver API, so names are extern "C".

#include <mma.h>

// Epilogues of linear_f32 / linear_tf32; DcnPlan.Epilogue has the same codes.
#define EPILOGUE_BIAS 0   // C = A W^T + b
#define EPILOGUE_RELU 1   // C = relu(A W^T + b)
#define EPILOGUE_CROSS 2  // C = x0 * (A W^T + b) + A   (N == K: the DCN-v2 cross layer)

// Calibration codes in the packed calibration block; DcnPlan.pack writes them.
#define CAL_IDENTITY 0
#define CAL_PLATT 1
#define CAL_ISOTONIC 2
#define CAL_HEADER 5       // per head: type, a, b, breakpoints, offset of x (then y) in the block
#define MAX_HEADS 8
#define CAL_EPS 1e-7       // Calibration.EPS

// Activations are fp32 (float) or, in BF16 plans, bf16 (its 16 bits in an unsigned short): read
// widened to fp32 (exact), written rounded to nearest, ties to even (cvt.rn, as EmbeddingTable's
// Java encoder rounds).
__device__ __forceinline__ float widen(float v) {
    return v;
}

__device__ __forceinline__ float widen(unsigned short v) {
    return __uint_as_float((unsigned) v << 16);
}

__device__ __forceinline__ void put(float* p, long long i, float v) {
    p[i] = v;
}

__device__ __forceinline__ void put(unsigned short* p, long long i, float v) {
    unsigned short h;
    asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(h) : "f"(v));
    p[i] = h;
}

template <typename T>
__device__ __forceinline__ float epilogue(int mode, float acc, float bias, const T* x0, const T* a,
                                          long long m, int n, int ld) {
    float v = acc + bias;
    if (mode == EPILOGUE_RELU) {
        // Not fmaxf: it returns the non-NaN argument, and a NaN must reach the score as it does on the CPU.
        return v < 0.0f ? 0.0f : v;
    }
    if (mode == EPILOGUE_CROSS) {
        long long i = m * ld + n;
        return widen(x0[i]) * v + widen(a[i]);
    }
    return v;
}

// x0[r, :] = [table[ids[r, 0]], ..., table[ids[r, slots - 1]], dense[r, :]]. An id outside the table
// writes NaN, so it fails every check downstream instead of reading another row's memory. `value(id,
// j)` reads element j of row id in the table's storage (EmbeddingStorage) and widens it to fp32.
// Rows of x0 are ld >= slots * dim + denseDims wide; the columns past the features are written 0
// (a BF16 plan's padding to whole 16-byte rows, which its zero weights then multiply).
template <typename Value, typename Out>
__device__ __forceinline__ void gather(const int* __restrict__ ids, const float* __restrict__ dense, Value value,
                                       Out* __restrict__ x0, int rows, int slots, int dim, int denseDims,
                                       int tableRows, int ld) {
    const int sparseWidth = slots * dim;
    const int d = sparseWidth + denseDims;
    const long long total = (long long) rows * ld;
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < total;
         i += (long long) gridDim.x * blockDim.x) {
        const long long r = i / ld;
        const int c = (int) (i - r * ld);
        float v = 0.0f;
        if (c < sparseWidth) {
            const int s = c / dim;
            const int id = ids[r * slots + s];
            v = (id >= 0 && id < tableRows) ? value(id, c - s * dim) : __int_as_float(0x7fc00000);
        } else if (c < d) {
            v = dense[r * denseDims + (c - sparseWidth)];
        }
        put(x0, i, v);
    }
}

// The gathers, one per table storage and x0 storage: gather_concat[_bf16|_int8] write fp32 rows of
// exactly the features; their _into_bf16 twins write bf16 rows of ld columns (BF16 plans).
#define GATHER_KERNELS(name, Table, EXTRA_PARAMS, VALUE)                                                         \
    extern "C" __global__ void name(const int* __restrict__ ids, const float* __restrict__ dense,              \
                                    const Table* __restrict__ table EXTRA_PARAMS, float* __restrict__ x0,     \
                                    int rows, int slots, int dim, int denseDims, int tableRows) {               \
        gather(ids, dense, VALUE, x0, rows, slots, dim, denseDims, tableRows, slots * dim + denseDims);          \
    }                                                                                                           \
    extern "C" __global__ void name##_into_bf16(const int* __restrict__ ids, const float* __restrict__ dense,  \
                                                const Table* __restrict__ table EXTRA_PARAMS,                   \
                                                unsigned short* __restrict__ x0, int rows, int slots, int dim,  \
                                                int denseDims, int tableRows, int ld) {                         \
        gather(ids, dense, VALUE, x0, rows, slots, dim, denseDims, tableRows, ld);                              \
    }

#define NO_PARAMS
#define SCALES_PARAM , const float* __restrict__ scales

GATHER_KERNELS(gather_concat, float, NO_PARAMS, ([=](int id, int j) { return table[(long long) id * dim + j]; }))

// BF16 storage: the value's upper 16 bits; widening is exact.
GATHER_KERNELS(gather_concat_bf16, unsigned short, NO_PARAMS,
               ([=](int id, int j) { return widen(table[(long long) id * dim + j]); }))

// INT8 storage: q * scale[row], one fp32 scale per row.
GATHER_KERNELS(gather_concat_int8, signed char, SCALES_PARAM,
               ([=](int id, int j) { return (float) table[(long long) id * dim + j] * scales[id]; }))

// Loads 4 consecutive k (k..k+3) of row `row` of a [rows, K] row-major matrix; zero outside it.
// One float4 when K is a multiple of 4 (every row then starts on 16 bytes: DcnPlan aligns each
// weight tensor to 128 bytes and each activation buffer to 256) and the 4 are inside; else scalars.
__device__ __forceinline__ float4 load4(const float* __restrict__ p, long long row, long long rows, int k, int K, bool vec) {
    float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    if (row < rows) {
        const float* q = p + row * (long long) K + k;
        if (vec && k + 3 < K) {
            v = *reinterpret_cast<const float4*>(q);
        } else {
            if (k < K) v.x = q[0];
            if (k + 1 < K) v.y = q[1];
            if (k + 2 < K) v.z = q[2];
            if (k + 3 < K) v.w = q[3];
        }
    }
    return v;
}

// fp32 tiles for the smaller layers: a 64 x 64 block of C per 256 threads, 4 x 4 elements per
// thread (rows ty*4 + {0..3}, columns tx*4 + {0..3}: float4 shared reads), K in steps of 32. At
// small batches a layer's time is its chain of K steps, each a global load, a barrier and the
// multiply, so the next step's tiles are loaded into registers while this one is multiplied (two
// shared buffers, one barrier a step), and the steps are twice as long as they were.
#define F_BM 64
#define F_BN 64
#define F_BK 32
#define F_LDS (F_BM + 4)   // rows stay 16-byte aligned for the float4 reads

// C[M, N] = epilogue(A[M, K] W[N, K]^T + bias); x0 is read only by EPILOGUE_CROSS ([M, N], as A).
// Grid: (ceil(N / 64), ceil(M / 64)), 256 threads.
extern "C" __global__ void __launch_bounds__(256) linear_f32(const float* __restrict__ a, const float* __restrict__ w,
                                                              const float* __restrict__ bias, const float* __restrict__ x0,
                                                              float* __restrict__ c, int M, int N, int K, int mode) {
    __shared__ __align__(16) float As[2][F_BK][F_LDS];   // As[k][m]
    __shared__ __align__(16) float Ws[2][F_BK][F_LDS];   // Ws[k][n]
    const int tid = threadIdx.x;
    const int tx = tid % 16;
    const int ty = tid / 16;
    const long long m0 = (long long) blockIdx.y * F_BM;
    const int n0 = blockIdx.x * F_BN;
    const bool vec = (K & 3) == 0;
    // This thread stages rows lr, k lk..lk+3 and lk+16..lk+19 of each tile. Consecutive threads take
    // consecutive rows: the transposed shared stores of a warp hit 32 different banks.
    const int lr = tid % 64;
    const int lk = (tid / 64) * 4;
    const float* wrow = w + (long long) n0 * K;
    const long long mRows = M - m0;
    const long long nRows = N - n0;
    const float* arow = a + m0 * K;

    float acc[4][4] = {};
    float4 ra0 = load4(arow, lr, mRows, lk, K, vec);
    float4 ra1 = load4(arow, lr, mRows, lk + 16, K, vec);
    float4 rw0 = load4(wrow, lr, nRows, lk, K, vec);
    float4 rw1 = load4(wrow, lr, nRows, lk + 16, K, vec);
    int buf = 0;
    for (int k0 = 0; k0 < K; k0 += F_BK) {
        // Stage the registers into buf: it was last read before the previous step's barrier.
        As[buf][lk][lr] = ra0.x; As[buf][lk + 1][lr] = ra0.y; As[buf][lk + 2][lr] = ra0.z; As[buf][lk + 3][lr] = ra0.w;
        As[buf][lk + 16][lr] = ra1.x; As[buf][lk + 17][lr] = ra1.y; As[buf][lk + 18][lr] = ra1.z; As[buf][lk + 19][lr] = ra1.w;
        Ws[buf][lk][lr] = rw0.x; Ws[buf][lk + 1][lr] = rw0.y; Ws[buf][lk + 2][lr] = rw0.z; Ws[buf][lk + 3][lr] = rw0.w;
        Ws[buf][lk + 16][lr] = rw1.x; Ws[buf][lk + 17][lr] = rw1.y; Ws[buf][lk + 18][lr] = rw1.z; Ws[buf][lk + 19][lr] = rw1.w;
        __syncthreads();
        if (k0 + F_BK < K) {
            const int kn = k0 + F_BK + lk;
            ra0 = load4(arow, lr, mRows, kn, K, vec);
            ra1 = load4(arow, lr, mRows, kn + 16, K, vec);
            rw0 = load4(wrow, lr, nRows, kn, K, vec);
            rw1 = load4(wrow, lr, nRows, kn + 16, K, vec);
        }
#pragma unroll
        for (int k = 0; k < F_BK; k++) {
            const float4 av = *reinterpret_cast<const float4*>(&As[buf][k][ty * 4]);
            const float4 wv = *reinterpret_cast<const float4*>(&Ws[buf][k][tx * 4]);
            const float ai[4] = {av.x, av.y, av.z, av.w};
            const float wj[4] = {wv.x, wv.y, wv.z, wv.w};
#pragma unroll
            for (int i = 0; i < 4; i++) {
#pragma unroll
                for (int j = 0; j < 4; j++) {
                    acc[i][j] = fmaf(ai[i], wj[j], acc[i][j]);
                }
            }
        }
        buf ^= 1;
    }

#pragma unroll
    for (int i = 0; i < 4; i++) {
        const long long gm = m0 + ty * 4 + i;
        if (gm >= M) {
            continue;
        }
#pragma unroll
        for (int j = 0; j < 4; j++) {
            const int gn = n0 + tx * 4 + j;
            if (gn < N) {
                c[gm * N + gn] = epilogue(mode, acc[i][j], bias[gn], x0, a, gm, gn, N);
            }
        }
    }
}

// TF32 tensor-core tiles (wmma m16n16k8): a 64 x 64 block of C per 4 warps, each warp 32 x 32,
// K in steps of 32, the next step's tiles loaded into registers while this one is multiplied (two
// shared buffers, one barrier a step). Operands are rounded to TF32 (10-bit mantissa, round to
// nearest) as they are staged in shared memory; accumulation stays fp32.
#define T_BM 64
#define T_BN 64
#define T_BK 32
#define T_LDS (T_BK + 4)   // shared row stride in floats: a multiple of 4 (wmma ldm) and of 32 bytes per 16 rows
#define T_LDC (T_BN + 4)
#define T_TILE (T_BM * T_LDS)

__device__ __forceinline__ float4 tf32x4(float4 v) {
    using namespace nvcuda;
    return make_float4(wmma::__float_to_tf32(v.x), wmma::__float_to_tf32(v.y), wmma::__float_to_tf32(v.z),
                       wmma::__float_to_tf32(v.w));
}

// Same contract as linear_f32. Grid: (ceil(N / 64), ceil(M / 64)), 128 threads. (No __launch_bounds__:
// with it ptxas capped an earlier version at 96 registers and spilled.)
extern "C" __global__ void linear_tf32(const float* __restrict__ a, const float* __restrict__ w,
                                                               const float* __restrict__ bias, const float* __restrict__ x0,
                                                               float* __restrict__ c, int M, int N, int K, int mode) {
    using namespace nvcuda;
    // [stage][A or W][row][k], row-major A (m, k) and W (n, k), i.e. W^T column-major: 36 KiB. After
    // the last step its start holds the C tile (64 x 68 floats) for the epilogue. wmma loads and
    // stores need 256-bit aligned pointers: every fragment starts at a row that is a multiple of 16
    // and a column that is a multiple of 8, which with these strides is 32-byte aligned.
    __shared__ __align__(128) float smem[2 * 2 * T_TILE];
    const int tid = threadIdx.x;
    const int warp = tid / 32;
    const int wm = (warp / 2) * 32;  // the warp's 32 x 32 corner of the block tile
    const int wn = (warp % 2) * 32;
    const long long m0 = (long long) blockIdx.y * T_BM;
    const int n0 = blockIdx.x * T_BN;
    const bool vec = (K & 3) == 0;
    // This thread stages rows lr + 16 q (q = 0..3), k lk..lk+3, of each tile: 8 threads per row, coalesced.
    const int lr = tid / 8;
    const int lk = (tid % 8) * 4;
    const float* arow = a + m0 * K;
    const float* wrow = w + (long long) n0 * K;
    const long long mRows = M - m0;
    const long long nRows = N - n0;

    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[2][2];
#pragma unroll
    for (int i = 0; i < 2; i++) {
#pragma unroll
        for (int j = 0; j < 2; j++) {
            wmma::fill_fragment(acc[i][j], 0.0f);
        }
    }

    float4 ra[4];
    float4 rw[4];
#pragma unroll
    for (int q = 0; q < 4; q++) {
        ra[q] = load4(arow, lr + 16 * q, mRows, lk, K, vec);
        rw[q] = load4(wrow, lr + 16 * q, nRows, lk, K, vec);
    }
    int buf = 0;
    for (int k0 = 0; k0 < K; k0 += T_BK) {
        // Stage the registers into buf: it was last read before the previous step's barrier.
        float* As = smem + buf * 2 * T_TILE;
        float* Ws = As + T_TILE;
#pragma unroll
        for (int q = 0; q < 4; q++) {
            *reinterpret_cast<float4*>(&As[(lr + 16 * q) * T_LDS + lk]) = tf32x4(ra[q]);
            *reinterpret_cast<float4*>(&Ws[(lr + 16 * q) * T_LDS + lk]) = tf32x4(rw[q]);
        }
        __syncthreads();
        if (k0 + T_BK < K) {
#pragma unroll
            for (int q = 0; q < 4; q++) {
                ra[q] = load4(arow, lr + 16 * q, mRows, k0 + T_BK + lk, K, vec);
                rw[q] = load4(wrow, lr + 16 * q, nRows, k0 + T_BK + lk, K, vec);
            }
        }
#pragma unroll
        for (int kk = 0; kk < T_BK; kk += 8) {
            wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> af[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::col_major> bf[2];
#pragma unroll
            for (int i = 0; i < 2; i++) {
                wmma::load_matrix_sync(af[i], &As[(wm + 16 * i) * T_LDS + kk], T_LDS);
                wmma::load_matrix_sync(bf[i], &Ws[(wn + 16 * i) * T_LDS + kk], T_LDS);
            }
#pragma unroll
            for (int i = 0; i < 2; i++) {
#pragma unroll
                for (int j = 0; j < 2; j++) {
                    wmma::mma_sync(acc[i][j], af[i], bf[j], acc[i][j]);
                }
            }
        }
        buf ^= 1;
    }
    __syncthreads();  // every warp is done with the operand buffers before they hold C

    float* Cs = smem;
#pragma unroll
    for (int i = 0; i < 2; i++) {
#pragma unroll
        for (int j = 0; j < 2; j++) {
            wmma::store_matrix_sync(&Cs[(wm + 16 * i) * T_LDC + wn + 16 * j], acc[i][j], T_LDC, wmma::mem_row_major);
        }
    }
    __syncthreads();
    for (int e = tid; e < T_BM * T_BN; e += 128) {
        const int row = e / T_BN;
        const int col = e % T_BN;
        const long long gm = m0 + row;
        const int gn = n0 + col;
        if (gm < M && gn < N) {
            c[gm * N + gn] = epilogue(mode, Cs[row * T_LDC + col], bias[gn], x0, a, gm, gn, N);
        }
    }
}

// Register-blocked fp32 tiles for the larger layers: a 128 x 128 block of C per 256 threads, 8 x 8
// elements per thread (rows ty*4 + {0..3} and 64 + ty*4 + {0..3}, columns likewise with tx), K in
// steps of 8. The next K step's tiles are loaded into registers while this one is multiplied out
// of the other shared-memory buffer: one barrier per step. When K is a multiple of 4 each thread
// reads its 4 consecutive k of one row as a float4 (rows of A and W then start on 16 bytes: DcnPlan
// aligns every weight tensor and every activation buffer to 128 bytes and more); otherwise as 4
// scalars. Same contract as linear_f32. Grid: (ceil(N / 128), ceil(M / 128)), 256 threads.
#define B_BM 128
#define B_BK 8
#define B_LDS (B_BM + 4)   // +4: the two k-halves a warp stores land in different banks; rows stay 16-byte aligned

extern "C" __global__ void __launch_bounds__(256) linear_f32_128(const float* __restrict__ a, const float* __restrict__ w,
                                                                  const float* __restrict__ bias, const float* __restrict__ x0,
                                                                  float* __restrict__ c, int M, int N, int K, int mode) {
    __shared__ __align__(16) float As[2][B_BK][B_LDS];   // As[k][m]
    __shared__ __align__(16) float Ws[2][B_BK][B_LDS];   // Ws[k][n]
    const int tid = threadIdx.x;
    const int tx = tid % 16;
    const int ty = tid / 16;
    const long long m0 = (long long) blockIdx.y * B_BM;
    const int n0 = blockIdx.x * B_BM;
    const bool vec = (K & 3) == 0;
    // This thread stages row lr, k lk..lk+3 of each tile.
    const int lr = tid / 2;
    const int lk = (tid % 2) * 4;
    const float* wrow = w + (long long) n0 * K;

    float acc[8][8] = {};
    float4 ra = load4(a, m0 + lr, M, lk, K, vec);
    float4 rw = load4(wrow, lr, N - n0, lk, K, vec);
    As[0][lk][lr] = ra.x; As[0][lk + 1][lr] = ra.y; As[0][lk + 2][lr] = ra.z; As[0][lk + 3][lr] = ra.w;
    Ws[0][lk][lr] = rw.x; Ws[0][lk + 1][lr] = rw.y; Ws[0][lk + 2][lr] = rw.z; Ws[0][lk + 3][lr] = rw.w;
    __syncthreads();

    int buf = 0;
    for (int k0 = 0; k0 < K; k0 += B_BK) {
        const bool more = k0 + B_BK < K;
        if (more) {
            ra = load4(a, m0 + lr, M, k0 + B_BK + lk, K, vec);
            rw = load4(wrow, lr, N - n0, k0 + B_BK + lk, K, vec);
        }
#pragma unroll
        for (int k = 0; k < B_BK; k++) {
            const float4 a0 = *reinterpret_cast<const float4*>(&As[buf][k][ty * 4]);
            const float4 a1 = *reinterpret_cast<const float4*>(&As[buf][k][64 + ty * 4]);
            const float4 w0 = *reinterpret_cast<const float4*>(&Ws[buf][k][tx * 4]);
            const float4 w1 = *reinterpret_cast<const float4*>(&Ws[buf][k][64 + tx * 4]);
            const float av[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
            const float wv[8] = {w0.x, w0.y, w0.z, w0.w, w1.x, w1.y, w1.z, w1.w};
#pragma unroll
            for (int i = 0; i < 8; i++) {
#pragma unroll
                for (int j = 0; j < 8; j++) {
                    acc[i][j] = fmaf(av[i], wv[j], acc[i][j]);
                }
            }
        }
        if (more) {
            // The other buffer was last read before the previous step's barrier: free to overwrite.
            const int nb = buf ^ 1;
            As[nb][lk][lr] = ra.x; As[nb][lk + 1][lr] = ra.y; As[nb][lk + 2][lr] = ra.z; As[nb][lk + 3][lr] = ra.w;
            Ws[nb][lk][lr] = rw.x; Ws[nb][lk + 1][lr] = rw.y; Ws[nb][lk + 2][lr] = rw.z; Ws[nb][lk + 3][lr] = rw.w;
            __syncthreads();
            buf = nb;
        }
    }

#pragma unroll
    for (int i = 0; i < 8; i++) {
        const long long gm = m0 + (i / 4) * 64 + ty * 4 + (i % 4);
        if (gm >= M) {
            continue;
        }
#pragma unroll
        for (int j = 0; j < 8; j++) {
            const int gn = n0 + (j / 4) * 64 + tx * 4 + (j % 4);
            if (gn < N) {
                c[gm * N + gn] = epilogue(mode, acc[i][j], bias[gn], x0, a, gm, gn, N);
            }
        }
    }
}

// TF32 tensor-core tiles for the larger layers: a 128 x 128 block of C per 8 warps (2 x 4), each
// warp 64 x 32 (4 x 2 wmma m16n16k8 fragments), K in steps of 16, the next step's tiles loaded into
// registers while this one is multiplied (two shared buffers, one barrier per step). Operands are
// rounded to TF32 as they are staged, as in linear_tf32; the epilogue goes through a per-warp
// 16 x 16 scratch that reuses the operand buffers. Same contract as linear_f32.
// Grid: (ceil(N / 128), ceil(M / 128)), 256 threads.
#define U_BM 128
#define U_BK 16
#define U_LDS (U_BK + 4)          // a multiple of 4 floats (wmma ldm); 16 rows of it are 1280 bytes (32-byte aligned)
#define U_TILE (U_BM * U_LDS)     // floats of one operand tile
#define U_LDC 20                  // per-warp 16 x 16 scratch stride

extern "C" __global__ void __launch_bounds__(256) linear_tf32_128(const float* __restrict__ a, const float* __restrict__ w,
                                                                   const float* __restrict__ bias, const float* __restrict__ x0,
                                                                   float* __restrict__ c, int M, int N, int K, int mode) {
    using namespace nvcuda;
    // [stage][A or W][row][k]: 2 x 2 x 128 x 20 floats = 40 KiB.
    __shared__ __align__(128) float smem[2 * 2 * U_TILE];
    const int tid = threadIdx.x;
    const int warp = tid / 32;
    const int lane = tid % 32;
    const int wm = (warp / 4) * 64;  // the warp's 64 x 32 corner of the block tile
    const int wn = (warp % 4) * 32;
    const long long m0 = (long long) blockIdx.y * U_BM;
    const int n0 = blockIdx.x * U_BM;
    const bool vec = (K & 3) == 0;
    // This thread stages rows lr and lr + 64, k lk..lk+3, of each tile.
    const int lr = tid / 4;
    const int lk = (tid % 4) * 4;
    const float* wrow = w + (long long) n0 * K;

    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[4][2];
#pragma unroll
    for (int i = 0; i < 4; i++) {
#pragma unroll
        for (int j = 0; j < 2; j++) {
            wmma::fill_fragment(acc[i][j], 0.0f);
        }
    }

    float4 ra0 = load4(a, m0 + lr, M, lk, K, vec);
    float4 ra1 = load4(a, m0 + lr + 64, M, lk, K, vec);
    float4 rw0 = load4(wrow, lr, N - n0, lk, K, vec);
    float4 rw1 = load4(wrow, lr + 64, N - n0, lk, K, vec);
    {
        float* As = smem;
        float* Ws = smem + U_TILE;
        *reinterpret_cast<float4*>(&As[lr * U_LDS + lk]) = tf32x4(ra0);
        *reinterpret_cast<float4*>(&As[(lr + 64) * U_LDS + lk]) = tf32x4(ra1);
        *reinterpret_cast<float4*>(&Ws[lr * U_LDS + lk]) = tf32x4(rw0);
        *reinterpret_cast<float4*>(&Ws[(lr + 64) * U_LDS + lk]) = tf32x4(rw1);
    }
    __syncthreads();

    int buf = 0;
    for (int k0 = 0; k0 < K; k0 += U_BK) {
        const bool more = k0 + U_BK < K;
        if (more) {
            ra0 = load4(a, m0 + lr, M, k0 + U_BK + lk, K, vec);
            ra1 = load4(a, m0 + lr + 64, M, k0 + U_BK + lk, K, vec);
            rw0 = load4(wrow, lr, N - n0, k0 + U_BK + lk, K, vec);
            rw1 = load4(wrow, lr + 64, N - n0, k0 + U_BK + lk, K, vec);
        }
        const float* As = smem + buf * 2 * U_TILE;
        const float* Ws = As + U_TILE;
#pragma unroll
        for (int kk = 0; kk < U_BK; kk += 8) {
            wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> af[4];
            wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::col_major> bf[2];
#pragma unroll
            for (int i = 0; i < 4; i++) {
                wmma::load_matrix_sync(af[i], &As[(wm + 16 * i) * U_LDS + kk], U_LDS);
            }
#pragma unroll
            for (int j = 0; j < 2; j++) {
                wmma::load_matrix_sync(bf[j], &Ws[(wn + 16 * j) * U_LDS + kk], U_LDS);
            }
#pragma unroll
            for (int i = 0; i < 4; i++) {
#pragma unroll
                for (int j = 0; j < 2; j++) {
                    wmma::mma_sync(acc[i][j], af[i], bf[j], acc[i][j]);
                }
            }
        }
        if (more) {
            // The other buffer was last read before the previous step's barrier: free to overwrite.
            const int nb = buf ^ 1;
            float* As2 = smem + nb * 2 * U_TILE;
            float* Ws2 = As2 + U_TILE;
            *reinterpret_cast<float4*>(&As2[lr * U_LDS + lk]) = tf32x4(ra0);
            *reinterpret_cast<float4*>(&As2[(lr + 64) * U_LDS + lk]) = tf32x4(ra1);
            *reinterpret_cast<float4*>(&Ws2[lr * U_LDS + lk]) = tf32x4(rw0);
            *reinterpret_cast<float4*>(&Ws2[(lr + 64) * U_LDS + lk]) = tf32x4(rw1);
            __syncthreads();
            buf = nb;
        }
    }
    __syncthreads();  // every warp is done with the operand buffers before they become scratch

    float* scratch = smem + warp * 16 * U_LDC;  // 1280 bytes per warp: 32-byte aligned
#pragma unroll
    for (int i = 0; i < 4; i++) {
#pragma unroll
        for (int j = 0; j < 2; j++) {
            wmma::store_matrix_sync(scratch, acc[i][j], U_LDC, wmma::mem_row_major);
            __syncwarp();
            const long long rm = m0 + wm + 16 * i;
            const int rn = n0 + wn + 16 * j;
#pragma unroll
            for (int e = lane; e < 256; e += 32) {
                const int row = e / 16;
                const int col = e % 16;
                const long long gm = rm + row;
                const int gn = rn + col;
                if (gm < M && gn < N) {
                    c[gm * N + gn] = epilogue(mode, scratch[row * U_LDC + col], bias[gn], x0, a, gm, gn, N);
                }
            }
            __syncwarp();
        }
    }
}

// Tensor-core GEMMs with mma.sync: C[M, N] = epilogue(A[M, K] W[N, K]^T + b), in TF32, 3xTF32 or
// BF16. A block computes a BM x BN tile of C with its warps in WARPS_M x WARPS_N, each warp a grid
// of m16n8 tiles. K walks in steps of 128 bytes of a row (32 fp32 or 64 bf16 elements) through
// STAGES shared-memory buffers filled by cp.async, so that the loads of the next STAGES - 1 steps
// are in flight while one is multiplied (no register staging, one barrier a step). Both operands
// are K-contiguous, as mma's row.col wants, so every fragment comes out of shared memory with one
// ldmatrix.x4 (four 8 x 8 blocks of 16-bit elements, i.e. 8 x 4 of 32-bit ones; rows padded by 16
// bytes to 144 keep its 8-row phases free of bank conflicts). Accumulation is fp32.
//
// TF32 and 3xTF32 read fp32 operands (m16n8k8). TF32 (SPLIT false): each operand is rounded to TF32
// (cvt.rna, round to nearest, as PyTorch's TF32 matmuls round) as it leaves shared memory. Not an
// integer add: a NaN with a high payload (CUDA's own 0x7fffffff) would carry into the sign bit and
// become a small negative number.
// SPLIT is 3xTF32: x = big + small, with big = x with its low 13 mantissa bits cleared (exactly a
// TF32 value) and small = x - big (exact in fp32, truncated to TF32 by the tensor core), and the
// product small*big + big*small + big*big (small*small dropped). Not fp32's accuracy: the tensor
// cores' fp32 accumulation loses more, growing with K (per layer on unit-scale values 1.2e-5 at
// K = 656 and 5.4e-5 at 4096, against cuBLAS fp32's 2e-6 and 5e-6), so DcnPlan uses it only up to
// K = 4096, where FP32's 1e-4 contract was measured to hold (2.8e-6 on x100's probabilities).
// An infinite operand makes small NaN (inf - inf), so the layer's output is NaN where the CUDA-core
// kernels gave +-inf (which the next layer's mixed-sign weights mostly turn into NaN anyway).
//
// BF16 reads bf16 operands as stored (m16n8k16: ldmatrix hands the tensor core its fragments
// unchanged, nothing to convert) and writes C rounded to bf16; x0 and A, read by the cross
// epilogue, are bf16 too. The epilogue's arithmetic is fp32.
//
// Requires 16-byte rows, i.e. K a multiple of 4 (fp32) or 8 (bf16), and 16-byte aligned rows (the
// host checks K; DcnPlan aligns every tensor): each cp.async moves 16 bytes of one row, all in or
// all out of the matrix (zero-filled outside it). Dynamic shared memory: STAGES * (BM + BN) * 144
// bytes.
#define MMA_ROW_BYTES 128
#define MMA_LDS_BYTES (MMA_ROW_BYTES + 16)

extern __shared__ __align__(16) unsigned char dynamic_smem[];

// 16 bytes from global to shared, or 16 zero bytes when !in (src is then not read).
__device__ __forceinline__ void cp_async16(void* dst, const void* src, bool in) {
    const unsigned s = (unsigned) __cvta_generic_to_shared(dst);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(src), "r"(in ? 16 : 0));
}

__device__ __forceinline__ void cp_async_commit() {
    asm volatile("cp.async.commit_group;\n" ::);
}

template <int PENDING>
__device__ __forceinline__ void cp_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(PENDING));
}

// Four 8 x 8 blocks of 16-bit elements (8 x 4 of 32-bit ones): lanes 8i..8i+7 give the row
// addresses of block i, and lane l receives the 32 bits at (row l / 4, bytes 4 (l % 4)..+3) of each
// block: an m16n8k8 TF32 or m16n8k16 BF16 fragment's layout.
__device__ __forceinline__ void ldmatrix_x4(unsigned (&r)[4], const void* p) {
    const unsigned s = (unsigned) __cvta_generic_to_shared(p);
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(s));
}

__device__ __forceinline__ void mma_tf32(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
                 "{%0, %1, %2, %3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// D += A B on BF16 tensor cores: A 16 x 16 (row), B 16 x 8 (col), fp32 accumulators.
__device__ __forceinline__ void mma_bf16(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
                 "{%0, %1, %2, %3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// The linear_mma variants: TF32 operands, 3xTF32 (fp32 accuracy from split operands), or BF16 operands.
#define MMA_TF32 0
#define MMA_F32X3 1
#define MMA_BF16 2

// An operand's bits as the tensor core takes them: rounded to TF32, or (SPLIT) big and small as above.
template <bool SPLIT>
__device__ __forceinline__ void to_tf32(unsigned x, unsigned& big, unsigned& small) {
    if (SPLIT) {
        big = x & 0xffffe000u;
        small = __float_as_uint(__uint_as_float(x) - __uint_as_float(big));
    } else {
        asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(big) : "f"(__uint_as_float(x)));
    }
}

// T: the operands' and C's element, float (TF32, 3xTF32) or unsigned short (BF16's bits).
template <int BM, int BN, int WARPS_M, int WARPS_N, int STAGES, int MODE, typename T>
__device__ __forceinline__ void linear_mma(const T* __restrict__ a, const T* __restrict__ w,
                                           const float* __restrict__ bias, const T* __restrict__ x0,
                                           T* __restrict__ c, int M, int N, int K, int mode) {
    constexpr int THREADS = WARPS_M * WARPS_N * 32;
    constexpr int MI = BM / WARPS_M / 16;   // m16 tiles per warp
    constexpr int NI = BN / WARPS_N / 8;    // n8 tiles per warp
    constexpr int E = 16 / sizeof(T);       // elements per 16-byte chunk
    constexpr int BK = MMA_ROW_BYTES / sizeof(T);   // elements of a row per K step
    constexpr int LDS = MMA_LDS_BYTES / sizeof(T);  // elements from one shared row to the next
    constexpr int CHUNKS = BK / E;          // 16-byte chunks per row of a K step
    constexpr int STAGE = (BM + BN) * LDS;
    constexpr bool SPLIT = MODE == MMA_F32X3;
    constexpr int KK = MODE == MMA_BF16 ? 16 : 8;   // k of one mma
    static_assert(BM * CHUNKS % THREADS == 0 && BN * CHUNKS % THREADS == 0, "whole copy rounds per thread");
    static_assert(NI % 2 == 0, "one ldmatrix.x4 loads two n8 tiles of W");
    static_assert((MODE == MMA_BF16) == (sizeof(T) == 2), "BF16 reads 16-bit operands, the others fp32");

    T* smem = reinterpret_cast<T*>(dynamic_smem);
    const int tid = threadIdx.x;
    const int lane = tid % 32;
    const int warp = tid / 32;
    const int wm = (warp / WARPS_N) * (BM / WARPS_M);
    const int wn = (warp % WARPS_N) * (BN / WARPS_N);
    const long long m0 = (long long) blockIdx.y * BM;
    const int n0 = blockIdx.x * BN;
    const int steps = (K + BK - 1) / BK;
    // This lane's ldmatrix row, in 16-byte blocks of k (E elements): A's blocks are (rows +0, k +0),
    // (+8, +0), (+0, +E), (+8, +E), i.e. a0..a3; W's are (n +0, k +0), (+0, +E), (+8, +0), (+8, +E),
    // i.e. b0, b1 of two n8 tiles.
    const int aRow = lane % 8 + 8 * ((lane / 8) % 2);
    const int aK = E * (lane / 16);
    const int bRow = lane % 8 + 8 * (lane / 16);
    const int bK = E * ((lane / 8) % 2);

    // Issues the copies of K step `step` into buffer `stage`.
    auto load = [&](int stage, int step) {
        T* As = smem + stage * STAGE;
        T* Ws = As + BM * LDS;
        const int k0 = step * BK;
#pragma unroll
        for (int i = 0; i < BM * CHUNKS / THREADS; i++) {
            const int e = tid + i * THREADS;
            const int row = e / CHUNKS;
            const int k = k0 + (e % CHUNKS) * E;
            const long long gm = m0 + row;
            const bool in = gm < M && k < K;
            cp_async16(As + row * LDS + (e % CHUNKS) * E, in ? a + gm * K + k : a, in);
        }
#pragma unroll
        for (int i = 0; i < BN * CHUNKS / THREADS; i++) {
            const int e = tid + i * THREADS;
            const int row = e / CHUNKS;
            const int k = k0 + (e % CHUNKS) * E;
            const int gn = n0 + row;
            const bool in = gn < N && k < K;
            cp_async16(Ws + row * LDS + (e % CHUNKS) * E, in ? w + (long long) gn * K + k : w, in);
        }
    };

    float acc[MI][NI][4];
#pragma unroll
    for (int i = 0; i < MI; i++) {
#pragma unroll
        for (int j = 0; j < NI; j++) {
#pragma unroll
            for (int r = 0; r < 4; r++) {
                acc[i][j][r] = 0.0f;
            }
        }
    }

#pragma unroll
    for (int s = 0; s < STAGES - 1; s++) {
        if (s < steps) {
            load(s, s);
        }
        cp_async_commit();  // empty groups too: the wait below counts groups
    }
    for (int step = 0; step < steps; step++) {
        cp_async_wait<STAGES - 2>();   // this step's group has landed (for this thread) ...
        __syncthreads();               // ... for every thread; and all are done with the buffer refilled next
        if (step + STAGES - 1 < steps) {
            load((step + STAGES - 1) % STAGES, step + STAGES - 1);
        }
        cp_async_commit();
        const T* As = smem + (step % STAGES) * STAGE;
        const T* Ws = As + BM * LDS;
#pragma unroll
        for (int kk = 0; kk < BK; kk += KK) {
            // k blocks of KK: one ldmatrix.x4 of W gives two n8 tiles' fragments, one of A an m16's.
            unsigned bBig[NI][2];
            unsigned bSmall[NI][2];
#pragma unroll
            for (int j = 0; j < NI; j += 2) {
                unsigned r[4];
                ldmatrix_x4(r, Ws + (wn + j * 8 + bRow) * LDS + kk + bK);
                if constexpr (MODE == MMA_BF16) {
                    bBig[j][0] = r[0];
                    bBig[j][1] = r[1];
                    bBig[j + 1][0] = r[2];
                    bBig[j + 1][1] = r[3];
                } else {
                    to_tf32<SPLIT>(r[0], bBig[j][0], bSmall[j][0]);
                    to_tf32<SPLIT>(r[1], bBig[j][1], bSmall[j][1]);
                    to_tf32<SPLIT>(r[2], bBig[j + 1][0], bSmall[j + 1][0]);
                    to_tf32<SPLIT>(r[3], bBig[j + 1][1], bSmall[j + 1][1]);
                }
            }
#pragma unroll
            for (int i = 0; i < MI; i++) {
                unsigned aBig[4];
                unsigned aSmall[4];
                ldmatrix_x4(aBig, As + (wm + i * 16 + aRow) * LDS + kk + aK);
                if constexpr (MODE != MMA_BF16) {
#pragma unroll
                    for (int q = 0; q < 4; q++) {
                        to_tf32<SPLIT>(aBig[q], aBig[q], aSmall[q]);
                    }
                }
#pragma unroll
                for (int j = 0; j < NI; j++) {
                    if constexpr (MODE == MMA_BF16) {
                        mma_bf16(acc[i][j], aBig, bBig[j]);
                    } else {
                        if (SPLIT) {
                            mma_tf32(acc[i][j], aSmall, bBig[j]);
                            mma_tf32(acc[i][j], aBig, bSmall[j]);
                        }
                        mma_tf32(acc[i][j], aBig, bBig[j]);
                    }
                }
            }
        }
    }

    // c0, c1 of an m16n8 accumulator are row lane / 4, columns 2 (lane % 4) and + 1; c2, c3 the same 8 rows down.
    const int g = lane / 4;
    const int t = lane % 4;
#pragma unroll
    for (int i = 0; i < MI; i++) {
#pragma unroll
        for (int j = 0; j < NI; j++) {
            const int gn = n0 + wn + j * 8 + 2 * t;
#pragma unroll
            for (int h = 0; h < 2; h++) {
                const long long gm = m0 + wm + i * 16 + g + 8 * h;
                if (gm >= M) {
                    continue;
                }
                if constexpr (sizeof(T) == 2) {
                    if (gn + 1 < N && N % 2 == 0) {
                        // Both columns in one 32-bit store (gn is even): cvt puts its first source in the high half.
                        const float lo = epilogue(mode, acc[i][j][2 * h], bias[gn], x0, a, gm, gn, N);
                        const float hi = epilogue(mode, acc[i][j][2 * h + 1], bias[gn + 1], x0, a, gm, gn + 1, N);
                        unsigned pair;
                        asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(pair) : "f"(hi), "f"(lo));
                        *reinterpret_cast<unsigned*>(c + gm * N + gn) = pair;
                        continue;
                    }
                }
                if (gn < N) {
                    put(c, gm * N + gn, epilogue(mode, acc[i][j][2 * h], bias[gn], x0, a, gm, gn, N));
                }
                if (gn + 1 < N) {
                    put(c, gm * N + gn + 1, epilogue(mode, acc[i][j][2 * h + 1], bias[gn + 1], x0, a, gm, gn + 1, N));
                }
            }
        }
    }
}

// The launches (DcnPlan.LinearKernel): 128 x 128 tiles, 8 warps of 64 x 32, 3 stages (108 KiB);
// 128 x 64, 4 warps of 64 x 32, 4 stages (108 KiB); 64 x 64, 4 warps of 32 x 32, 4 stages (72 KiB).
// MIN_BLOCKS is __launch_bounds__' blocks per multiprocessor. Same contract as linear_f32, with T
// for the activations and weights (bias is fp32). Grid: (ceil(N / BN), ceil(M / BM)).
#define MMA_KERNEL(name, BM, BN, WARPS_M, WARPS_N, STAGES, MODE, MIN_BLOCKS, T)                                \
    extern "C" __global__ void __launch_bounds__(WARPS_M * WARPS_N * 32, MIN_BLOCKS)                            \
    name(const T* __restrict__ a, const T* __restrict__ w, const float* __restrict__ bias,                    \
         const T* __restrict__ x0, T* __restrict__ c, int M, int N, int K, int mode) {                          \
        linear_mma<BM, BN, WARPS_M, WARPS_N, STAGES, MODE, T>(a, w, bias, x0, c, M, N, K, mode);              \
    }

MMA_KERNEL(linear_tf32_mma_128x128, 128, 128, 2, 4, 3, MMA_TF32, 2, float)
MMA_KERNEL(linear_tf32_mma_128x64, 128, 64, 2, 2, 4, MMA_TF32, 2, float)
MMA_KERNEL(linear_tf32_mma_64x64, 64, 64, 2, 2, 4, MMA_TF32, 3, float)
MMA_KERNEL(linear_f32x3_mma_128x128, 128, 128, 2, 4, 3, MMA_F32X3, 1, float)
MMA_KERNEL(linear_f32x3_mma_128x64, 128, 64, 2, 2, 4, MMA_F32X3, 2, float)
MMA_KERNEL(linear_f32x3_mma_64x64, 64, 64, 2, 2, 4, MMA_F32X3, 3, float)
MMA_KERNEL(linear_bf16_mma_128x128, 128, 128, 2, 4, 3, MMA_BF16, 2, unsigned short)
MMA_KERNEL(linear_bf16_mma_128x64, 128, 64, 2, 2, 4, MMA_BF16, 2, unsigned short)
MMA_KERNEL(linear_bf16_mma_64x64, 64, 64, 2, 2, 4, MMA_BF16, 3, unsigned short)

// Calibration.Platt.apply: sigmoid(a * logit(clamp(p)) + b), in double as the Java code.
__device__ float platt(float p, double a, double b) {
    if (p != p) {
        return p; // fmin/fmax below would turn a NaN into a clamped, plausible probability
    }
    double q = fmin(fmax((double) p, CAL_EPS), 1.0 - CAL_EPS);
    double z = a * log(q / (1.0 - q)) + b;
    return (float) (1.0 / (1.0 + exp(-z)));
}

// Calibration.Isotonic.apply: linear between breakpoints, flat outside them, in float as the Java code.
__device__ float isotonic(float p, const float* x, const float* y, int n) {
    const int last = n - 1;
    if (p <= x[0]) {
        return y[0];
    }
    if (p >= x[last]) {
        return y[last];
    }
    int lo = 0;
    int hi = last;
    while (hi - lo > 1) {
        const int mid = (lo + hi) >> 1;
        if (x[mid] <= p) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    const float t = (p - x[lo]) / (x[hi] - x[lo]);
    return y[lo] + t * (y[hi] - y[lo]);
}

// Applies head k's calibration to p (see the cal layout below). Not inlined: one copy serves every
// unrolled head.
__device__ __noinline__ float calibrate(float p, const float* cal, int k) {
    const float* header = cal + k * CAL_HEADER;
    const int type = (int) header[0];
    if (type == CAL_PLATT) {
        return platt(p, header[1], header[2]);
    }
    if (type == CAL_ISOTONIC) {
        const int n = (int) header[3];
        const float* x = cal + (int) header[4];
        return isotonic(p, x, x + n, n);
    }
    return p;
}

// out[r, h] = calibrate_h(sigmoid(h_in[r, :] . w[h, :] + bias[h])), one warp per row; h_in is fp32
// (head_sigmoid_calibrate) or bf16 (head_sigmoid_calibrate_bf16), the weights and the sums fp32.
// cal: per head CAL_HEADER floats (type, a, b, breakpoints, offset), then the breakpoints' x and y.
// Grid: ceil(rows / 8) blocks of 256 threads; heads <= MAX_HEADS (the host checks).
template <typename T>
__device__ __forceinline__ void head(const T* __restrict__ h, const float* __restrict__ w,
                                     const float* __restrict__ bias, const float* __restrict__ cal,
                                     float* __restrict__ out, int rows, int K, int heads) {
    const int lane = threadIdx.x % 32;
    const long long r = (long long) blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
    if (r >= rows) {
        return;  // the whole warp leaves together: r is the same for its 32 lanes
    }
    float sum[MAX_HEADS];
#pragma unroll
    for (int k = 0; k < MAX_HEADS; k++) {
        sum[k] = 0.0f;
    }
    for (int i = lane; i < K; i += 32) {
        const float v = widen(h[r * K + i]);
#pragma unroll
        for (int k = 0; k < MAX_HEADS; k++) {
            if (k < heads) {
                sum[k] = fmaf(v, w[(long long) k * K + i], sum[k]);
            }
        }
    }
#pragma unroll
    for (int k = 0; k < MAX_HEADS; k++) {
        for (int offset = 16; offset > 0; offset >>= 1) {
            sum[k] += __shfl_down_sync(0xffffffffu, sum[k], offset);
        }
    }
    if (lane != 0) {
        return;
    }
    // Unrolled with a guard, not a loop to heads, so that sum[] stays in registers.
#pragma unroll
    for (int k = 0; k < MAX_HEADS; k++) {
        if (k >= heads) {
            break;
        }
        const double logit = (double) sum[k] + bias[k];
        out[r * heads + k] = calibrate((float) (1.0 / (1.0 + exp(-logit))), cal, k);
    }
}

#define HEAD_KERNEL(name, T)                                                                                  \
    extern "C" __global__ void __launch_bounds__(256)                                                         \
    name(const T* __restrict__ h, const float* __restrict__ w, const float* __restrict__ bias,                \
         const float* __restrict__ cal, float* __restrict__ out, int rows, int K, int heads) {                \
        head(h, w, bias, cal, out, rows, K, heads);                                                           \
    }

HEAD_KERNEL(head_sigmoid_calibrate, float)
HEAD_KERNEL(head_sigmoid_calibrate_bf16, unsigned short)

// Fault injection (GpuDevice.injectFault): a kernel that traps, as a kernel that crashed would. Its error,
// CUDA_ERROR_LAUNCH_FAILED, is sticky: every later call in the context fails until the context is rebuilt.
extern "C" __global__ void fault_trap() {
    __trap();
}
