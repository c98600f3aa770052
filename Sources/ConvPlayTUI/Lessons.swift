import ConvEngine
import Foundation

/// What the selected node teaches, in short sentences. Every number and judgement comes from the engine
/// (shapes, costs, `isDiagonalChannelMix`, `mlpconvSegments()` and their linearity, `Equivalences`,
/// `InceptionComparison`); the front only words it.
func lessons(_ session: ForwardSession, path: NodePath, rescale: Bool, segments: [MLPConvSegment]) -> [String] {
    let network = session.network
    guard let node = network.node(at: path) else { return [] }
    let inShape = session.shapes.inputs[path] ?? session.shapes.input
    let outShape = session.shapes.output(of: path)
    let cost = session.costs[path]
    var lines: [String] = []
    let layer = node.layer
    if let conv = layer?.as(Conv.self), conv.isPointwise && conv.groups == 1 {
        lines.append("1×1 conv = per-pixel channel mixing")
        lines.append("\(inShape.channels)→\(outShape.channels) channels, \(inShape.height)×\(inShape.width) kept")
        if rescale {
            lines.append("diagonal: each channel only rescaled — shown on one scale for the layer, so each factor shows")
        } else if outShape.channels < inShape.channels {
            lines.append("a reduction, for \(Format.grouped(cost.params)) params")
        } else if outShape.channels > inShape.channels {
            lines.append("an augmentation: costs \(Format.grouped(cost.params)) params")
        }
    } else if layer?.is(Lateral.self) == true {
        lines.append("lateral: y = z + Mᵀz within one layer")
        do {
            let folded = try Equivalences.foldLateral(at: path, in: network)
            let saved = session.costs.total.params - ((try? folded.cost().total.params) ?? session.costs.total.params)
            lines.append("folds into the layer before it:")
            lines.append("W' = (I+Mᵀ)W, same output,")
            lines.append("\(Format.grouped(saved)) params fewer")
        } catch {
            lines.append("no fold: it follows a non-linearity,")
            lines.append("so here it is a real extra layer")
        }
    } else if let lrn = layer?.as(LocalResponseNorm.self) {
        lines.append("LRN: fixed lateral inhibition")
        lines.append("across \(lrn.size) neighbouring channels,")
        lines.append("the lateral idea GoogLeNet kept")
    } else if layer?.is(ReLU.self) == true {
        if let conv = path.previousSibling.flatMap({ network.node(at: $0)?.layer })?.as(Conv.self), conv.isPointwise {
            lines.append("1×1 conv + ReLU: a non-linearity, H×W kept")
        }
    } else if let block = node.block {
        let widths = block.branches.indices.compactMap { b -> String? in
            guard !block.branches[b].isEmpty else { return nil }
            return "\(session.shapes.output(of: path.child(branch: b, index: block.branches[b].count - 1)).channels)"
        }
        lines.append("\(block.merge.rawValue) of \(widths.joined(separator: " + ")) = \(outShape.channels) channels")
        if let comparison = try? InceptionComparison.compare(blockAt: path, in: network), comparison.naiveMACs != comparison.reducedMACs {
            lines.append("without 1×1 reductions: \(Format.macs(comparison.naiveMACs)) MACs")
            lines.append(String(format: "the 1×1 reductions cut MACs %.1f×", comparison.macRatio))
        }
    }
    if let segment = segments.first(where: { $0.paths.contains(path) }) {
        lines += mlpconvLesson(segment, network: network, shapes: session.shapes)
    }
    lines += separableLessons(session, path: path)
    return lines
}

/// An mlpconv segment in words: an MLP slid over every patch only where non-linearities sit between its
/// convs; convs with nothing non-linear between them are one linear map, and said to fold.
func mlpconvLesson(_ segment: MLPConvSegment, network: Network, shapes: ShapeTable) -> [String] {
    let convs = segment.convPaths(in: network)
    guard let firstPath = convs.first, let lastPath = convs.last, let first = network.node(at: firstPath)?.layer?.as(Conv.self)
    else { return [] }
    let names = "\(network.node(at: firstPath)!.name) → \(network.node(at: lastPath)!.name)"
    let widths = segment.effectiveWidths(in: network, shapes: shapes)
    if segment.isLinearChain(in: network) {
        return [
            "\(names): \(convs.count) convs with nothing non-linear between them —",
            "not an MLP: they fold into one linear map \(widths.map(String.init).joined(separator: "→")) (convplay verify)",
        ]
    }
    let all = segment.mlpWidths(in: network, shapes: shapes)
    var lines = [
        "mlpconv \(names): an MLP \(widths.map(String.init).joined(separator: "-"))",
        "slid over every \(Format.pair(first.kernel)) patch",
    ]
    if widths.count < all.count { lines.append("(convs with no non-linearity between them count as one layer)") }
    return lines
}

/// True when the node at `path` is a 1×1 conv whose weight matrix is diagonal: a per-channel rescale. Only
/// weights written by hand or read from a folder are looked at — drawn ones are never diagonal, and drawing
/// them just to look would cost what computing the layer costs.
func isRescale(_ session: ForwardSession, _ path: NodePath) -> Bool {
    guard let node = session.network.node(at: path), let conv = node.layer?.as(Conv.self), conv.isPointwise,
        conv.parameters != nil || session.network.initialization.loadedWeights[node.name] != nil,
        let parameters = session.parameters(of: path)
    else { return false }
    return parameters.isDiagonalChannelMix(groups: conv.groups)
}

/// The scaling a node's lesson asks for when the user has not chosen one: per layer where the lesson is
/// about relative magnitude (a diagonal rescale: ×2 and ×0.5 look alike when each map is scaled to itself),
/// per channel everywhere else.
func lessonScaling(_ state: AppState) -> Scaling {
    guard let path = state.selected else { return .perChannel }
    return state.derived.rescales.contains(path) ? .perLayer : .perChannel
}
