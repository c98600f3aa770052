#ifndef CK_POOL_WINDOW_H
#define CK_POOL_WINDOW_H
// What the planar pools (pool.c) and the blocked ones (pool_blocked.c) share: a window's divisor, so both layouts
// divide an average by the same count.

// An average window's divisor is a row factor times a column factor: the window's rows (columns) clipped to the
// padded input (Caffe), or with `excludePadding` to the input. The plain loops and the vector paths all ask these.
static inline int pool_factor(int o, int stride, int pad, int kernel, int size, int exclude) {
    const int start = o * stride - pad, end_padded = start + kernel < size + pad ? start + kernel : size + pad;
    if (!exclude) return end_padded - start;
    return (start + kernel < size ? start + kernel : size) - (start > 0 ? start : 0);
}
#endif
