import ConvEngine
import Foundation

/// A kind of node the add/insert list offers, with the defaults its form starts from.
public enum LayerTemplate: String, CaseIterable, Hashable, Sendable {
    case conv = "conv"
    case pointwise = "conv 1×1"
    case maxPool = "max pool"
    case avgPool = "avg pool"
    case globalAveragePool = "global avg pool"
    case relu
    case leakyRelu = "leaky relu"
    case sigmoid, tanh
    case batchNorm = "batch norm"
    case lrn = "lrn"
    case dropout, flatten, dense, softmax, lateral
    case inception = "parallel (concat)"
    case residual = "parallel (add)"

    /// One line for the type list.
    public var summary: String {
        switch self {
        case .conv: return "k×k convolution"
        case .pointwise: return "channel mixing: C×H×W → K×H×W"
        case .maxPool, .avgPool: return "downsample by windows"
        case .globalAveragePool: return "one value per channel (NIN head)"
        case .relu, .leakyRelu, .sigmoid, .tanh: return "element-wise non-linearity"
        case .batchNorm: return "per-channel normalisation (inference)"
        case .lrn: return "lateral inhibition across channels"
        case .dropout: return "identity at inference"
        case .flatten: return "C×H×W → (C·H·W)×1×1"
        case .dense: return "fully connected"
        case .softmax: return "probabilities"
        case .lateral: return "y = z + Mᵀz (the note's idea)"
        case .inception: return "branches concatenated on channels"
        case .residual: return "branches summed (identity skip)"
        }
    }

    /// The node this template adds, before the user edits its form; `channels` is the input's channel count.
    func makeNode(name: String, channels: Int) -> Node {
        switch self {
        case .conv: return Node(name, .conv(Conv(outChannels: channels, kernel: Size2(3), padding: .explicit(Size2(1)))))
        case .pointwise: return Node(name, .conv(Conv(outChannels: max(1, channels / 2), kernel: Size2(1))))
        case .maxPool: return Node(name, .pool(Pool(kind: .max, kernel: Size2(2))))
        case .avgPool: return Node(name, .pool(Pool(kind: .average, kernel: Size2(2))))
        case .globalAveragePool: return Node(name, .globalAveragePool)
        case .relu: return Node(name, .activation(.relu))
        case .leakyRelu: return Node(name, .activation(.leakyRelu(slope: 0.1)))
        case .sigmoid: return Node(name, .activation(.sigmoid))
        case .tanh: return Node(name, .activation(.tanh))
        case .batchNorm: return Node(name, .batchNorm(BatchNorm()))
        case .lrn: return Node(name, .localResponseNorm(LocalResponseNorm()))
        case .dropout: return Node(name, .dropout(rate: 0.5))
        case .flatten: return Node(name, .flatten)
        case .dense: return Node(name, .dense(Dense(outFeatures: 10)))
        case .softmax: return Node(name, .softmax)
        case .lateral: return Node(name, .lateral(Lateral()))
        case .inception:
            return Node(
                name,
                parallel: ParallelBlock(
                    branches: [
                        [Node("\(name)_1x1", .conv(Conv(outChannels: 16, kernel: Size2(1))))],
                        [Node("\(name)_3x3", .conv(Conv(outChannels: 16, kernel: Size2(3), padding: .explicit(Size2(1)))))],
                    ], merge: .concat))
        case .residual:
            return Node(
                name,
                parallel: ParallelBlock(
                    branches: [
                        [Node("\(name)_conv", .conv(Conv(outChannels: channels, kernel: Size2(3), padding: .explicit(Size2(1)))))],
                        [],
                    ], merge: .add))
        }
    }

    /// The prefix new names start from.
    var namePrefix: String {
        switch self {
        case .conv: return "conv"
        case .pointwise: return "cccp"
        case .maxPool, .avgPool: return "pool"
        case .globalAveragePool: return "gap"
        case .relu, .leakyRelu: return "relu"
        case .inception: return "inception"
        case .residual: return "residual"
        default: return rawValue.replacingOccurrences(of: " ", with: "")
        }
    }
}

/// One field of a layer form: a label, the text being edited, and for fixed sets the allowed values
/// (cycled with ←/→).
public struct FormField: Hashable, Sendable {
    public var key: String
    public var label: String
    public var text: String
    public var choices: [String]?
    public init(_ key: String, _ label: String, _ text: String, choices: [String]? = nil) {
        self.key = key
        self.label = label
        self.text = text
        self.choices = choices
    }
}

/// Why a form's text cannot become a layer.
public struct FormError: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var text: String
    public var expected: String
    public var description: String { "\(field): “\(text)” is not \(expected) — fix the field and press Enter" }
}

/// The add/edit form for one node: its fields, which one has the cursor, and where the result goes.
public struct LayerForm: Hashable, Sendable {
    public enum Target: Hashable, Sendable {
        /// Replace the node at this path.
        case edit(NodePath)
        /// Insert into the sequence holding `path` at `index` (`path` nil: the top level).
        case insert(sequenceOf: NodePath?, index: Int)
    }

    public var title: String
    public var target: Target
    /// The node the form started from; fields the form does not show are kept from it.
    public var original: Node
    public var fields: [FormField]
    public var focus = 0

