#ifndef CKERNELS_H
#define CKERNELS_H
/// Fast numeric kernels for ConvEngine. Row-major single-precision GEMM and friends.
int ckernels_version(void);
#endif
