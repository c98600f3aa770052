#ifndef CKERNELS_H
#define CKERNELS_H
/// Fast numeric kernels for ConvEngine, on flat float buffers in channel-major (C, H, W) layout:
/// - a packed, cache-blocked single-precision GEMM with an AVX-512 8×32, AVX2/FMA 6×16 or portable C 6×16
///   micro-kernel, chosen at run time (`ck_isa`), and weights packed once for it (gemm.c);
/// - convolutions as GEMMs whose im2col operand is gathered while packing, or read in place from zero-padded
///   input rows for stride 1 on AVX-512 (conv.c);
/// - max and average pooling with Caffe semantics (pool.c), across-channel LRN (normalization.c), a dense
///   layer (dense.c), element-wise activations and one-pass statistics (elementwise.c);
/// - an FMA loop that measures the machine's peak (peak.c), and a persistent worker pool (workers.c).
/// Kernels take a range of rows, columns, channels or positions so callers can split the work across threads;
/// outputs are the caller's buffers. Instruction-set detection and the per-thread override are in isa.c.
#include <stddef.h>

/// Instruction sets, each including the one before: a CPU that has CK_ISA_AVX512 runs all three.
enum { CK_ISA_PORTABLE = 0, CK_ISA_AVX2 = 1, CK_ISA_AVX512 = 2 };

/// The instruction set the kernels use on the calling thread: CK_ISA_PORTABLE (C, 6×16 GEMM tile),
/// CK_ISA_AVX2 (AVX2+FMA, 6×16) or CK_ISA_AVX512 (AVX-512F, 8×32).
int ck_isa(void);

/// The best instruction set the kernels may use in this process: the CPU's (`ck_cpu_isa`), or less after
/// `ck_limit_isa` (same numbering as `ck_isa`).
int ck_best_isa(void);

/// The best instruction set this CPU supports, whatever the process's limit.
int ck_cpu_isa(void);

/// Caps every thread's instruction set at `isa` for the rest of the process (CK_ISA_AVX512 lifts the cap), so a
/// benchmark can run the AVX2 kernels an AVX2-only CPU would. Call it before any weights are packed or kernels run.
void ck_limit_isa(int isa);

/// Columns per packed B panel of the micro-kernel in use (16 or 32): callers align column splits to it.
int ck_panel_width(void);

/// Rows per packed A panel of the micro-kernel in use (6 or 8): callers align row (output channel) splits to it.
int ck_panel_height(void);

/// Forces instruction set `isa` (capped at `ck_best_isa()`), or restores detection (−1), on the calling thread
/// only. For tests and benchmarks, which then run the kernels with one thread.
void ck_force_isa(int isa);

/// Row-major C (M×N) = op(A) (M×K) · op(B) (K×N), plus C when `accumulate` is 1, plus `bias[i]` on row i
/// when `bias` is not NULL. op(X) is X, or Xᵀ when the trans flag is 1 (then X is stored K×M or N×K).
void ck_sgemm(int M, int N, int K,
              const float *A, int lda, int transA,
              const float *B, int ldb, int transB,
              float *C, int ldc, int accumulate, const float *bias);

/// What a kernel applies to each value it writes (a fused activation): nothing, ReLU (max(v, 0), NaN gives 0,
/// as `ck_relu`) or a clip to [minimum, maximum] (as `ck_clip`; ReLU6 is 0, 6).
typedef enum { CK_ACTIVATION_NONE = 0, CK_ACTIVATION_RELU = 1, CK_ACTIVATION_CLIP = 2 } ck_activation_kind;
typedef struct {
    ck_activation_kind kind;
    float minimum, maximum;
} ck_activation;

/// What a conv kernel does to each output value as it writes it, after the bias: add the value at the same place of
/// `addend` (a residual add's other part, laid out as the output; NULL: none), then apply `activation`. An
/// inference plan's add and ReLU after a conv, in the conv's own store.
typedef struct {
    const float *addend;
    ck_activation activation;
} ck_output_epilogue;