    /// A form showing every editable field of `node`, defaults filled in.
    public init(title: String, target: Target, node: Node) {
        self.title = title
        self.target = target
        self.original = node
        var fields = [FormField("name", "name", node.name)]
        switch node.kind {
        case .parallel(let block):
            fields.append(FormField("merge", "merge", block.merge.rawValue, choices: Merge.allCases.map(\.rawValue)))
        case .layer(let layer):
            switch layer {
            case .conv(let conv):
                fields.append(FormField("out", "out channels", "\(conv.outChannels)"))
                fields.append(FormField("kernel", "kernel (k or kh×kw)", Format.pair(conv.kernel)))
                fields.append(FormField("stride", "stride", Format.pair(conv.stride)))
                let pad: String
                switch conv.padding {
                case .same: pad = "same"
                case .explicit(let p): pad = Format.pair(p)
                }
                fields.append(FormField("pad", "pad (n, h×w or same)", pad))
                fields.append(FormField("dilation", "dilation", Format.pair(conv.dilation)))
                fields.append(FormField("groups", "groups", "\(conv.groups)"))
                fields.append(FormField("bias", "bias", conv.hasBias ? "yes" : "no", choices: ["yes", "no"]))
                if conv.parameters != nil {
                    fields.append(FormField("weights", "weights", "explicit", choices: ["explicit", "initialiser"]))
                }
            case .pool(let pool):
                fields.append(FormField("kind", "kind", pool.kind.rawValue, choices: Pool.Kind.allCases.map(\.rawValue)))
                fields.append(FormField("kernel", "kernel", Format.pair(pool.kernel)))
                fields.append(FormField("stride", "stride", Format.pair(pool.stride)))
                fields.append(FormField("pad", "pad", Format.pair(pool.padding)))
                fields.append(FormField("rounding", "rounding", pool.rounding.rawValue, choices: Pool.Rounding.allCases.map(\.rawValue)))
            case .activation(.leakyRelu(let slope)):
                fields.append(FormField("slope", "slope", Format.number(slope)))
            case .batchNorm(let bn):
                fields.append(FormField("eps", "epsilon", Format.number(bn.epsilon)))
            case .localResponseNorm(let lrn):
                fields.append(FormField("size", "size", "\(lrn.size)"))
                fields.append(FormField("alpha", "alpha", Format.number(lrn.alpha)))
                fields.append(FormField("beta", "beta", Format.number(lrn.beta)))
                fields.append(FormField("k", "k", Format.number(lrn.k)))
            case .dropout(let rate):
                fields.append(FormField("rate", "rate", Format.number(rate)))
            case .dense(let dense):
                fields.append(FormField("out", "out features", "\(dense.outFeatures)"))
                fields.append(FormField("bias", "bias", dense.hasBias ? "yes" : "no", choices: ["yes", "no"]))
            default:
                break
            }
        }
        self.fields = fields
    }

    func text(_ key: String) -> String { fields.first { $0.key == key }?.text ?? "" }

    private func int(_ key: String) throws(FormError) -> Int {
        let t = text(key).trimmingCharacters(in: .whitespaces)
        guard let v = Int(t) else { throw FormError(field: label(key), text: t, expected: "a whole number") }
        return v
    }

    private func float(_ key: String) throws(FormError) -> Float {
        let t = text(key).trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "−", with: "-")
        guard let v = Float(t) else { throw FormError(field: label(key), text: t, expected: "a number") }
        return v
    }

    private func pair(_ key: String) throws(FormError) -> Size2 {
        let t = text(key).trimmingCharacters(in: .whitespaces)
        let parts = t.split(whereSeparator: { $0 == "×" || $0 == "x" || $0 == "X" || $0 == "," }).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        switch parts.count {
        case 1: if let v = parts[0] { return Size2(v) }
        case 2: if let h = parts[0], let w = parts[1] { return Size2(h, w) }
        default: break
        }
        throw FormError(field: label(key), text: t, expected: "a size like 3 or 3×5")
    }

    private func label(_ key: String) -> String { fields.first { $0.key == key }?.label ?? key }

    /// The node the fields describe, or the first field that cannot be read.
    public func makeNode() throws(FormError) -> Node {
        let name = text("name").trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw FormError(field: "name", text: "", expected: "a name") }
        var node = original
        node.name = name
        switch original.kind {
        case .parallel(var block):
            block.merge = Merge(rawValue: text("merge")) ?? block.merge
            node.kind = .parallel(block)
        case .layer(let layer):
            switch layer {
            case .conv(var conv):
                conv.outChannels = try int("out")
                conv.kernel = try pair("kernel")
                conv.stride = try pair("stride")
                conv.padding = text("pad").trimmingCharacters(in: .whitespaces) == "same" ? .same : .explicit(try pair("pad"))
                conv.dilation = try pair("dilation")
                conv.groups = try int("groups")
                conv.hasBias = text("bias") == "yes"
                if text("weights") == "initialiser" { conv.parameters = nil }
                node.kind = .layer(.conv(conv))
            case .pool(var pool):
                pool.kind = Pool.Kind(rawValue: text("kind")) ?? pool.kind
                pool.kernel = try pair("kernel")
                pool.stride = try pair("stride")
                pool.padding = try pair("pad")
                pool.rounding = Pool.Rounding(rawValue: text("rounding")) ?? pool.rounding
                node.kind = .layer(.pool(pool))
            case .activation(.leakyRelu):
                node.kind = .layer(.activation(.leakyRelu(slope: try float("slope"))))
            case .batchNorm(var bn):
                bn.epsilon = try float("eps")
                node.kind = .layer(.batchNorm(bn))
            case .localResponseNorm:
                node.kind = .layer(
                    .localResponseNorm(
                        LocalResponseNorm(
                            size: try int("size"), alpha: try float("alpha"),
                            beta: try float("beta"), k: try float("k"))))
            case .dropout:
                node.kind = .layer(.dropout(rate: try float("rate")))
            case .dense(var dense):
                dense.outFeatures = try int("out")
                dense.hasBias = text("bias") == "yes"
                node.kind = .layer(.dense(dense))
            default:
                break
            }
        }
        return node
    }
}
