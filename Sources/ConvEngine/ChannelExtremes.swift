import CKernels

/// The smallest and largest value of one channel: what tells a constant map (a dead ReLU channel) from a live one.
public struct ChannelExtremes: Hashable, Sendable {
    public var minimum: Float
    public var maximum: Float

    public init(minimum: Float, maximum: Float) {
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Every value the same.
    public var isConstant: Bool { minimum == maximum }
    /// Every value exactly zero: after a ReLU, a channel that never fires.
    public var isDead: Bool { minimum == 0 && maximum == 0 }
}

extension Tensor {
    /// The extremes of channel `c` (one vectorised pass over its plane).
    public func extremes(ofChannel c: Int) -> ChannelExtremes {
        let plane = shape.planeSize
        guard plane > 0 else { return ChannelExtremes(minimum: 0, maximum: 0) }
        var low: Float = 0, high: Float = 0, sum = 0.0, squares = 0.0, zeros = 0
        data.withUnsafeBufferPointer {
            ck_statistics(plane, $0.baseAddress! + c * plane, &low, &high, &sum, &squares, &zeros)
        }
        return ChannelExtremes(minimum: low, maximum: high)
    }

    /// The extremes of every channel, in order.
    public func channelExtremes() -> [ChannelExtremes] { (0..<shape.channels).map(extremes(ofChannel:)) }
}
