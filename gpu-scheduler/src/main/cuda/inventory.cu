// The inventory on the card (adsml.scheduler.gpu.GpuInventoryScan): every ad's embedding and
// attributes resident in device memory, and per call, for up to SCORE_GROUP requests at once,
//   inventory_score: each eligible ad's light score (query . embedding + prior) as a sortable key,
//                    0 for an ad the request may not see;
//   inventory_topk:  each request's best k keys (a radix select, then a bitonic sort), with the
//                    ad's position, best first: only these cross PCIe back.
// The arithmetic is CpuInventoryScan's, step for step (fmaf over the dimensions in order, then the
// prior), so the two agree bit for bit; the keys are RankKeys' (score, position) order.
//
// Layout, for `capacity` positions: the embeddings dimension-major (vecT[d * capacity + p]), so that
// a warp reading one dimension of 32 neighbouring ads reads 128 contiguous bytes; then one column
// per attribute. flags[p]: bit 0 written, bit 1 paused.
//
// Compiled to PTX by build-ptx.sh (nvcc -ptx -arch=compute_90); names are extern "C".

#define FLAG_WRITTEN 1
#define FLAG_PAUSED 2
#define FILTER_INTS 5  // per request: known word, interests lo, hi, categories lo, hi
#define TOPK_THREADS 1024

// inventory_write: rows [0, count) of the staged columns to their positions. One thread per
// (row, dimension); the row's dimension-0 thread writes its attributes. The paused bit is kept.
extern "C" __global__ void inventory_write(int count, int dim, const int* __restrict__ positions,
                                           const float* __restrict__ vectors, const int* __restrict__ campaign,
                                           const int* __restrict__ category, const int* __restrict__ targetWord,
                                           const unsigned long long* __restrict__ interests,
                                           const float* __restrict__ prior, int capacity, float* vecT,
                                           int* adCampaign, int* adCategory, int* adWord,
                                           unsigned long long* adInterests, float* adPrior, int* flags) {
    const long long total = (long long) count * dim;
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < total;
         i += (long long) gridDim.x * blockDim.x) {
        const int row = (int) (i / dim);
        const int d = (int) (i - (long long) row * dim);
        const int p = positions[row];
        vecT[(long long) d * capacity + p] = vectors[i];
        if (d == 0) {
            adCampaign[p] = campaign[row];
            adCategory[p] = category[row];
            adWord[p] = targetWord[row];
            adInterests[p] = interests[row];
            adPrior[p] = prior[row];
            flags[p] |= FLAG_WRITTEN;
        }
    }
}

// RankKeys.key's score half, unsigned: larger for a higher score, NaN as negative infinity, -0 as 0.
// The smallest it returns is negative infinity's, 0x007fffff: 0 is free to mean "not eligible".
__device__ __forceinline__ unsigned score_key(float s) {
    if (s != s) {
        s = __int_as_float(0xff800000);
    }
    const int bits = s == 0.0f ? 0 : __float_as_int(s);
    const int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
    return (unsigned) sortable ^ 0x80000000u;
}

// AdFilter.admits in its word form (AdFilter.knownWord): each targeting field untargeted or sharing a
// bit with the user's known values; interests untargeted or shared; the category allowed.
__device__ __forceinline__ bool admits(const int* f, int word, unsigned long long adInterests, int category,
                                       int countryField, int deviceField, int ageField) {
    const int known = f[0];
    const unsigned long long interests = (unsigned) f[1] | ((unsigned long long) (unsigned) f[2] << 32);
    const unsigned long long categories = (unsigned) f[3] | ((unsigned long long) (unsigned) f[4] << 32);
    const int c = word & countryField;
    const int d = word & deviceField;
    const int a = word & ageField;
    return (c == 0 || (c & known) != 0) && (d == 0 || (d & known) != 0) && (a == 0 || (a & known) != 0)
           && (adInterests == 0 || (adInterests & interests) != 0)
           && (categories == 0 || ((categories >> category) & 1) != 0);
}

