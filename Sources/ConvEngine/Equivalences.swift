import Foundation

/// The outcome of one equivalence check: what was compared, the largest difference, and the costs.
public struct EquivalenceReport: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable { case mlpconv, lateralFold, pointwiseChainFold }
    public var kind: Kind
    /// Which nodes the check covered, e.g. "layers[0]…layers[5] (conv1 → cccp2)".
    public var subject: String
    /// One or two sentences a student reads: what the equivalence says.
    public var explanation: String
    /// Largest absolute difference between the two computations.
    public var maxDifference: Float
    /// Largest absolute value of the reference output, to read the difference relatively.
    public var scale: Float
    /// Parameters before and after (a fold), or of the conv stack and its MLP (mlpconv: equal).
    public var paramsBefore: Int
    public var paramsAfter: Int

    /// Difference relative to the output's magnitude.
    public var relativeDifference: Float { maxDifference / max(scale, 1e-12) }
}

/// Why a fold was refused — part of the lesson, said in a sentence.
public struct FoldRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    public var path: NodePath
    public var description: String
}

/// A run of nodes in one sequence that forms an mlpconv: a conv, then 1×1 convs, element-wise activations between.
public struct MLPConvSegment: Hashable, Sendable {
    /// Paths in the segment, first the spatial conv, in order.
    public var paths: [NodePath]

    /// The sliding MLP's layer widths: the unfolded patch (C·KH·KW), then each conv's output channels —
    /// NIN-CIFAR-10's first block reads 75-192-160-96.
    public func mlpWidths(in network: Network, shapes: ShapeTable) -> [Int] {
        guard let g = shapes.convGeometry(at: paths[0]) else { return [] }
        let outputs = paths.compactMap { network.node(at: $0)?.layer?.as(Conv.self)?.outChannels }
        return [g.inChannels * g.kernelHeight * g.kernelWidth] + outputs
    }
}

extension Network {
    /// Every mlpconv segment: a conv followed (through element-wise activations) by at least one 1×1 conv.
    /// Trailing activations after the last 1×1 belong to the segment too.
    public func mlpconvSegments() -> [MLPConvSegment] {
        var found: [MLPConvSegment] = []
        func scan(_ sequence: [Node], _ pathOf: (Int) -> NodePath) {
            var i = 0
            while i < sequence.count {
                if let block = sequence[i].block {
                    let base = pathOf(i)
                    for (b, branch) in block.branches.enumerated() { scan(branch) { base.child(branch: b, index: $0) } }
                }
                guard let first = sequence[i].layer?.as(Conv.self), first.groups == 1 else {
                    i += 1
                    continue
                }
                var j = i + 1, lastPointwise = i
                while j < sequence.count, let layer = sequence[j].layer {
                    if let c = layer.as(Conv.self), c.isPointwise, c.groups == 1 {
                        lastPointwise = j
                    } else if layer.activation == nil && !layer.is(Dropout.self) {
                        break
                    }
                    j += 1
                }
                if lastPointwise > i {
                    var end = lastPointwise
                    while end + 1 < sequence.count, sequence[end + 1].layer?.activation != nil { end += 1 }
                    found.append(MLPConvSegment(paths: (i...end).map(pathOf)))
                    i = end + 1
                } else {
                    i += 1
                }
            }
        }
        scan(nodes) { NodePath.top($0) }
        return found
    }
}

