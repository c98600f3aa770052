import CKernels

/// Summary numbers of one activation, shown by the inspector and printed by `convplay run`.
public struct ActivationStatistics: Hashable, Sendable {
    public var min: Float
    public var max: Float
    public var mean: Float
    public var std: Float
    /// Fraction of exact zeros — after a ReLU, the "dead" fraction.
    public var zeroFraction: Double

    /// Statistics of `values` (all zero for an empty array). One vectorised pass; sums are folded into Double
    /// every block so large maps stay exact enough.
    public init(_ values: [Float]) {
        guard !values.isEmpty else {
            self.init(min: 0, max: 0, mean: 0, std: 0, zeroFraction: 0)
            return
        }
        var low: Float = 0, high: Float = 0, sum = 0.0, squares = 0.0, zeros = 0
        values.withUnsafeBufferPointer { ck_statistics(values.count, $0.baseAddress!, &low, &high, &sum, &squares, &zeros) }
        let n = Double(values.count), mean = sum / n
        self.init(
            min: low, max: high, mean: Float(mean), std: Float(Swift.max(squares / n - mean * mean, 0).squareRoot()),
            zeroFraction: Double(zeros) / n)
    }

    public init(min: Float, max: Float, mean: Float, std: Float, zeroFraction: Double) {
        self.min = min
        self.max = max
        self.mean = mean
        self.std = std
        self.zeroFraction = zeroFraction
    }
}
