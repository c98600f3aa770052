import ConvEngine

/// The smallest and largest finite value of the input and of every computed output, kept beside the session:
/// each output is passed over once, when it arrives, and the whole set is dropped when the network or the
/// input changes. The per-layer and global scalings read these, so a key that rescales passes over nothing.
struct OutputRanges: Sendable {
    /// The input's range.
    private(set) var input: ValueRange
    private var byPath: [NodePath: ValueRange] = [:]

    init(_ session: ForwardSession) {
        input = ConvPlayTUI.range(of: session.input.data[...])
        extend(session)
    }

    /// Adds the ranges of outputs computed since the last call (the session's network and input unchanged).
    mutating func extend(_ session: ForwardSession) {
        for path in session.order.prefix(session.computedCount) where byPath[path] == nil {
            if let output = session.output(of: path) { byPath[path] = ConvPlayTUI.range(of: output.data[...]) }
        }
    }

    /// The range of `path`'s output (`nil`: the input), when it is computed.
    func range(at path: NodePath?) -> ValueRange? {
        guard let path else { return input }
        return byPath[path]
    }

    /// The range every map is scaled to under `global`: over the input and every output the session holds now (an
    /// output a fused pass dropped no longer counts).
    func global(_ session: ForwardSession) -> ValueRange {
        var result = input
        for path in session.order.prefix(session.computedCount) {
            guard let r = byPath[path], session.output(of: path) != nil else { continue }
            result.low = min(result.low, r.low)
            result.high = max(result.high, r.high)
        }
        return result
    }
}
