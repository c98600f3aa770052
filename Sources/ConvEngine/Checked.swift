/// A size computed from a preset, a form or a flag that does not fit in an `Int`; shape inference turns it
/// into a `ShapeError` naming the layer.
public struct SizeOverflow: Error, Hashable, Sendable {
    /// What was being computed: "its packed weights", "its scratch", …
    public var quantity: String
    /// What it passed: `Int.max` for an overflow, `SizeLimits.tensorValues` for a tensor too large to index.
    public var limit: Int
    public init(_ quantity: String, limit: Int = .max) {
        self.quantity = quantity
        self.limit = limit
    }
}

/// Whole-number arithmetic on sizes that came from outside: every product and sum a shape, parameter, cost or
/// memory rule computes goes through here, so an overflow is reported with what overflowed, never a trap.
public enum Checked {
    /// The product of `factors`, or `SizeOverflow(quantity)` when it does not fit.
    public static func product(_ factors: Int..., of quantity: String) throws(SizeOverflow) -> Int {
        try product(factors, of: quantity)
    }

    /// The product of `factors`, or `SizeOverflow(quantity)` when it does not fit.
    public static func product(_ factors: some Sequence<Int>, of quantity: String) throws(SizeOverflow) -> Int {
        var result = 1
        for factor in factors {
            let (value, overflow) = result.multipliedReportingOverflow(by: factor)
            if overflow { throw SizeOverflow(quantity) }
            result = value
        }
        return result
    }

    /// The sum of `terms`, or `SizeOverflow(quantity)` when it does not fit.
    public static func sum(_ terms: Int..., of quantity: String) throws(SizeOverflow) -> Int {
        try sum(terms, of: quantity)
    }

    /// The sum of `terms`, or `SizeOverflow(quantity)` when it does not fit.
    public static func sum(_ terms: some Sequence<Int>, of quantity: String) throws(SizeOverflow) -> Int {
        var result = 0
        for term in terms {
            let (value, overflow) = result.addingReportingOverflow(term)
            if overflow { throw SizeOverflow(quantity) }
            result = value
        }
        return result
    }
}

/// The largest sizes convplay accepts, each checked before anything is computed or allocated from it. With
/// settings at most 2^24 and tensors at most 2^30 values, a product of two settings or of a setting and a side
/// fits in an `Int` as it stands; longer products and sums over layers go through `Checked`.
public enum SizeLimits {
    /// Largest value of one size setting (channels, kernel, stride, pad, dilation, groups, an input side):
    /// 2^24, far above any real network and low enough that a few of them multiplied stay exact.
    public static let setting = 1 << 24
    /// Most values one tensor (an activation, a weight, a kernel's padded copy) may hold: 2^30. The C kernels
    /// index with 32-bit ints, and a side plus its padding and a kernel's reach stays below 2^31.
    public static let tensorValues = 1 << 30
    /// Largest memory cap a flag may set: 1 TiB.
    public static let memoryCap = 1 << 40
    /// Largest preset or manifest file read: 64 MiB of JSON text.
    public static let jsonFileBytes = 64 << 20
    /// Most kernel threads: more than this only adds hand-offs on any machine convplay runs on.
    public static let threads = 256
}