/// The note's equivalences as computations: each builds the "other" form explicitly and compares.
public enum Equivalences {
    /// NIN's claim: a k×k conv followed by 1×1 convs is one small MLP slid over every k×k patch.
    /// Unfolds every patch of the segment's input, applies dense layers built from the conv weights, and
    /// compares with the conv stack's output computed by `session` (which must be complete).
    public static func verifyMLPConv(_ segment: MLPConvSegment, session: ForwardSession) -> EquivalenceReport {
        let network = session.network, shapes = session.shapes
        let firstPath = segment.paths[0]
        let source = network.inputPath(of: firstPath).flatMap { session.output(of: $0) } ?? session.input
        let expected = session.output(of: segment.paths.last!)!
        let g = shapes.convGeometry(at: firstPath)!
        // The MLP's layers: the first conv as a dense layer over the C·KH·KW patch, then each 1×1 as dense.
        var layers: [(weight: [Float], bias: [Float]?, out: Int, activation: (any ActivationKind)?)] = []
        var params = 0
        for path in segment.paths {
            let layer = network.node(at: path)!.layer!
            if let conv = layer.as(Conv.self) {
                let p = network.parameters(at: path, shapes: shapes)!
                layers.append((p.weight, p.bias, conv.outChannels, nil))
                params += p.weight.count + (p.bias?.count ?? 0)
            } else if let activation = layer.activation {
                layers[layers.count - 1].activation = activation
            }  // dropout: identity at inference
        }
        let patchSize = g.inChannels * g.kernelHeight * g.kernelWidth
        var maxDiff: Float = 0, scale: Float = 0
        var patch = [Float](repeating: 0, count: patchSize)
        for oy in 0..<g.outHeight {
            for ox in 0..<g.outWidth {
                // Unfold: the patch in (c, ky, kx) order, zeros where it hangs over the padding.
                var n = 0
                for c in 0..<g.inChannels {
                    for ky in 0..<g.kernelHeight {
                        for kx in 0..<g.kernelWidth {
                            let iy = oy * g.strideHeight - g.padTop + ky * g.dilationHeight
                            let ix = ox * g.strideWidth - g.padLeft + kx * g.dilationWidth
                            let inside = iy >= 0 && iy < g.inHeight && ix >= 0 && ix < g.inWidth
                            patch[n] = inside ? source[c, iy, ix] : 0
                            n += 1
                        }
                    }
                }
                var vector = patch
                for layer in layers {
                    let inCount = vector.count
                    var next = [Float](repeating: 0, count: layer.out)
                    for o in 0..<layer.out {
                        var sum = layer.bias?[o] ?? 0
                        for i in 0..<inCount { sum += layer.weight[o * inCount + i] * vector[i] }
                        next[o] = layer.activation?.activate(sum) ?? sum
                    }
                    vector = next
                }
                for k in 0..<vector.count {
                    let reference = expected[k, oy, ox]
                    maxDiff = max(maxDiff, abs(vector[k] - reference))
                    scale = max(scale, abs(reference))
                }
            }
        }
        let names = segment.paths.compactMap { network.node(at: $0)?.name }
        let widths = segment.mlpWidths(in: network, shapes: shapes).map(String.init).joined(separator: "-")
        return EquivalenceReport(
            kind: .mlpconv,
            subject: "\(segment.paths.first!)…\(segment.paths.last!) (\(names.first!) → \(names.last!))",
            explanation: "the conv stack equals an MLP \(widths) applied to every "
                + "\(g.kernelHeight)×\(g.kernelWidth) patch of \(g.inChannels) channels (\(g.outHeight * g.outWidth) positions)",
            maxDifference: maxDiff, scale: scale, paramsBefore: params, paramsAfter: params)
    }

    /// The note's conclusion: y = z + Mᵀz with z = Wx + b folds into W' = (I + Mᵀ)W, b' = (I + Mᵀ)b.
    /// Returns the network with the lateral layer at `path` folded into the conv or dense before it,
    /// or refuses with the reason (a non-linearity in between, grouped conv, nothing linear before it).
    public static func foldLateral(at path: NodePath, in network: Network) throws(FoldRefusal) -> Network {
        let shapes: ShapeTable
        do { shapes = try network.inferShapes() } catch { throw FoldRefusal(path: path, description: error.description) }
        guard network.node(at: path)?.layer?.is(Lateral.self) == true else {
            throw FoldRefusal(path: path, description: "\(path) is not a lateral layer")
        }
        let name = network.node(at: path)!.name
        guard let previousPath = path.previousSibling else {
            throw FoldRefusal(path: path, description: "\(path) (\(name)) has no layer before it in its sequence to fold into")
        }
        let previous = network.node(at: previousPath)!
        let m = network.parameters(at: path, shapes: shapes)!.weight
        let n = shapes.output(of: path).channels
        // mixed[j] = row[j] + Σ_i M[i][j] · row[i], for rows of `width` values each.
        func mix(_ rows: [Float], width: Int) -> [Float] {
            var out = rows
            for j in 0..<n {
                for i in 0..<n where m[i * n + j] != 0 {
                    let factor = m[i * n + j]
                    for t in 0..<width { out[j * width + t] += factor * rows[i * width + t] }
                }
            }
            return out
        }
        guard let layer = previous.layer else {
            throw FoldRefusal(
                path: path, description: "\(path) (\(name)) follows a parallel block; fold into a single conv or dense layer only")
        }
        if let conv = layer.as(Conv.self), conv.groups != 1 {
            throw FoldRefusal(
                path: path,
                description: "\(path) (\(name)) follows a grouped conv (\(previous.name)); "
                    + "folding would mix channels across groups — set groups to 1 to fold")
        }
        guard var weighted = layer.kind as? any WeightedLayer else {
            let kind = layer.isAffine ? "is not a conv or dense layer" : "is a non-linearity"
            throw FoldRefusal(
                path: path,
                description: "\(path) (\(name)) follows \(previous.name), which \(kind): "
                    + "y = z + Mᵀz only folds when z is the affine output Wx + b of the layer right before it. "
                    + "After a non-linearity the lateral step is a genuine extra layer — the form the note's idea needs to matter")
        }
        let p = network.parameters(at: previousPath, shapes: shapes)!
        weighted.hasBias = true
        weighted.parameters = ExplicitParameters(
            weights: mix(p.weight, width: p.weight.count / n), biases: mix(p.bias ?? [Float](repeating: 0, count: n), width: 1))
        return network.folding(path, into: previousPath, as: Layer(weighted))
    }