/// One group of a convolution, as a GEMM whose B is the im2col matrix, built panel by panel while packing.
/// input (C, H, W) for this group, weight (K, C·KH·KW) row-major -> output (K, OH·OW) row-major, ldc = OH·OW.
/// Only output columns n0 ..< n1 (positions oy·OW + ox) are computed, so callers can split work by columns.
typedef struct {
    int channels, height, width;          // this group's input channels and input plane
    int outChannels, outHeight, outWidth; // this group's output channels and output plane
    int kernelHeight, kernelWidth;
    int strideHeight, strideWidth;
    int padTop, padLeft;
    int dilationHeight, dilationWidth;
} ck_conv_desc;

/// `packedWeight`, when not NULL, is `weight` already packed by `ck_pack_weight` (for the same instruction set):
/// then the weight is never re-packed.
void ck_conv_im2col_gemm(const ck_conv_desc *desc, const float *input, const float *weight,
                         const float *packedWeight, const float *bias, float *output, int n0, int n1);

/// `ck_conv_im2col_gemm` over a batch: `images` inputs in the batch layout (C, N, H, W) (channel c of image i at
/// (c·N + i)·H·W) -> output (K, N, OH, OW) row-major with ldc = N·OH·OW; columns n0 ..< n1 of N·OH·OW, output
/// channels m0 ..< m1 (m0 a multiple of `ck_panel_height()`), so callers can split by columns or by channels;
/// `epilogue` (its addend laid out as the output) applied as the values are stored.
void ck_conv_im2col_gemm_batch(const ck_conv_desc *desc, int images, const float *input, const float *weight,
                               const float *packedWeight, const float *bias, float *output, int n0, int n1, int m0,
                               int m1, ck_output_epilogue epilogue);

/// Floats of per-thread scratch `ck_conv_im2col_gemm_batch` takes for one image of `desc`: a strided 1×1 conv
/// without padding copies its subsampled input (C rows of OH·OW and a little slack) there; 0 for any other conv.
size_t ck_conv_subsampled_floats(const ck_conv_desc *desc);
/// Whether every conv path stores each output value once, after its last K block, reading a fused store's addend
/// at that value right before: then the addend may be the output buffer itself (an inference plan writes a
/// residual sum over its dying other part). True when K = channels · KH · KW is one K block: the GEMM paths keep
/// partial sums in the output between blocks.
int ck_conv_stores_each_output_once(const ck_conv_desc *desc);

/// Writes rows k0 ..< k1 of one group's im2col matrix, (C·KH·KW, images·OH·OW), from the first `images` images of
/// its input in the batch layout (C, batch, H, W): row k = (c·KH + ky)·KW + kx, column (n·OH + oy)·OW + ox, zero
/// where the window reaches into padding.
void ck_im2col(const ck_conv_desc *desc, int images, int batch, const float *input, float *col, int k0, int k1);

/// The adjoint of `ck_im2col` for channels c0 ..< c1: the first `images` images of input (C, batch, H, W) are
/// overwritten with the sum of the col entries each value was copied to (a convolution's input gradient from
/// the gradient of its im2col matrix).
void ck_col2im(const ck_conv_desc *desc, int images, int batch, const float *col, float *input, int c0, int c1);

/// Floats `ck_pack_weight` writes for an M×K weight, for the micro-kernel in use on the calling thread.
size_t ck_packed_weight_floats(int M, int K);

/// Packs a row-major M×K weight (row stride lda) into the row panels the GEMM's micro-kernel reads, once, so
/// repeated products with it skip packing A. Valid only for the instruction set `ck_isa()` had when packing.
void ck_pack_weight(int M, int K, const float *A, int lda, float *dst);

/// Rows m0 ..< m1 (m0 a multiple of `ck_panel_height()`) of C (M×N, ldc) = A · B (K×N, ldb) + bias rows, with
/// A (all M rows) pre-packed by `ck_pack_weight`, then `epilogue` (its addend with row stride ldc, as C).
void ck_sgemm_prepacked(int M, int N, int K, const float *packedA, const float *B, int ldb, float *C, int ldc,
                        const float *bias, int m0, int m1, ck_output_epilogue epilogue);

/// The largest stride `ck_conv_rows` takes (its stride-phase planes are counted on the stack).
#define CK_CONV_ROWS_MAX_STRIDE 8

/// 1 when `ck_conv_rows` is the faster way to run this convolution here: AVX-512, a stride of at most
/// `CK_CONV_ROWS_MAX_STRIDE`, a kernel larger than 1×1, and a cost model that favours it over packing.
int ck_conv_reads_in_place(const ck_conv_desc *desc);

