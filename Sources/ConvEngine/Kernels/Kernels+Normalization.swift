import CKernels
import Foundation

extension Kernels {
    /// Across-channel local response normalisation (Caffe / ONNX LRN, as in GoogLeNet):
    /// y = x / (k + alpha/size · Σ x²)^beta, the sum over `size` channels centred on c, clipped at the ends
    /// (floor((size−1)/2) channels before, the rest after). Each window's Σx² is summed afresh, so a small
    /// channel beside a huge one is normalised by its own share. Output may alias input (in place, the input is
    /// copied first: channel c's window still reads channels before c, which the kernel has already written).
    public static func localResponseNorm(
        channels: Int, planeSize: Int, size: Int, alpha: Float, beta: Float,
        k: Float, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        threads: Int = KernelThreads.count
    ) {
        // input (C, P) -> output (C, P). Positions are independent: split across threads.
        let count = channels * planeSize
        let inputBytes = UnsafeRawPointer(input)..<UnsafeRawPointer(input + count)
        let outputBytes = UnsafeRawPointer(output)..<UnsafeRawPointer(output + count)
        if inputBytes.overlaps(outputBytes) {
            let copy = [Float](UnsafeBufferPointer(start: input, count: count))
            copy.withUnsafeBufferPointer {
                localResponseNorm(
                    channels: channels, planeSize: planeSize, size: size, alpha: alpha, beta: beta, k: k,
                    input: $0.baseAddress!, output: output, threads: threads)
            }
            return
        }
        let ranges = split(planeSize, parts: pieces(work: channels * planeSize * 8, threads: threads), alignment: 16)
        parallelFor(tasks: ranges.count, threads: threads) { task in
            ck_lrn(
                Int32(channels), Int32(planeSize), Int32(size), alpha, beta, k, input, output,
                Int32(ranges[task].lowerBound), Int32(ranges[task].upperBound))
        }
    }

    /// Inference batch normalisation per channel: y = (x − mean) / √(variance + ε) · scale + shift.
    /// A nil `scale` means 1, a nil `shift` means 0. Output may alias input.
    public static func batchNorm(
        channels: Int, planeSize: Int, mean: UnsafePointer<Float>,
        variance: UnsafePointer<Float>, scale: UnsafePointer<Float>?,
        shift: UnsafePointer<Float>?, epsilon: Float,
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        // input (C, P), mean/variance/scale/shift (C) -> output (C, P)
        let (gain, offset) = batchNormAffine(
            channels: channels, mean: mean, variance: variance, scale: scale, shift: shift, epsilon: epsilon)
        for c in 0..<channels {
            affine(count: planeSize, gain: gain[c], offset: offset[c], input: input + c * planeSize, output: output + c * planeSize)
        }
    }

    /// Inference batch normalisation as the per-channel map y = x · gain + offset it is: gain = scale / √(variance + ε),
    /// offset = shift − mean · gain (what a conv's epilogue applies in its own pass).
    public static func batchNormAffine(
        channels: Int, mean: UnsafePointer<Float>, variance: UnsafePointer<Float>, scale: UnsafePointer<Float>?,
        shift: UnsafePointer<Float>?, epsilon: Float
    ) -> (gain: [Float], offset: [Float]) {
        let gain = (0..<channels).map { c in (scale?[c] ?? 1) / (variance[c] + epsilon).squareRoot() }
        return (gain, (0..<channels).map { c in (shift?[c] ?? 0) - mean[c] * gain[c] })
    }

    /// y = x · gain + offset for `count` values; output may alias input.
    static func affine(count: Int, gain: Float, offset: Float, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for p in 0..<count { output[p] = input[p] * gain + offset }
    }

    /// Softmax across channels at every position (Caffe axis 1), shifted by the maximum so it never overflows.
    public static func softmax(
        channels: Int, planeSize: Int, input: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) {
        // input (C, P) -> output (C, P); output may alias input
        guard channels > 0, planeSize > 0 else { return }
        var maximum = [Float](repeating: -Float.infinity, count: planeSize)
        var total = [Float](repeating: 0, count: planeSize)
        for c in 0..<channels {
            for p in 0..<planeSize { maximum[p] = max(maximum[p], input[c * planeSize + p]) }
        }
        for c in 0..<channels {
            for p in 0..<planeSize {
                let e = expf(input[c * planeSize + p] - maximum[p])
                output[c * planeSize + p] = e
                total[p] += e
            }
        }
        for c in 0..<channels {
            for p in 0..<planeSize { output[c * planeSize + p] /= total[p] }
        }
    }
}
