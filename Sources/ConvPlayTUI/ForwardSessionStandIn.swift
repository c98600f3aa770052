// TEMPORARY stand-in for ConvEngine's ForwardSession (the lead's Sources/ConvEngine/ForwardSession.swift).
// Same public API; naive loops. Delete this file once ForwardSession is merged into main.
import ConvEngine
import Foundation

/// Per-node activation statistics.
public struct ActivationStatistics: Hashable, Sendable {
    public var min: Float, max: Float, mean: Float, std: Float
    public var zeroFraction: Double
}

/// A node's resolved parameters in PyTorch layout.
public struct LayerParameters: Hashable, Sendable {
    public var weight: [Float]
    public var weightShape: [Int]
    public var bias: [Float]?
}

/// Stand-in forward session: computes node by node in execution order and caches each output.
public struct ForwardSession: Sendable {
    public private(set) var network: Network
    public private(set) var shapes: ShapeTable
    public private(set) var costs: CostTable
    public private(set) var computedCount = 0
    public let input: Tensor
    private var outputs: [NodePath: Tensor] = [:]
    private var stats: [NodePath: ActivationStatistics] = [:]
    private var params: [NodePath: LayerParameters] = [:]
    public private(set) var order: [NodePath]

    public init(network: Network, input: Tensor, memoryCap: Int = defaultMemoryCap) throws(ShapeError) {
        self.network = network
        self.shapes = try network.inferShapes(memoryCap: memoryCap)
        self.costs = network.cost(shapes: shapes)
        self.input = input
        self.order = network.executionOrder
        resolveParameters()
    }

    public func output(of path: NodePath) -> Tensor? { outputs[path] }
    public func statistics(of path: NodePath) -> ActivationStatistics? { stats[path] }
    public func parameters(of path: NodePath) -> LayerParameters? { params[path] }

    @discardableResult
    public mutating func stepForward(isCancelled: () -> Bool = { false }) -> NodePath? {
        guard computedCount < order.count else { return nil }
        let path = order[computedCount]
        let inputTensor = network.inputPath(of: path).flatMap { outputs[$0] } ?? input
        let out = compute(path, inputTensor)
        outputs[path] = out
        stats[path] = Self.statistics(out.data)
        computedCount += 1
        return path
    }

    public mutating func stepBack() {
        guard computedCount > 0 else { return }
        computedCount -= 1
        outputs[order[computedCount]] = nil
        stats[order[computedCount]] = nil
    }

    public mutating func runToEnd(isCancelled: () -> Bool = { false }) {
        while computedCount < order.count, !isCancelled() { stepForward() }
    }

    public mutating func reset() { computedCount = 0; outputs = [:]; stats = [:] }

    public mutating func update(network newNetwork: Network) throws(ShapeError) {
        let newShapes = try newNetwork.inferShapes()
        let newOrder = newNetwork.executionOrder
        var keep = 0
        while keep < min(computedCount, newOrder.count), order[keep] == newOrder[keep],
              network.node(at: order[keep]) == newNetwork.node(at: newOrder[keep]),
              shapes.inputs[order[keep]] == newShapes.inputs[newOrder[keep]] { keep += 1 }
        let kept = Array(newOrder[..<keep])
        network = newNetwork; shapes = newShapes; costs = newNetwork.cost(shapes: newShapes); order = newOrder
        outputs = outputs.filter { kept.contains($0.key) }
        stats = stats.filter { kept.contains($0.key) }
        computedCount = keep
        resolveParameters()
    }

    private mutating func resolveParameters() {
        params = [:]
        var generator = SplitMix(seed: network.initialization.seed)
        for path in order {
            guard let layer = network.node(at: path)?.layer else { continue }
            let inShape = shapes.inputs[path] ?? shapes.input
            switch layer {
            case .conv(let conv):
                guard let g = shapes.convGeometry[path] else { continue }
                let shape = [conv.outChannels, g.inChannels / conv.groups, conv.kernel.height, conv.kernel.width]
                let fanIn = shape[1] * shape[2] * shape[3]
                let w = conv.parameters?.weights ?? (0..<g.weightCount).map { _ in generator.normal() * Float(sqrt(2.0 / Double(fanIn))) }
                let b = conv.hasBias ? (conv.parameters?.biases ?? Array(repeating: 0, count: conv.outChannels)) : nil
                params[path] = LayerParameters(weight: w, weightShape: shape, bias: b)
            case .dense(let dense):
                let n = inShape.elementCount
                let w = dense.parameters?.weights ?? (0..<(n * dense.outFeatures)).map { _ in generator.normal() * Float(sqrt(2.0 / Double(n))) }
                params[path] = LayerParameters(weight: w, weightShape: [dense.outFeatures, n],
                                               bias: dense.hasBias ? (dense.parameters?.biases ?? Array(repeating: 0, count: dense.outFeatures)) : nil)
            case .lateral(let lateral):
                let n = inShape.channels
                params[path] = LayerParameters(weight: lateral.parameters?.weights ?? Array(repeating: 0, count: n * n), weightShape: [n, n], bias: nil)
            default: continue
            }
        }
    }

