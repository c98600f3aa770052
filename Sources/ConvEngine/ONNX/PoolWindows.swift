/// One pooling window along one axis, as far as its result depends on it: the input values it covers
/// (`first ..< end`, input coordinates), how many zeros from an explicit `Pad` it also covers, and the divisor
/// an average uses. Two pools compute the same thing exactly when their windows agree on both axes.
struct PoolWindow: Hashable {
    var first: Int
    var end: Int
    var zeros: Int
    var divisor: Int
}

extension Pool {
    /// This pool's windows along an axis of `size` values (`horizontal`: the width), as the kernels compute them:
    /// the extent from `Pool.extent`, Caffe's divisor (the window clipped to the padded input) or the values held.
    func windows(size: Int, horizontal: Bool) -> [PoolWindow] {
        let k = horizontal ? kernel.width : kernel.height, s = horizontal ? stride.width : stride.height
        let pad = horizontal ? padding.width : padding.height
        let count = Self.extent(size, k, s, pad, rounding)
        return (0..<max(count, 0)).map { o in
            let start = o * s - pad
            let first = max(start, 0), end = min(start + k, size)
            let divisor = countsPadding ? min(start + k, size + pad) - start : max(end - first, 0)
            return PoolWindow(first: first, end: max(end, first), zeros: 0, divisor: divisor)
        }
    }

    /// The windows onnxruntime computes along an axis of `size` values that a zero `Pad` widened by `zeroBegin`
    /// and `zeroEnd`, pooled with pads `padBegin`/`padEnd`, `ceil_mode` and `count_include_pad` (measured against
    /// onnxruntime 1.32: a ceil window is dropped when it would start at or past the padded input's end less
    /// `padEnd`; the included-pad divisor clips the window to the end pad). `nil` when onnxruntime refuses the pool.
    static func onnxWindows(
        size: Int, kernel k: Int, stride s: Int, padBegin: Int, padEnd: Int, zeroBegin: Int, zeroEnd: Int, ceilMode: Bool,
        countIncludePad: Bool
    ) -> [PoolWindow]? {
        let length = zeroBegin + size + zeroEnd
        guard k >= 1, s >= 1, padBegin >= 0, padEnd >= 0, padBegin < k, padEnd < k, length + padBegin + padEnd >= k else { return nil }
        let span = length + padBegin + padEnd - k
        var count = ceilMode ? (span + s - 1) / s + 1 : span / s + 1
        if ceilMode && (count - 1) * s >= length + padBegin { count -= 1 }
        return (0..<count).map { o in
            let start = o * s - padBegin  // in the Pad-widened tensor
            let covered = (max(start, 0), min(start + k, length))
            let first = max(covered.0, zeroBegin), end = min(covered.1, zeroBegin + size)
            let real = max(end - first, 0)
            let divisor = countIncludePad ? min(start + k, length + padEnd) - start : covered.1 - covered.0
            return PoolWindow(
                first: first - zeroBegin, end: max(end, first) - zeroBegin, zeros: covered.1 - covered.0 - real, divisor: divisor)
        }
    }

    /// True when this pool computes exactly the windows `onnx`: the same input values, and for a max pool no
    /// explicit zero in any window (it could win), for an average the same divisors.
    func computes(_ onnx: [PoolWindow], size: Int, horizontal: Bool) -> Bool {
        let ours = windows(size: size, horizontal: horizontal)
        guard ours.count == onnx.count else { return false }
        return zip(ours, onnx).allSatisfy { a, b in
            a.first == b.first && a.end == b.end && (kind == .max ? b.zeros == 0 : a.divisor == b.divisor)
        }
    }
}
