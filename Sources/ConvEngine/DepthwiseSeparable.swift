/// A depthwise conv and the pointwise 1×1 conv after it (MobileNet's separable pair) against one full conv of the
/// same kernel from the depthwise input to the pointwise output — what the separation saves.
public struct SeparableComparison: Hashable, Sendable {
    public var kernel: Size2
    public var separableMACs: Int, separableParams: Int
    public var fullMACs: Int, fullParams: Int
    /// How many times fewer MACs the pair needs.
    public var macRatio: Double { Double(fullMACs) / Double(max(separableMACs, 1)) }
}

extension Network {
    /// For a depthwise conv at `path` (one filter per channel, kernel larger than 1×1) followed later in its
    /// sequence by a pointwise conv (element-wise layers and batch norms between): the pair's cost against a full
    /// conv of the depthwise kernel, stride and padding with the pointwise conv's outputs. `nil` otherwise.
    public func separableComparison(at path: NodePath, shapes: ShapeTable) -> SeparableComparison? {
        guard let depthwise = node(at: path)?.layer?.as(Conv.self), depthwise.kernel != Size2(1),
            let g = shapes.io(at: path).geometry?.conv, depthwise.groups == g.inChannels, g.outChannels == g.inChannels
        else { return nil }
        var next = path.index + 1
        while let sibling = node(at: path.sibling(at: next))?.layer {
            if let pointwise = sibling.as(Conv.self) {
                guard pointwise.isPointwise, pointwise.groups == 1 else { return nil }
                guard let costs = try? cost(shapes: shapes) else { return nil }
                let pair = (costs[path], costs[path.sibling(at: next)])
                let full = ConvGeometry(
                    inChannels: g.inChannels, inHeight: g.inHeight, inWidth: g.inWidth, outChannels: pointwise.outChannels,
                    outHeight: g.outHeight, outWidth: g.outWidth, kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth)
                return SeparableComparison(
                    kernel: depthwise.kernel, separableMACs: pair.0.macs + pair.1.macs, separableParams: pair.0.weights + pair.1.weights,
                    fullMACs: full.macs, fullParams: full.weightCount)
            }
            guard sibling.activation != nil || sibling.is(BatchNorm.self) else { return nil }
            next += 1
        }
        return nil
    }
}