    private func compute(_ path: NodePath, _ x: Tensor) -> Tensor {
        let outShape = shapes.outputs[path]!
        guard let node = network.node(at: path) else { return x }
        if let block = node.block {
            let ends = block.branches.indices.map { b -> Tensor in
                let n = block.branches[b].count
                return n == 0 ? x : outputs[path.child(branch: b, index: n - 1)]!
            }
            if block.merge == .add {
                var sum = ends[0]
                for e in ends.dropFirst() { for i in sum.data.indices { sum.data[i] += e.data[i] } }
                return sum
            }
            return Tensor(shape: outShape, data: ends.flatMap(\.data))
        }
        var y = Tensor(shape: outShape)
        switch node.layer! {
        case .conv(let conv):
            let g = shapes.convGeometry[path]!, p = params[path]!
            let cpg = g.inChannels / g.groups, kpg = g.outChannels / g.groups
            for k in 0..<g.outChannels {
                let group = k / kpg
                for oy in 0..<g.outHeight { for ox in 0..<g.outWidth {
                    var s = p.bias?[k] ?? 0
                    for c in 0..<cpg { for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth {
                        let iy = oy * g.strideHeight - g.padTop + ky * g.dilationHeight
                        let ix = ox * g.strideWidth - g.padLeft + kx * g.dilationWidth
                        guard iy >= 0, ix >= 0, iy < g.inHeight, ix < g.inWidth else { continue }
                        s += p.weight[((k * cpg + c) * g.kernelHeight + ky) * g.kernelWidth + kx] * x[group * cpg + c, iy, ix]
                    } } }
                    y[k, oy, ox] = s
                } }
            }
        case .pool(let pool):
            let g = shapes.poolGeometry[path]!
            for c in 0..<g.channels { for oy in 0..<g.outHeight { for ox in 0..<g.outWidth {
                var best = -Float.infinity, sum: Float = 0, count = 0
                for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth {
                    let iy = oy * g.strideHeight - g.padTop + ky, ix = ox * g.strideWidth - g.padLeft + kx
                    guard iy >= 0, ix >= 0, iy < g.inHeight, ix < g.inWidth else { continue }
                    best = max(best, x[c, iy, ix]); sum += x[c, iy, ix]; count += 1
                } }
                y[c, oy, ox] = pool.kind == .max ? best : sum / Float(max(count, 1))
            } } }
        case .globalAveragePool:
            for c in 0..<x.shape.channels { y[c, 0, 0] = x.plane(c).reduce(0, +) / Float(x.shape.planeSize) }
        case .activation(let a):
            y.data = x.data.map { v in
                switch a {
                case .relu: return max(v, 0)
                case .leakyRelu(let s): return v > 0 ? v : s * v
                case .sigmoid: return 1 / (1 + exp(-v))
                case .tanh: return tanh(v)
                }
            }
        case .softmax:
            let m = x.data.max() ?? 0
            let e = x.data.map { exp($0 - m) }, s = e.reduce(0, +)
            y.data = e.map { $0 / s }
        case .dense:
            let p = params[path]!, n = x.data.count
            for o in 0..<outShape.channels {
                var s = p.bias?[o] ?? 0
                for i in 0..<n { s += p.weight[o * n + i] * x.data[i] }
                y.data[o] = s
            }
        case .lateral:
            let p = params[path]!, n = x.shape.channels
            y = x
            for j in 0..<n { for i in 0..<n where p.weight[i * n + j] != 0 {
                for q in 0..<x.shape.planeSize { y.data[j * x.shape.planeSize + q] += p.weight[i * n + j] * x.data[i * x.shape.planeSize + q] }
            } }
        case .flatten, .dropout, .batchNorm, .localResponseNorm:
            y.data = x.data
        }
        return y
    }

    static func statistics(_ data: [Float]) -> ActivationStatistics {
        guard !data.isEmpty else { return ActivationStatistics(min: 0, max: 0, mean: 0, std: 0, zeroFraction: 0) }
        var lo = Float.infinity, hi = -Float.infinity, sum: Double = 0, zeros = 0
        for v in data { lo = min(lo, v); hi = max(hi, v); sum += Double(v); if v == 0 { zeros += 1 } }
        let mean = sum / Double(data.count)
        let variance = data.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(data.count)
        return ActivationStatistics(min: lo, max: hi, mean: Float(mean), std: Float(variance.squareRoot()),
                                    zeroFraction: Double(zeros) / Double(data.count))
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func normal() -> Float {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-12), u2 = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }
}