/// One group of a convolution for output rows oy0 ..< oy1, reading the im2col rows in place (no packing of B)
/// from zero-padded stride-phase planes of the input rows: plane (py, px) holds the rows ≡ py and columns ≡ px
/// (mod the stride), so each im2col row is a contiguous run of one plane. Same layout as `ck_conv_im2col_gemm`.
/// `packedWeight` as for `ck_conv_im2col_gemm` (NULL: pack on the fly). Only output channels m0 ..< m1 are
/// computed (m0 a multiple of 8), so callers can split the work by rows or by channels. `epilogue` is applied
/// to every value as it is copied from the scratch grid to `output` (an inference plan's add and ReLU in the same
/// pass).
void ck_conv_rows(const ck_conv_desc *desc, const float *input, const float *weight, const float *packedWeight,
                  const float *bias, float *output, int oy0, int oy1, int m0, int m1, ck_output_epilogue epilogue);

/// 1 when `ck_conv_channel_tile_rows` is the faster way to run this convolution (one group of it, one image) here:
/// AVX-512, strides of at most 2, a kernel larger than 1×1 on any map or a 1×1 at stride 1 to a map larger than 7×7
/// and at most 14×14, more than 16 output channels and K = C·KH·KW ≥ 448, or whole 32-channel blocks from a shorter
/// K: from K 144 for a kernel larger than 1×1, from any K for a stem (at most 3 input channels) on a map wider than
/// 14. AVX2: a kernel larger than 1×1 from K 144 or at stride 2, a 1×1 at stride 1 to at most 64 channels on a map
/// wider or taller than 14, or one AVX-512 takes on 14×14 or less. The measurements behind the rules are in
/// conv_channel.c.
int ck_conv_channel_tiles(const ck_conv_desc *desc);

/// Output rows `ck_conv_channel_tile_rows` computes at a time (its tile scratch holds that many rows × 32 channels).
int ck_channel_tile_strip_rows(const ck_conv_desc *desc);

/// Floats `ck_pack_channel_weight` writes for an M×K weight.
size_t ck_channel_packed_floats(int M, int K);

/// Packs a row-major M×K weight into the panels `ck_conv_channel_tile_rows` reads: for each block of 32 output
/// channels, K rows of 32 (tap k's weights of those channels side by side), zero past M.
void ck_pack_channel_weight(int M, int K, const float *A, float *dst);

// input (C, H, W), weight (K, C/groups, KH, KW) -> output (K, OH, OW)
/// One group of a convolution, computed directly in register tiles whose vectors run along 32 output channels
/// (each input value broadcast), so a small map wastes no lanes: output rows oy0 ..< oy1, channels m0 ..< m1 (m0 a
/// multiple of 32), for callers that split by channels or rows. AVX-512 or AVX2 (`ck_conv_channel_tiles`). Strides of
/// at most 2, any padding and dilation. `packedWeight`: `weight` packed by `ck_pack_channel_weight`, or NULL (packed
/// here, one 32-channel panel at a time). Each value is written once: bias, plus `epilogue.addend`, then
/// `epilogue.activation`.
void ck_conv_channel_tile_rows(const ck_conv_desc *desc, const float *input, const float *weight,
                               const float *packedWeight, const float *bias, float *output, int oy0, int oy1, int m0,
                               int m1, ck_output_epilogue epilogue);

/// The blocked layout (NCHW8c) an inference plan keeps activations in where every writer and reader has a kernel
/// for it: (C/8, H, W, 8), the 8 channels of a block side by side at each position (one AVX2 vector), so a conv
/// reads and writes its activations as its register tiles want them (no padding copy, no transposing write-out).
/// Channel counts are multiples of CK_BLOCK. A (C, 1, 1) map is laid out the same either way.
enum { CK_BLOCK = 8 };

/// NCHW (channels, positions) -> blocked (channels/8, positions, 8), channel blocks b0 ..< b1 only.
void ck_to_blocked(int channels, long positions, const float *input, float *output, int b0, int b1);

/// Blocked (channels/8, positions, 8) -> NCHW (channels, positions), channel blocks b0 ..< b1 only.
void ck_from_blocked(int channels, long positions, const float *input, float *output, int b0, int b1);

