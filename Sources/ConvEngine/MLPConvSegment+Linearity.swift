extension MLPConvSegment {
    /// The segment's convs, in order (the spatial conv first, then the 1×1s).
    public func convPaths(in network: Network) -> [NodePath] {
        paths.filter { network.node(at: $0)?.layer?.is(Conv.self) == true }
    }

    /// For each pair of neighbouring convs in the segment, whether a non-linearity sits between them.
    public func nonlinearGaps(in network: Network) -> [Bool] {
        let convs = convPaths(in: network)
        return zip(convs, convs.dropFirst()).map { first, second in
            (first.index + 1..<second.index).contains { index in
                network.node(at: first.sibling(at: index))?.layer.map { !$0.isAffine } ?? false
            }
        }
    }

    /// True when no non-linearity sits between any two of the segment's convs: the chain is one linear map
    /// (the fold `Equivalences.foldPointwiseChain` performs pair by pair), not an MLP.
    public func isLinearChain(in network: Network) -> Bool { !nonlinearGaps(in: network).contains(true) }

    /// The widths of the MLP the segment really is: the unfolded patch, then an output width only where a
    /// non-linearity follows the conv (convs with nothing between them fold into one) and the last conv's.
    /// For NIN's blocks these equal `mlpWidths`; for a linear chain 192→16→16→192→64 it is 192-64.
    public func effectiveWidths(in network: Network, shapes: ShapeTable) -> [Int] {
        let widths = mlpWidths(in: network, shapes: shapes)
        guard widths.count > 1 else { return widths }
        let gaps = nonlinearGaps(in: network)
        var result = [widths[0]]
        for (i, width) in widths.dropFirst().enumerated() where i == widths.count - 2 || gaps[i] {
            result.append(width)
        }
        return result
    }
}
