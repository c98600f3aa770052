import CKernels

extension Kernels {
    /// Runs `body` over pieces of `0..<count` on the worker pool: one piece below 64 K values, else one per
    /// thread. Pieces never change a result (each value is computed by one piece).
    static func forEachRange(count: Int, threads: Int = KernelThreads.count, _ body: (Range<Int>) -> Void) {
        let ranges = split(count, parts: count < 1 << 16 ? 1 : threads, alignment: 64)
        parallelFor(tasks: ranges.count, threads: threads) { task in body(ranges[task]) }
    }

    /// output[r] = Σ_j input[r·columns + j], in an order fixed by `columns` (a bias gradient over a batch).
    static func rowSums(
        rows: Int, columns: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        threads: Int = KernelThreads.count
    ) {
        // input (rows, columns) -> output (rows)
        let pieces = split(rows, parts: rows * columns < 1 << 16 ? 1 : threads)
        parallelFor(tasks: pieces.count, threads: threads) { task in
            ck_row_sums(columns, input, output, Int32(pieces[task].lowerBound), Int32(pieces[task].upperBound))
        }
    }

    /// ReLU's backward pass: ∂x = ∂y where x > 0, else 0.
    static func reluBackward(
        count: Int, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>
    ) {
        // input, ∂output (N) -> ∂input (N)
        forEachRange(count: count) { range in
            ck_relu_backward(range.count, input + range.lowerBound, outputGradient + range.lowerBound, inputGradient + range.lowerBound)
        }
    }

    /// The im2col matrix of a backward pass is cut into chunks of images of at most this many floats (64 MiB),
    /// unless one image alone needs more.
    static let columnBudget = 1 << 24

    /// The backward pass of `conv2d` over a batch in the batch layout: ∂bias = Σ ∂y over positions, ∂weight =
    /// ∂y · colᵀ and ∂input = col2im(Wᵀ · ∂y) per group, the im2col matrix (`workspace` slot 0) built for a
    /// chunk of images at a time. A pointwise conv needs no im2col: its input is the matrix. Every value is
    /// summed in an order that does not depend on the thread count.
    static func conv2dBackward(
        _ g: ConvGeometry, batch: Int, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        outputGradient dy: UnsafePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>?,
        weightGradient dw: UnsafeMutablePointer<Float>?, biasGradient db: UnsafeMutablePointer<Float>?,
        workspace: Workspace, threads: Int = KernelThreads.count
    ) {
        // input (C, N, H, W), weight (K, C/groups, KH, KW), ∂output (K, N, OH, OW)
        //   -> ∂input (C, N, H, W), ∂weight (K, C/groups, KH, KW), ∂bias (K)
        let groups = g.groups, groupIn = g.inChannels / groups, groupOut = g.outChannels / groups
        let inPlane = g.inHeight * g.inWidth, outPlane = g.outHeight * g.outWidth
        let patch = groupIn * g.kernelHeight * g.kernelWidth, positions = batch * outPlane
        if let db { rowSums(rows: g.outChannels, columns: positions, input: dy, output: db, threads: threads) }
        guard dw != nil || dx != nil else { return }
        let plainGEMM = g.isPointwise && g.outHeight == g.inHeight && g.outWidth == g.inWidth
        let chunk = max(1, min(batch, columnBudget / max(patch * outPlane, 1)))
        var desc = convDescriptor(g)
        for group in 0..<groups {
            let x = input + group * groupIn * batch * inPlane, w = weight + group * groupOut * patch
            let gy = dy + group * groupOut * positions
            let gw = dw.map { $0 + group * groupOut * patch }, gx = dx.map { $0 + group * groupIn * batch * inPlane }
            if plainGEMM {
                // ∂W (K, C) = ∂Y (K, NP) · Xᵀ;  ∂X (C, NP) = Wᵀ · ∂Y
                if let gw { gemm(m: groupOut, n: groupIn, k: positions, a: gy, b: x, transposeB: true, c: gw, threads: threads) }
                if let gx {
                    gemm(m: groupIn, n: positions, k: groupOut, a: w, transposeA: true, b: gy, c: gx, threads: threads)
                }
                continue
            }
            for start in stride(from: 0, to: batch, by: chunk) {
                let images = min(chunk, batch - start), columns = images * outPlane
                let col = workspace.floats(patch * columns)
                let rows = split(patch, parts: patch * columns < 1 << 16 ? 1 : threads)
                withUnsafePointer(to: &desc) { desc in
                    parallelFor(tasks: rows.count, threads: threads) { task in
                        ck_im2col(
                            desc, Int32(images), Int32(batch), x + start * inPlane, col, Int32(rows[task].lowerBound),
                            Int32(rows[task].upperBound))
                    }
                }
                // ∂W (K, patch) += ∂Y[chunk] (K, columns) · colᵀ
                if let gw {
                    gemm(
                        m: groupOut, n: patch, k: columns, a: gy + start * outPlane, lda: positions, b: col, ldb: columns,
                        transposeB: true, c: gw, accumulate: start > 0, threads: threads)
                }
                // ∂col (patch, columns) = Wᵀ · ∂Y[chunk], then ∂X[chunk] = col2im(∂col)
                if let gx {
                    gemm(
                        m: patch, n: columns, k: groupOut, a: w, transposeA: true, b: gy + start * outPlane, ldb: positions,
                        c: col, threads: threads)
                    let channels = split(groupIn, parts: patch * columns < 1 << 16 ? 1 : threads)
                    withUnsafePointer(to: &desc) { desc in
                        parallelFor(tasks: channels.count, threads: threads) { task in
                            ck_col2im(
                                desc, Int32(images), Int32(batch), col, gx + start * inPlane, Int32(channels[task].lowerBound),
                                Int32(channels[task].upperBound))
                        }
                    }
                }
            }
        }
    }

