import Foundation

extension Kernels {
    /// Across-channel local response normalisation (Caffe / ONNX LRN, as in GoogLeNet):
    /// y = x / (k + alpha/size · Σ x²)^beta, the sum over `size` channels centred on c, clipped at the ends
    /// (floor((size−1)/2) channels before, the rest after).
    public static func localResponseNorm(channels: Int, planeSize: Int, size: Int, alpha: Float, beta: Float,
                                         k: Float, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        // input (C, P) -> output (C, P); output may alias input
        let before = (size - 1) / 2, after = size - 1 - before
        let scale = alpha / Float(size)
        var squares = [Float](repeating: 0, count: channels * planeSize)
        var window = [Float](repeating: 0, count: planeSize)
        for i in 0..<(channels * planeSize) { squares[i] = input[i] * input[i] }
        // window holds Σ x² over channels max(c − before, 0) ... min(c + after, C − 1)
        for c in 0..<min(after, channels) {
            for p in 0..<planeSize { window[p] += squares[c * planeSize + p] }
        }
        for c in 0..<channels {
            let entering = c + after, leaving = c - before - 1
            if entering < channels { for p in 0..<planeSize { window[p] += squares[entering * planeSize + p] } }
            if leaving >= 0 { for p in 0..<planeSize { window[p] -= squares[leaving * planeSize + p] } }
            for p in 0..<planeSize {
                let i = c * planeSize + p
                output[i] = input[i] * powf(k + scale * max(window[p], 0), -beta)
            }
        }
    }

    /// Inference batch normalisation per channel: y = (x − mean) / √(variance + ε) · scale + shift.
    /// A nil `scale` means 1, a nil `shift` means 0. Output may alias input.
    public static func batchNorm(channels: Int, planeSize: Int, mean: UnsafePointer<Float>,
                                 variance: UnsafePointer<Float>, scale: UnsafePointer<Float>?,
                                 shift: UnsafePointer<Float>?, epsilon: Float,
                                 input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        // input (C, P), mean/variance/scale/shift (C) -> output (C, P)
        for c in 0..<channels {
            let gain = (scale?[c] ?? 1) / (variance[c] + epsilon).squareRoot()
            let offset = (shift?[c] ?? 0) - mean[c] * gain
            let base = c * planeSize
            for p in 0..<planeSize { output[base + p] = input[base + p] * gain + offset }
        }
    }

    /// Softmax across channels at every position (Caffe axis 1), shifted by the maximum so it never overflows.
    public static func softmax(channels: Int, planeSize: Int, input: UnsafePointer<Float>,
                               output: UnsafeMutablePointer<Float>) {
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