/// 1 when `ck_blocked_conv_rows` runs this convolution (one group of it): input and output channels multiples of
/// CK_BLOCK, dilation 1.
int ck_blocked_conv_supported(const ck_conv_desc *desc);

/// Floats `ck_pack_blocked_weight` writes for a weight (M, C, KH, KW).
size_t ck_blocked_packed_floats(int M, int C, int KH, int KW);

/// Packs a weight (M, C, KH, KW) into the blocks `ck_blocked_conv_rows` reads: (M/8, C/8, KH, KW, 8 input
/// channels, 8 output channels), each 8-float row one input channel's weights for a block of outputs.
void ck_pack_blocked_weight(int M, int C, int KH, int KW, const float *weight, float *packed);

/// Floats of per-thread scratch `ck_blocked_conv_rows` takes at most for this geometry on AVX2 (the portable loop
/// takes none), for the memory budget: a band's partial sums when the input blocks do not fit one group.
size_t ck_blocked_conv_scratch_floats(const ck_conv_desc *desc);

/// One group of a convolution on blocked input (C/8, H, W, 8) and output (M/8, OH, OW, 8): output rows oy0 ..< oy1,
/// output-channel blocks b0 ..< b1, for callers that split by rows and blocks. `packed` from
/// `ck_pack_blocked_weight`; `bias` (M) or NULL. Each value is bias (or 0) then one FMA per tap inside the input, in
/// the order input block, ky, kx, input channel of the block (taps in the padding are skipped), written once:
/// plus `epilogue.addend` (blocked as the output), then `epilogue.activation`. Every instruction set gives the same
/// bits (the portable path rounds each FMA once too).
void ck_blocked_conv_rows(const ck_conv_desc *desc, const float *input, const float *packed, const float *bias,
                          float *output, int oy0, int oy1, int b0, int b1, ck_output_epilogue epilogue);

/// Depthwise convolution: each group one input channel and m = desc->outChannels outputs (desc is one group).
/// input (C, N, H, W), weight (C·m, 1, KH, KW), bias (C·m) or NULL -> output channels c0 ..< c1 of
/// (C·m, N, OH, OW). The nodes fused after it write the same channels in the same pass: when `affined` is not
/// NULL, output · gain[c] + offset[c] (a batch norm, product and sum rounded separately); when `activated` is
/// not NULL, `activation` of the last of those values. Any of them may be `output` itself (then only the last
/// value is kept). A direct kernel for the calling thread's instruction set; AVX2 and AVX-512 give the same bits.
void ck_depthwise_conv(const ck_conv_desc *desc, int images, const float *input, const float *weight,
                       const float *bias, float *output, const float *gain, const float *offset, float *affined,
                       float *activated, ck_activation activation, int c0, int c1);

/// Floats of per-thread scratch `ck_depthwise_conv` takes for this geometry (for the memory budget).
size_t ck_depthwise_scratch_floats(const ck_conv_desc *desc);

/// Streams `floats` floats from source to destination with non-temporal stores (the memory-bandwidth probe
/// memory-bound kernels are measured against); returns the bytes moved (read plus written).
double ck_stream_copy(long floats, const float *source, float *destination);

/// Runs `iterations` rounds of 12 independent 8-wide FMA chains; returns the flops executed.
/// `sink` receives a value derived from the result so the loop cannot be optimised away.
double ck_fma_peak_loop(long iterations, float *sink);

/// y[o] = bias[o] + Σ_i weight[o·in + i] · x[i] for o in o0 ..< o1.
void ck_dense_rows(int inFeatures, const float *input, const float *weight, const float *bias,
                   float *output, int o0, int o1);

/// Pooling geometry (Caffe semantics): window (oy, ox) starts at oy·sh − padTop, ox·sw − padLeft.
/// `excludePadding` (average only): divide by the input values in the window instead of the window clipped to
/// the padded input (ONNX's count_include_pad = 0, PyTorch's count_include_pad=False).
typedef struct {
    int height, width, outHeight, outWidth;
    int kernelHeight, kernelWidth, strideHeight, strideWidth, padTop, padLeft;
    int excludePadding;
} ck_pool_desc;

