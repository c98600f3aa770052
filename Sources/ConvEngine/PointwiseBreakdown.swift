/// One output value of a 1×1 conv spelled out at one pixel: y = w · x + b, where x is the input's channel
/// vector at that pixel and w the output channel's weight row. What "a 1×1 conv is per-pixel channel mixing"
/// means, in numbers.
public struct PointwiseBreakdown: Hashable, Sendable {
    public var outputChannel: Int
    public var row: Int
    public var column: Int
    /// The input channels the output channel reads: all of them, or its group's.
    public var inputChannels: Range<Int>
    /// x: the input at (row, column), one value per channel of `inputChannels`.
    public var inputs: [Float]
    /// w: the output channel's weights, one per channel of `inputChannels`.
    public var weights: [Float]
    /// b (0 without a bias).
    public var bias: Float
    /// w · x + b, summed in Double.
    public var value: Float

    /// wᵢ · xᵢ for every input channel.
    public var products: [Float] { zip(weights, inputs).map { $0 * $1 } }
}

extension ForwardSession {
    /// The breakdown of output channel `channel` at (`row`, `column`) of the 1×1 conv at `path`; `nil` unless
    /// the node is a pointwise conv whose input is computed and the position lies on its output.
    public func pointwiseBreakdown(at path: NodePath, channel: Int, row: Int, column: Int) -> PointwiseBreakdown? {
        guard let g = shapes.convGeometry(at: path), g.isPointwise, g.groups > 0,
            (0..<g.outChannels).contains(channel), (0..<g.outHeight).contains(row), (0..<g.outWidth).contains(column),
            let parameters = parameters(of: path)
        else { return nil }
        let source: Tensor
        if let inputPath = network.inputPath(of: path) {
            guard let computed = output(of: inputPath) else { return nil }
            source = computed
        } else {
            source = input
        }
        let perGroup = g.inChannels / g.groups
        let group = channel / (g.outChannels / g.groups)
        let channels = (group * perGroup)..<((group + 1) * perGroup)
        guard parameters.weight.count >= (channel + 1) * perGroup else { return nil }
        let weights = Array(parameters.weight[(channel * perGroup)..<((channel + 1) * perGroup)])
        let inputs = channels.map { source[$0, row, column] }
        let bias = parameters.bias?[channel] ?? 0
        let sum = zip(weights, inputs).reduce(Double(bias)) { $0 + Double($1.0) * Double($1.1) }
        return PointwiseBreakdown(
            outputChannel: channel, row: row, column: column, inputChannels: channels, inputs: inputs, weights: weights,
            bias: bias, value: Float(sum))
    }
}
