extension LayerParameters {
    /// True when these are the weights of a 1×1 conv that only rescales each channel: a square
    /// `n × n × 1 × 1` weight (PyTorch layout `K × C/groups × KH × KW`) with every entry off the diagonal
    /// exactly zero, so output channel k is input channel k times `weight[k·n + k]`, plus its bias — no mixing.
    ///
    /// A zero on the diagonal still counts (that channel is dropped; nothing is mixed). Anything else is
    /// false: a k×k kernel, a different number of outputs than inputs, dense or lateral weights (two axes).
    ///
    /// - Parameter groups: the conv's group count. With more than one group the weight's second axis counts
    ///   one group's channels rather than the input's, so a grouped conv is never a diagonal channel mix.
    public func isDiagonalChannelMix(groups: Int) -> Bool {
        guard groups == 1, weightShape.count == 4, weightShape[2] == 1, weightShape[3] == 1, weightShape[0] == weightShape[1],
            weight.count == weightShape[0] * weightShape[1]
        else { return false }
        let n = weightShape[0]
        for k in 0..<n {
            for c in 0..<n where k != c && weight[k * n + c] != 0 { return false }
        }
        return true
    }
}