    /// The batch layout (C, N, P) of `channels` channels of `positions` values rearranged as features × images,
    /// (C·P, N), feature c·P + p first: what a dense layer multiplies. With P = 1 or N = 1 it is a plain copy.
    static func imagesToFeatures(
        channels: Int, positions: Int, batch: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        // input (C, N, P) -> output (C·P, N)
        for c in 0..<channels {
            for n in 0..<batch {
                let source = input + (c * batch + n) * positions
                for p in 0..<positions { output[(c * positions + p) * batch + n] = source[p] }
            }
        }
    }

    /// The inverse of `imagesToFeatures`: (C·P, N) back to the batch layout (C, N, P).
    static func featuresToImages(
        channels: Int, positions: Int, batch: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        // input (C·P, N) -> output (C, N, P)
        for c in 0..<channels {
            for n in 0..<batch {
                let target = output + (c * batch + n) * positions
                for p in 0..<positions { target[p] = input[(c * positions + p) * batch + n] }
            }
        }
    }

    /// The backward pass of `maxPool2d`: each output's gradient to its window's first maximum (row-major).
    static func maxPool2dBackward(
        _ g: PoolGeometry, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>, threads: Int = KernelThreads.count
    ) {
        // input (C, H, W), ∂output (C, OH, OW) -> ∂input (C, H, W)
        pool(g, threads: threads) { desc, c0, c1 in
            ck_max_pool_backward(desc, input, outputGradient, inputGradient, Int32(c0), Int32(c1))
        }
    }

    /// The backward pass of `averagePool2d`: each output's gradient shared over its window (Caffe's divisor).
    static func averagePool2dBackward(
        _ g: PoolGeometry, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
        threads: Int = KernelThreads.count
    ) {
        // ∂output (C, OH, OW) -> ∂input (C, H, W)
        pool(g, threads: threads) { desc, c0, c1 in
            ck_average_pool_backward(desc, outputGradient, inputGradient, Int32(c0), Int32(c1))
        }
    }

    /// The backward pass of `localResponseNorm`, split across threads by positions.
    static func localResponseNormBackward(
        channels: Int, planeSize: Int, size: Int, alpha: Float, beta: Float, k: Float, input: UnsafePointer<Float>,
        outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>, threads: Int = KernelThreads.count
    ) {
        // input, ∂output (C, P) -> ∂input (C, P)
        let ranges = split(planeSize, parts: pieces(work: channels * planeSize * 16, threads: threads), alignment: 16)
        parallelFor(tasks: ranges.count, threads: threads) { task in
            ck_lrn_backward(
                Int32(channels), Int32(planeSize), Int32(size), alpha, beta, k, input, outputGradient, inputGradient,
                Int32(ranges[task].lowerBound), Int32(ranges[task].upperBound))
        }
    }
}