/// Max pooling of channels c0 ..< c1: the window clipped to the input, 0 for a window holding no input.
/// input (C, H, W) -> output (C, OH, OW). Vectors of output columns read from the rows in place (stride 1 or 2
/// across, AVX2 and AVX-512, by the calling thread's instruction set), else separable: a column max per output
/// row, then a row max.
void ck_max_pool(const ck_pool_desc *desc, const float *input, float *output, int c0, int c1);

/// Average pooling of channels c0 ..< c1, Caffe's divisor: the window clipped to the padded input (or, with
/// `excludePadding`, the input values it holds). Vectors of output columns as `ck_max_pool` (same bits as the
/// plain loops: the same order of additions, one division).
void ck_average_pool(const ck_pool_desc *desc, const float *input, float *output, int c0, int c1);

/// Global average pooling of channels c0 ..< c1: each plane's mean, 0 for an empty plane. input (C, planeSize) ->
/// output (C). Four partial sums by index mod 4, then the rest in order: the same bits on every instruction set.
void ck_global_average_pool(const float *input, float *output, int planeSize, int c0, int c1);

/// Floats of per-thread scratch the vector paths of `ck_max_pool` and `ck_average_pool` take for this geometry at
/// most (for the memory budget).
size_t ck_pool_scratch_floats(const ck_pool_desc *desc);

/// The backward pass of `ck_max_pool` for channels c0 ..< c1: each output's gradient goes to the first maximum of
/// its window in row-major order (PyTorch's choice); inGrad (C, H, W) is overwritten.
void ck_max_pool_backward(const ck_pool_desc *desc, const float *input, const float *outGrad, float *inGrad, int c0,
                          int c1);

/// The backward pass of `ck_average_pool` for channels c0 ..< c1: each output's gradient over Caffe's divisor
/// goes to every input value of its window; inGrad (C, H, W) is overwritten.
void ck_average_pool_backward(const ck_pool_desc *desc, const float *outGrad, float *inGrad, int c0, int c1);

/// Across-channel LRN for positions p0 ..< p1 of every channel: y = x · (k + alpha/size · Σ x²)^−beta over
/// channels c − (size−1)/2 ... c + size − 1 − (size−1)/2 (size ≥ 1), clipped. Each window's sum is taken afresh,
/// so a small channel beside a huge one keeps its share. input, output (C, P), which must not overlap.
void ck_lrn(int channels, int planeSize, int size, float alpha, float beta, float k,
            const float *restrict input, float *restrict output, int p0, int p1);

/// The backward pass of `ck_lrn` for positions p0 ..< p1: inGrad (C, P) from input and outGrad (C, P), overwritten.
void ck_lrn_backward(int channels, int planeSize, int size, float alpha, float beta, float k,
                     const float *restrict input, const float *restrict outGrad, float *restrict inGrad, int p0,
                     int p1);

/// y = max(x, 0) (NaN gives 0); output may alias input. This and the activations below run the calling
/// thread's instruction set (`ck_isa`), and every instruction set gives the same bits.
void ck_relu(long count, const float *input, float *output);

/// y = min(max(x, minimum), maximum): ReLU6 is minimum 0, maximum 6. NaN stays NaN; minimum > maximum gives
/// maximum; a NaN bound bounds nothing. Output may alias input.
void ck_clip(long count, float minimum, float maximum, const float *input, float *output);

/// Hard swish (PyTorch's definition, ONNX HardSwish up to rounding): y = x · min(max(x + 3, 0), 6) / 6, computed
/// as x · (min(max(x + 3, 0), 6) · ⅙) so that x ≥ 3 gives x exactly; NaN and −∞ give NaN. Output may alias input.
void ck_hardswish(long count, const float *input, float *output);

/// y = a + b (a residual add): output may be either input; every instruction set gives the same bits.
void ck_add(long count, const float *a, const float *b, float *output);

/// ReLU's backward pass: inGrad = outGrad where input > 0, else 0 (PyTorch's choice at 0).
void ck_relu_backward(long count, const float *restrict input, const float *restrict outGrad, float *restrict inGrad);

/// Row sums of a (rows, columns) matrix for rows r0 ..< r1, added in an order fixed by `columns` alone (16
/// running sums, then pairwise): a bias gradient over a batch.
void ck_row_sums(long columns, const float *input, float *output, int r0, int r1);

