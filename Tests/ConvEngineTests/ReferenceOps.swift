import Foundation

@testable import ConvEngine

/// Plain, obviously-correct loops for every kernel: the oracle the fast paths are checked against.
/// Accumulates in Double and favours clarity over speed.
enum Reference {
    // input (C, H, W), weight (K, C/groups, KH, KW) -> output (K, OH, OW); each sum in Double, padding skipped.
    static func conv2d(_ g: ConvGeometry, input: [Float], weight: [Float], bias: [Float]?) -> [Float] {
        convolve(
            g, input: input, weight: weight, start: { Double(bias?[$0] ?? 0) },
            add: { sum, w, x in if let x { sum += Double(x) * Double(w) } }, finish: { Float($0) })
    }

    /// The vector kernels' sum of each output, in Float: its bias, then one fused multiply-add a tap (input channel of
    /// its group, kernel row, kernel column; a tap over the padding adds a zero), in that order.
    static func fmaChain(_ g: ConvGeometry, input: [Float], weight: [Float], bias: [Float]) -> [Float] {
        convolve(
            g, input: input, weight: weight, start: { bias[$0] }, add: { sum, w, x in sum = sum.addingProduct(w, x ?? 0) },
            finish: { $0 })
    }

    /// Every output of a conv, its taps visited in order (input channel of its group, kernel row, kernel column): six
    /// loops, no tricks. `start` gives output channel k's first sum, `add` takes a tap's weight and the input under it
    /// (nil over the padding), `finish` makes the sum the output value.
    private static func convolve<Sum>(
        _ g: ConvGeometry, input: [Float], weight: [Float], start: (Int) -> Sum, add: (inout Sum, Float, Float?) -> Void,
        finish: (Sum) -> Float
    ) -> [Float] {
        let groupIn = g.inChannels / g.groups, groupOut = g.outChannels / g.groups
        var output = [Float](repeating: 0, count: g.outChannels * g.outHeight * g.outWidth)
        for k in 0..<g.outChannels {
            let group = k / groupOut
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    var sum = start(k)
                    for c in 0..<groupIn {
                        for ky in 0..<g.kernelHeight {
                            for kx in 0..<g.kernelWidth {
                                let iy = oy * g.strideHeight - g.padTop + ky * g.dilationHeight
                                let ix = ox * g.strideWidth - g.padLeft + kx * g.dilationWidth
                                let inside = iy >= 0 && iy < g.inHeight && ix >= 0 && ix < g.inWidth
                                let x = inside ? input[((group * groupIn + c) * g.inHeight + iy) * g.inWidth + ix] : nil
                                add(&sum, weight[((k * groupIn + c) * g.kernelHeight + ky) * g.kernelWidth + kx], x)
                            }
                        }
                    }
                    output[(k * g.outHeight + oy) * g.outWidth + ox] = finish(sum)
                }
            }
        }
        return output
    }

    // a (m, k) or stored (k, m), b (k, n) or stored (n, k) -> c (m, n) [+ c] [+ bias per row]
    static func gemm(
        m: Int, n: Int, k: Int, a: [Float], transposeA: Bool, b: [Float], transposeB: Bool,
        c: [Float]?, bias: [Float]?
    ) -> [Float] {
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = Double(c?[i * n + j] ?? 0) + Double(bias?[i] ?? 0)
                for p in 0..<k {
                    let x = transposeA ? a[p * m + i] : a[i * k + p]
                    let y = transposeB ? b[j * k + p] : b[p * n + j]
                    sum += Double(x) * Double(y)
                }
                out[i * n + j] = Float(sum)
            }
        }
        return out
    }

    // Caffe pooling_layer.cpp, MAX and AVE, written out per output element.
    static func pool2d(_ g: PoolGeometry, input: [Float], average: Bool) -> [Float] {
        var output = [Float](repeating: 0, count: g.channels * g.outHeight * g.outWidth)
        for c in 0..<g.channels {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    var hstart = oy * g.strideHeight - g.padTop, wstart = ox * g.strideWidth - g.padLeft
                    var hend = min(hstart + g.kernelHeight, g.inHeight + (average ? g.padTop : 0))
                    var wend = min(wstart + g.kernelWidth, g.inWidth + (average ? g.padLeft : 0))
                    let poolSize = (hend - hstart) * (wend - wstart)
                    hstart = max(hstart, 0)
                    wstart = max(wstart, 0)
                    hend = min(hend, g.inHeight)
                    wend = min(wend, g.inWidth)
                    var best = -Float.infinity, sum = 0.0, seen = 0
                    for y in hstart..<max(hend, hstart) {
                        for x in wstart..<max(wend, wstart) {
                            let v = input[(c * g.inHeight + y) * g.inWidth + x]
                            best = max(best, v)
                            sum += Double(v)
                            seen += 1
                        }
                    }
                    // excludesPadding: ONNX's count_include_pad = 0 divides by the input values summed
                    let divisor = g.excludesPadding ? seen : poolSize
                    output[(c * g.outHeight + oy) * g.outWidth + ox] =
                        average ? (divisor > 0 ? Float(sum / Double(divisor)) : 0) : (seen > 0 ? best : 0)
                }
            }
        }
        return output
    }

    /// The bits of the vector max pools on any input, NaN included: x86's maxps (the second operand unless the first
    /// is greater) down each window column in order, then across the columns from −∞, values outside the input −∞.
    static func maxPoolVectorOrderBits(_ g: PoolGeometry, input: [Float]) -> [UInt32] {
        func maxps(_ a: Float, _ b: Float) -> Float { a > b ? a : b }
        func value(_ c: Int, _ y: Int, _ x: Int) -> Float {
            y >= 0 && y < g.inHeight && x >= 0 && x < g.inWidth ? input[(c * g.inHeight + y) * g.inWidth + x] : -.infinity
        }
        var bits: [UInt32] = []
        for c in 0..<g.channels {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    let (y0, x0) = (oy * g.strideHeight - g.padTop, ox * g.strideWidth - g.padLeft)
                    var best = -Float.infinity
                    for kx in 0..<g.kernelWidth {
                        var column = value(c, y0, x0 + kx)
                        for ky in 1..<g.kernelHeight { column = maxps(column, value(c, y0 + ky, x0 + kx)) }
                        best = maxps(best, column)
                    }
                    bits.append(best.bitPattern)
                }
            }
        }
        return bits
    }

    static func globalAveragePool(channels: Int, planeSize: Int, input: [Float]) -> [Float] {
        (0..<channels).map { c in
            Float(input[(c * planeSize)..<((c + 1) * planeSize)].reduce(0.0) { $0 + Double($1) } / Double(planeSize))
        }
    }

    // y = x / (k + alpha/size · Σ_{j = c − ⌊(size−1)/2⌋ … c + ⌈(size−1)/2⌉, clipped} x_j²)^beta
    static func localResponseNorm(
        channels: Int, planeSize: Int, size: Int, alpha: Float, beta: Float, k: Float,
        input: [Float]
    ) -> [Float] {
        var output = input
        for c in 0..<channels {
            let first = max(0, c - (size - 1) / 2), last = min(channels - 1, c - (size - 1) / 2 + size - 1)
            for p in 0..<planeSize {
                var sum = 0.0
                for j in first...last { sum += Double(input[j * planeSize + p]) * Double(input[j * planeSize + p]) }
                let denominator = pow(Double(k) + Double(alpha) / Double(size) * sum, Double(beta))
                output[c * planeSize + p] = Float(Double(input[c * planeSize + p]) / denominator)
            }
        }
        return output
    }

    // y = min(max(x, minimum), maximum); a NaN x stays NaN
    static func clip(_ input: [Float], minimum: Float, maximum: Float) -> [Float] {
        input.map { x in
            if x.isNaN { return x }
            var y = x
            if y < minimum { y = minimum }
            if y > maximum { y = maximum }
            return y
        }
    }

    // y = x · min(max(x + 3, 0), 6) / 6 in Double (PyTorch's hardswish); a NaN x stays NaN, −∞ gives −∞ · 0 = NaN
    static func hardSwish(_ input: [Float]) -> [Float] {
        input.map { x in
            if x.isNaN { return x }
            let v = Double(x)
            return Float(v * min(max(v + 3, 0), 6) / 6)
        }
    }

    static func batchNorm(
        channels: Int, planeSize: Int, mean: [Float], variance: [Float], scale: [Float],
        shift: [Float], epsilon: Float, input: [Float]
    ) -> [Float] {
        (0..<(channels * planeSize)).map { i in
            let c = i / planeSize
            let normalised = (Double(input[i]) - Double(mean[c])) / (Double(variance[c]) + Double(epsilon)).squareRoot()
            return Float(normalised * Double(scale[c]) + Double(shift[c]))
        }
    }

    static func softmax(channels: Int, planeSize: Int, input: [Float]) -> [Float] {
        var output = input
        for p in 0..<planeSize {
            let column = (0..<channels).map { Double(input[$0 * planeSize + p]) }
            let top = column.max()!
            let total = column.reduce(0.0) { $0 + exp($1 - top) }
            for c in 0..<channels { output[c * planeSize + p] = Float(exp(column[c] - top) / total) }
        }
        return output
    }

    static func dense(inFeatures: Int, outFeatures: Int, input: [Float], weight: [Float], bias: [Float]) -> [Float] {
        (0..<outFeatures).map { o in
            Float((0..<inFeatures).reduce(Double(bias[o])) { $0 + Double(weight[o * inFeatures + $1]) * Double(input[$1]) })
        }
    }

    // y_j = z_j + Σ_i M[i][j] · z_i at every position
    static func lateral(channels n: Int, planeSize: Int, m: [Float], input: [Float]) -> [Float] {
        var output = input
        for j in 0..<n {
            for p in 0..<planeSize {
                var sum = Double(input[j * planeSize + p])
                for i in 0..<n { sum += Double(m[i * n + j]) * Double(input[i * planeSize + p]) }
                output[j * planeSize + p] = Float(sum)
            }
        }
        return output
    }
}