    /// Folds the lateral layer at `path` and compares the two networks end to end on `input`.
    public static func verifyLateralFold(at path: NodePath, in network: Network, input: Tensor) throws -> EquivalenceReport {
        let folded = try foldLateral(at: path, in: network)
        return try compare(
            network, folded, input: input, kind: .lateralFold, subject: "\(path) (\(network.node(at: path)!.name))",
            explanation: "y = z + Mᵀz folded into the layer before it: W' = (I + Mᵀ)W, b' = (I + Mᵀ)b")
    }

    /// Two 1×1 convs with nothing between them are one 1×1 conv: W = W₂W₁, b = W₂b₁ + b₂.
    /// Folds the pair starting at `path` (the second must follow directly).
    public static func foldPointwiseChain(at path: NodePath, in network: Network) throws(FoldRefusal) -> Network {
        let shapes: ShapeTable
        do { shapes = try network.inferShapes() } catch { throw FoldRefusal(path: path, description: error.description) }
        let nextPath = path.sibling(at: path.index + 1)
        guard let first = network.node(at: path)?.layer?.as(Conv.self), first.isPointwise, first.groups == 1,
            var second = network.node(at: nextPath)?.layer?.as(Conv.self), second.isPointwise, second.groups == 1
        else {
            throw FoldRefusal(
                path: path,
                description: "\(path) and the node after it are not two ungrouped 1×1 convs in a row — "
                    + "only a linear chain folds; a ReLU between them is the non-linearity that makes the second layer worth having")
        }
        let p1 = network.parameters(at: path, shapes: shapes)!, p2 = network.parameters(at: nextPath, shapes: shapes)!
        let c = p1.weightShape[1], k1 = first.outChannels, k2 = second.outChannels
        var weight = [Float](repeating: 0, count: k2 * c)
        var bias = p2.bias ?? [Float](repeating: 0, count: k2)
        for o in 0..<k2 {
            for h in 0..<k1 {
                let w2 = p2.weight[o * k1 + h]
                for i in 0..<c { weight[o * c + i] += w2 * p1.weight[h * c + i] }
                bias[o] += w2 * (p1.bias?[h] ?? 0)
            }
        }
        second.hasBias = true
        second.parameters = ExplicitParameters(weights: weight, biases: bias)
        return network.folding(path, into: nextPath, as: Layer(second))
    }

    /// Every pair of directly consecutive ungrouped 1×1 convs (the first of each pair).
    public static func pointwiseChains(in network: Network) -> [NodePath] {
        network.executionOrder.filter { path in
            guard let a = network.node(at: path)?.layer?.as(Conv.self), a.isPointwise, a.groups == 1,
                let b = network.node(at: path.sibling(at: path.index + 1))?.layer?.as(Conv.self), b.isPointwise, b.groups == 1
            else { return false }
            return true
        }
    }

    /// Folds the pair at `path` and compares end to end.
    public static func verifyPointwiseChainFold(at path: NodePath, in network: Network, input: Tensor) throws -> EquivalenceReport {
        let folded = try foldPointwiseChain(at: path, in: network)
        return try compare(
            network, folded, input: input, kind: .pointwiseChainFold, subject: "\(path) (\(network.node(at: path)!.name))",
            explanation: "two 1×1 convs with nothing non-linear between them are one 1×1 conv: W = W₂W₁, b = W₂b₁ + b₂")
    }

    private static func compare(
        _ a: Network, _ b: Network, input: Tensor, kind: EquivalenceReport.Kind, subject: String,
        explanation: String
    ) throws -> EquivalenceReport {
        let outA = try a.forward(input), outB = try b.forward(input)
        var maxDiff: Float = 0, scale: Float = 0
        for (x, y) in zip(outA.data, outB.data) {
            maxDiff = max(maxDiff, abs(x - y))
            scale = max(scale, abs(x))
        }
        return EquivalenceReport(
            kind: kind, subject: subject, explanation: explanation, maxDifference: maxDiff, scale: scale,
            paramsBefore: try a.cost().total.params, paramsAfter: try b.cost().total.params)
    }
}

extension Network {
    /// The network with the node at `removed` gone and its neighbour `kept` (in the same sequence) computing
    /// `layer` instead: a fold of two layers into one, under the kept node's name.
    fileprivate func folding(_ removed: NodePath, into kept: NodePath, as layer: Layer) -> Network {
        var result = self
        result.modifySequence(containing: removed) { sequence in
            sequence[kept.index].kind = .layer(layer)
            sequence.remove(at: removed.index)
        }
        return result
    }
}