/// Summary of n values in one pass: min, max, Σx and Σx² (in double) and the count of exact zeros.
void ck_statistics(long count, const float *values, float *minimum, float *maximum, double *sum,
                   double *squares, long *zeros);

/// One task of a parallel loop: `task` in 0 ..< tasks, `context` as passed to `ck_parallel_for`.
typedef void (*ck_task_fn)(void *context, int task);

/// Runs fn(context, task) for every task on the caller plus persistent workers (started up to `threads` − 1),
/// which claim tasks from a shared ticket. Idle workers spin for at most 50 µs, then sleep on a futex.
/// Returns 0, running nothing, when the pool is busy (another caller, or a loop inside a task): run it elsewhere.
int ck_parallel_for(int tasks, int threads, ck_task_fn fn, void *context);

// ---------------------------------------------------------------------------------------------
// Blocked layout (NCHW8c, CK_BLOCK channels side by side at each position) for the layers between convs: pools,
// global average pool and the depthwise conv (pool_blocked.c, depthwise_blocked.c), so an inference plan keeps its
// activations blocked through them. Each takes ranges of channel blocks and output rows, for callers that split
// across threads. A portable loop defines each one's bits; AVX2 (`ck_isa() >= CK_ISA_AVX2`) gives the same bits.

/// Max pooling on blocked input (C/8, H, W, 8) -> blocked output (C/8, OH, OW, 8): channel blocks b0 ..< b1, output
/// rows oy0 ..< oy1. Each value: from −∞, for each window column kx in order its maximum down the rows ky in order,
/// with x86's maxps (a > b ? a : b: the second operand on NaN), values outside the input −∞; a window holding no
/// input gives 0. The bits of `ck_max_pool`'s vector paths (NaN included) on every geometry they take.
void ck_blocked_max_pool(const ck_pool_desc *desc, const float *input, float *output, int b0, int b1, int oy0,
                         int oy1);

/// Average pooling on blocked input and output as `ck_blocked_max_pool`: from 0, for each window column kx in order
/// its sum down the rows ky in order, then one division by Caffe's divisor (the window clipped to the padded input,
/// or with `excludePadding` the input values it holds); a window holding no input gives 0. The bits of
/// `ck_average_pool`'s vector paths (the plain loops' bits up to the sign of a zero).
void ck_blocked_average_pool(const ck_pool_desc *desc, const float *input, float *output, int b0, int b1, int oy0,
                             int oy1);

/// Global average pooling of channel blocks b0 ..< b1: blocked input (C/8, planeSize, 8) -> output (C), which is a
/// (C, 1, 1) map in either layout. Each channel's bits are `ck_global_average_pool`'s: four partial sums by position
/// mod 4, (p0 + p1) + (p2 + p3), the rest in order, one division (0 for an empty plane).
void ck_blocked_global_average_pool(const float *input, float *output, int planeSize, int b0, int b1);

/// 1 when `ck_blocked_depthwise_conv` runs this depthwise conv of `channels` channels (`desc` one group: one input
/// and one output channel): `channels` a multiple of CK_BLOCK.
int ck_blocked_depthwise_supported(const ck_conv_desc *desc, int channels);

/// Packs a depthwise weight (C, 1, KH, KW) into (C/8, KH, KW, 8): each tap's 8 channels side by side.
void ck_pack_blocked_depthwise_weight(int channels, int KH, int KW, const float *weight, float *packed);

/// A depthwise conv on blocked input (C/8, H, W, 8) -> blocked output (C/8, OH, OW, 8), `desc` one group (as
/// `ck_depthwise_conv` takes it), `packed` from `ck_pack_blocked_depthwise_weight`, `bias` (C) or NULL: channel
/// blocks b0 ..< b1, output rows oy0 ..< oy1. Each value is bias (or 0), then one FMA per tap in order ky, kx, taps
/// in the padding as zeros, then `activation`: the bits of `ck_depthwise_conv`'s AVX2 and AVX-512 paths at strides 1
/// and 2 (no affine step: a batch norm is folded into weight and bias). Every instruction set gives the same bits.
void ck_blocked_depthwise_conv(const ck_conv_desc *desc, const float *input, const float *packed, const float *bias,
                               float *output, ck_activation activation, int b0, int b1, int oy0, int oy1);

#endif
