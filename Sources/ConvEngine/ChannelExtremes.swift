import CKernels

/// The smallest and largest value of one channel: what tells a constant map (a dead ReLU channel) from a live one.
public struct ChannelExtremes: Hashable, Sendable {
    public var minimum: Float
    public var maximum: Float

    public init(minimum: Float, maximum: Float) {
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The extremes of any run of values, in one vectorised pass (0…0 for none; a NaN or an infinity passes
    /// through as it is).
    public init(_ values: UnsafeBufferPointer<Float>) {
        guard let base = values.baseAddress, !values.isEmpty else {
            self.init(minimum: 0, maximum: 0)
            return
        }
        var low: Float = 0, high: Float = 0, sum = 0.0, squares = 0.0, zeros = 0
        ck_statistics(values.count, base, &low, &high, &sum, &squares, &zeros)
        self.init(minimum: low, maximum: high)
    }

    /// Every value the same.
    public var isConstant: Bool { minimum == maximum }
    /// Every value exactly zero: after a ReLU, a channel that never fires.
    public var isDead: Bool { minimum == 0 && maximum == 0 }
}

extension Tensor {
    /// The extremes of channel `c` (one vectorised pass over its plane).
    public func extremes(ofChannel c: Int) -> ChannelExtremes {
        plane(c).withUnsafeBufferPointer(ChannelExtremes.init)
    }

    /// The extremes of every channel, in order.
    public func channelExtremes() -> [ChannelExtremes] { (0..<shape.channels).map(extremes(ofChannel:)) }
}