// keys[r * capacity + p] for requests [0, requests) (requests <= R) and positions [0, n): one thread
// per ad, R accumulators, the queries and filters in shared memory (R * (dim + FILTER_INTS) * 4 bytes,
// dynamic). Grid: ceil(n / 256) blocks of 256 threads. `dim` is the call's range of dimensions and
// `vecT` its first dimension's row (GpuInventoryScan passes the embeddings offset by the range's start):
// a query reads only its part of each ad's row.
template <int R>
__device__ __forceinline__ void score(const float* __restrict__ vecT, int capacity, int n, int dim,
                                      const int* __restrict__ campaign, const int* __restrict__ category,
                                      const int* __restrict__ word, const unsigned long long* __restrict__ interests,
                                      const float* __restrict__ prior, const int* __restrict__ flags,
                                      const unsigned* __restrict__ exhausted, int exhaustedBits,
                                      const float* __restrict__ queries, const int* __restrict__ filters,
                                      int requests, int countryField, int deviceField, int ageField,
                                      unsigned* __restrict__ keys) {
    extern __shared__ float request_smem[];
    float* q = request_smem;
    int* f = reinterpret_cast<int*>(request_smem + R * dim);
    for (int i = threadIdx.x; i < requests * dim; i += blockDim.x) {
        q[i] = queries[i];
    }
    for (int i = threadIdx.x; i < requests * FILTER_INTS; i += blockDim.x) {
        f[i] = filters[i];
    }
    __syncthreads();
    const int p = blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= n) {
        return;
    }
    const int c = campaign[p];
    const bool live = (flags[p] & (FLAG_WRITTEN | FLAG_PAUSED)) == FLAG_WRITTEN
                      && !(c < exhaustedBits && ((exhausted[c >> 5] >> (c & 31)) & 1));
    if (!live) {
        for (int r = 0; r < requests; r++) {
            keys[(long long) r * capacity + p] = 0;
        }
        return;
    }
    float acc[R];
#pragma unroll
    for (int r = 0; r < R; r++) {
        acc[r] = 0.0f;
    }
    for (int d = 0; d < dim; d++) {
        const float v = vecT[(long long) d * capacity + p];
#pragma unroll
        for (int r = 0; r < R; r++) {
            if (r < requests) {
                acc[r] = fmaf(q[r * dim + d], v, acc[r]);
            }
        }
    }
    const int w = word[p];
    const unsigned long long ints = interests[p];
    const int cat = category[p];
    const float pr = prior[p];
#pragma unroll
    for (int r = 0; r < R; r++) {
        if (r < requests) {
            const bool ok = admits(f + r * FILTER_INTS, w, ints, cat, countryField, deviceField, ageField);
            keys[(long long) r * capacity + p] = ok ? score_key(acc[r] + pr) : 0u;
        }
    }
}

// Kernels by the most requests they take per launch: 1 (a lone request), 8, 32 (SCORE_GROUP).
#define SCORE_KERNEL(R)                                                                                          \
    extern "C" __global__ void __launch_bounds__(256) inventory_score_##R(                                      \
        const float* __restrict__ vecT, int capacity, int n, int dim, const int* __restrict__ campaign,         \
        const int* __restrict__ category, const int* __restrict__ word,                                         \
        const unsigned long long* __restrict__ interests, const float* __restrict__ prior,                      \
        const int* __restrict__ flags, const unsigned* __restrict__ exhausted, int exhaustedBits,              \
        const float* __restrict__ queries, const int* __restrict__ filters, int requests, int countryField,     \
        int deviceField, int ageField, unsigned* __restrict__ keys) {                                          \
        score<R>(vecT, capacity, n, dim, campaign, category, word, interests, prior, flags, exhausted,          \
                 exhaustedBits, queries, filters, requests, countryField, deviceField, ageField, keys);          \
    }

SCORE_KERNEL(1)
SCORE_KERNEL(8)
SCORE_KERNEL(32)

// The full key of position p: score key above, RankKeys' tie-break below (the lower position wins).
__device__ __forceinline__ unsigned long long full_key(unsigned key, int p) {
    return ((unsigned long long) key << 32) | (unsigned) (0x7fffffff - p);
}

