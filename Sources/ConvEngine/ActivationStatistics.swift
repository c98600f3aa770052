import CKernels

/// Summary numbers of one activation, shown by the inspector and printed by `convplay run`. Values that are
/// inf or NaN are counted, and they show in the figures as IEEE arithmetic has them (a NaN makes every figure
/// NaN; an infinity makes the std NaN).
public struct ActivationStatistics: Hashable, Sendable {
    public var min: Float
    public var max: Float
    public var mean: Float
    public var std: Float
    /// Fraction of exact zeros — after a ReLU, the "dead" fraction.
    public var zeroFraction: Double
    /// How many values are inf or NaN.
    public var nonFiniteCount: Int

    /// Statistics of `values` (all zero for an empty array). One vectorised pass; sums are folded into Double
    /// every block so large maps stay exact enough. When that pass overflows Float (values near 1e19 and up
    /// square past Float's range) or meets inf or NaN, a second pass redoes the sums in Double alone.
    public init(_ values: [Float]) {
        guard !values.isEmpty else {
            self.init(min: 0, max: 0, mean: 0, std: 0, zeroFraction: 0)
            return
        }
        var low: Float = 0, high: Float = 0, sum = 0.0, squares = 0.0, zeros = 0
        values.withUnsafeBufferPointer { ck_statistics(values.count, $0.baseAddress!, &low, &high, &sum, &squares, &zeros) }
        var nonFinite = 0
        if !(sum.isFinite && squares.isFinite && low.isFinite && high.isFinite) {
            (low, high, sum, squares, nonFinite) = (.infinity, -.infinity, 0, 0, 0)
            var sawNaN = false
            for value in values {
                if !value.isFinite { nonFinite += 1 }
                if value.isNaN {
                    sawNaN = true
                    continue
                }
                low = Swift.min(low, value)
                high = Swift.max(high, value)
                sum += Double(value)
                squares += Double(value) * Double(value)
            }
            if sawNaN { (low, high, sum) = (.nan, .nan, .nan) }
        }
        let n = Double(values.count), mean = sum / n
        let variance = nonFinite > 0 ? Double.nan : Swift.max(squares / n - mean * mean, 0)
        self.init(
            min: low, max: high, mean: Float(mean), std: Float(variance.squareRoot()), zeroFraction: Double(zeros) / n,
            nonFiniteCount: nonFinite)
    }

    public init(min: Float, max: Float, mean: Float, std: Float, zeroFraction: Double, nonFiniteCount: Int = 0) {
        self.min = min
        self.max = max
        self.mean = mean
        self.std = std
        self.zeroFraction = zeroFraction
        self.nonFiniteCount = nonFiniteCount
    }
}