/// Deterministic test data in −1 ..< 1, drawn from the engine's SplitMix64.
struct TestRandom {
    private var generator: SplitMix64
    init(seed: UInt64) { generator = SplitMix64(seed: seed) }
    mutating func next() -> UInt64 { generator.next() }
    mutating func floats(_ count: Int) -> [Float] {
        (0..<count).map { _ in generator.nextUnit() * 2 - 1 }
    }
    /// One image's input, the weight and the bias of `g`'s conv, drawn in that order: the operands the kernel tests
    /// check against the references.
    mutating func convOperands(_ g: ConvGeometry) -> (input: [Float], weight: [Float], bias: [Float]) {
        (floats(g.inChannels * g.inHeight * g.inWidth), floats(g.weightCount), floats(g.outChannels))
    }
}

/// The largest |actual − expected|, divided by max(1, largest |expected|): a relative difference that
/// does not blow up near zero. Returns infinity when the counts differ or a value is not finite.
func largestDifference(_ actual: [Float], _ expected: [Float]) -> Float {
    guard actual.count == expected.count else { return .infinity }
    var difference: Float = 0, magnitude: Float = 1
    for (a, e) in zip(actual, expected) {
        guard a.isFinite else { return .infinity }
        difference = max(difference, abs(a - e))
        magnitude = max(magnitude, abs(e))
    }
    return difference / magnitude
}