// One request per block of TOPK_THREADS threads: the best k (<= TOPK_THREADS) of keys[blockIdx.x *
// capacity + [0, n)], best first, as full keys XOR 2^63 (RankKeys keys) in out[blockIdx.x * k ...],
// and how many in counts[blockIdx.x]. A radix select over the 64-bit full keys, 8 bits a pass from the
// top, finds the k-th: it stops at the pass whose chosen bin holds exactly as many as are still
// needed (keys are distinct, so by the last pass at the latest). Then the selected are gathered and
// sorted in shared memory.
extern "C" __global__ void __launch_bounds__(TOPK_THREADS) inventory_topk(const unsigned* __restrict__ keys,
                                                                         int capacity, int n, int k,
                                                                         unsigned long long* __restrict__ out,
                                                                         int* __restrict__ counts) {
    __shared__ unsigned hist[256];
    __shared__ unsigned long long sel[TOPK_THREADS];
    __shared__ unsigned long long prefix;
    __shared__ unsigned long long mask;
    __shared__ unsigned need;
    __shared__ unsigned eligible;
    __shared__ unsigned selected;
    __shared__ int done;
    const unsigned* row = keys + (long long) blockIdx.x * capacity;
    const int tid = threadIdx.x;
    if (tid == 0) {
        prefix = 0;
        mask = 0;
        need = k;
        eligible = 0;
        selected = 0;
        done = 0;
    }
    __syncthreads();
    unsigned mine = 0;
    for (int i = tid; i < n; i += TOPK_THREADS) {
        mine += row[i] != 0;
    }
    for (int offset = 16; offset > 0; offset >>= 1) {
        mine += __shfl_down_sync(0xffffffffu, mine, offset);
    }
    if (tid % 32 == 0) {
        atomicAdd(&eligible, mine);
    }
    __syncthreads();
    const bool all = eligible <= (unsigned) k;
    for (int digit = 0; digit < 8 && !all; digit++) {
        const int shift = 56 - 8 * digit;
        if (tid < 256) {
            hist[tid] = 0;
        }
        __syncthreads();
        const unsigned long long m = mask;
        const unsigned long long pre = prefix;
        for (int i = tid; i < n; i += TOPK_THREADS) {
            const unsigned key = row[i];
            if (key == 0) {
                continue;
            }
            const unsigned long long full = full_key(key, i);
            if ((full & m) != pre) {
                continue;
            }
            // Most keys of a pass share a few bins: one atomic per bin per warp, not per key.
            const unsigned bin = (unsigned) (full >> shift) & 255u;
            const unsigned peers = __match_any_sync(__activemask(), bin);
            if ((tid % 32) == __ffs(peers) - 1) {
                atomicAdd(&hist[bin], __popc(peers));
            }
        }
        __syncthreads();
        if (tid == 0) {
            unsigned above = 0;
            int b = 255;
            while (above + hist[b] < need) {
                above += hist[b];
                b--;
            }
            need -= above;
            prefix = pre | ((unsigned long long) b << shift);
            mask = m | (255ull << shift);
            done = hist[b] == need;
        }
        __syncthreads();
        if (done) {
            break;
        }
    }
    const unsigned long long m = mask;
    const unsigned long long pre = prefix;
    for (int i = tid; i < n; i += TOPK_THREADS) {
        const unsigned key = row[i];
        if (key == 0) {
            continue;
        }
        const unsigned long long full = full_key(key, i);
        if (all || (full & m) >= pre) {
            sel[atomicAdd(&selected, 1u)] = full;
        }
    }
    __syncthreads();
    const unsigned count = selected;
    if (tid >= count) {
        sel[tid] = 0;  // below every key: sorts last
    }
    // Bitonic sort, descending.
    for (int size = 2; size <= TOPK_THREADS; size <<= 1) {
        for (int stride = size >> 1; stride > 0; stride >>= 1) {
            __syncthreads();
            const int j = tid ^ stride;
            if (j > tid) {
                const unsigned long long a = sel[tid];
                const unsigned long long b = sel[j];
                if ((tid & size) == 0 ? a < b : a > b) {
                    sel[tid] = b;
                    sel[j] = a;
                }
            }
        }
    }
    __syncthreads();
    if (tid < count) {
        out[(long long) blockIdx.x * k + tid] = sel[tid] ^ 0x8000000000000000ull;
    }
    if (tid == 0) {
        counts[blockIdx.x] = count;
    }
}
