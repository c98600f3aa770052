import Foundation

@testable import ConvEngine

/// A forward pass and loss in double precision with plain loops, image by image, written from the layers'
/// definitions and nothing of the engine's kernels: what finite differences of the loss are taken on.
/// Parameters and the input can be nudged one value at a time.
struct DoubleReference {
    let model: TrainableNetwork
    /// Every layer's parameters in Double: weight, bias, and batch norm's running mean and variance.
    var weights: [NodePath: [Double]]
    var biases: [NodePath: [Double]]

    init(_ model: TrainableNetwork) {
        self.model = model
        weights = model.parameters.mapValues { $0.weight.map(Double.init) }
        biases = model.parameters.compactMapValues { $0.bias?.map(Double.init) }
    }

    /// Mean softmax cross-entropy of the scores (the last node's output, or a final softmax's input) over
    /// `images` (each C×H×W in channel-major order) against `labels`.
    func loss(_ images: [[Double]], labels: [Int], mode: ForwardMode) -> Double {
        var outputs: [NodePath: [[Double]]] = [:]
        for path in model.order {
            let source = model.network.inputPath(of: path).map { outputs[$0]! } ?? images
            outputs[path] = apply(path, source, mode: mode, outputs: outputs)
        }
        let scores = model.scoresIndex.map { outputs[model.order[$0]]! } ?? images
        var total = 0.0
        for (n, z) in scores.enumerated() {
            let top = z.max()!
            let sum = z.reduce(0) { $0 + exp($1 - top) }
            total += log(sum) + top - z[labels[n]]
        }
        return total / Double(images.count)
    }

    private func apply(_ path: NodePath, _ x: [[Double]], mode: ForwardMode, outputs: [NodePath: [[Double]]]) -> [[Double]] {
        let node = model.network.node(at: path)!
        let io = model.shapes.io(at: path)
        switch node.kind {
        case .parallel(let block):
            let parts = block.branches.enumerated().map { b, branch in
                branch.isEmpty ? x : outputs[path.child(branch: b, index: branch.count - 1)]!
            }
            return x.indices.map { n in
                block.merge == .concat
                    ? parts.flatMap { $0[n] } : parts.dropFirst().reduce(parts[0][n]) { sum, part in zip(sum, part[n]).map(+) }
            }
        case .layer(let layer):
            return apply(layer, io: io, path: path, name: node.name, x, mode: mode)
        }
    }

    private func apply(_ layer: Layer, io: LayerIO, path: NodePath, name: String, _ x: [[Double]], mode: ForwardMode) -> [[Double]] {
        let w = weights[path] ?? [], b = biases[path]
        let (c, h, wd) = (io.input.channels, io.input.height, io.input.width), plane = h * wd
        if let conv = layer.as(Conv.self) {
            let g = io.geometry!.conv!
            let gin = g.inChannels / g.groups, gout = g.outChannels / g.groups
            return x.map { image in
                var out = [Double](repeating: 0, count: io.output.elementCount)
                for k in 0..<g.outChannels {
                    let group = k / gout
                    for oy in 0..<g.outHeight {
                        for ox in 0..<g.outWidth {
                            var sum = conv.hasBias ? b![k] : 0
                            for ci in 0..<gin {
                                for ky in 0..<g.kernelHeight {
                                    for kx in 0..<g.kernelWidth {
                                        let iy = oy * g.strideHeight - g.padTop + ky * g.dilationHeight
                                        let ix = ox * g.strideWidth - g.padLeft + kx * g.dilationWidth
                                        guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                                        sum +=
                                            image[((group * gin + ci) * h + iy) * wd + ix]
                                            * w[((k * gin + ci) * g.kernelHeight + ky) * g.kernelWidth + kx]
                                    }
                                }
                            }
                            out[(k * g.outHeight + oy) * g.outWidth + ox] = sum
                        }
                    }
                }
                return out
            }
        }
        if let pool = layer.as(Pool.self) {
            let g = io.geometry!.pool!
            return x.map { image in
                var out = [Double](repeating: 0, count: io.output.elementCount)
                for ch in 0..<c {
                    for oy in 0..<g.outHeight {
                        for ox in 0..<g.outWidth {
                            let y0 = oy * g.strideHeight - g.padTop, x0 = ox * g.strideWidth - g.padLeft
                            let yEndPadded = min(y0 + g.kernelHeight, h + g.padTop), xEndPadded = min(x0 + g.kernelWidth, wd + g.padLeft)
                            let ys = max(y0, 0), xs = max(x0, 0)
                            let ye = min(pool.kind == .max ? y0 + g.kernelHeight : yEndPadded, h)
                            let xe = min(pool.kind == .max ? x0 + g.kernelWidth : xEndPadded, wd)
                            var values: [Double] = []
                            for y in ys..<max(ys, ye) { for xx in xs..<max(xs, xe) { values.append(image[(ch * h + y) * wd + xx]) } }
                            let value: Double
                            if pool.kind == .max {
                                value = values.max() ?? 0
                            } else {
                                // Caffe's divisor counts the window clipped to the padded input; without padding counted,
                                // the input values it holds (an empty window gives 0).
                                let divisor = pool.countsPadding ? (yEndPadded - y0) * (xEndPadded - x0) : values.count
                                value = divisor > 0 ? values.reduce(0, +) / Double(divisor) : 0
                            }
                            out[(ch * g.outHeight + oy) * g.outWidth + ox] = value
                        }
                    }
                }
                return out
            }
        }
        if layer.is(GlobalAveragePool.self) {
            return x.map { image in (0..<c).map { ch in image[(ch * plane)..<((ch + 1) * plane)].reduce(0, +) / Double(plane) } }
        }
        if let batchNorm = layer.as(BatchNorm.self) {
            let p = model.parameters[path]!
            var mean = p.runningMean!.map(Double.init), variance = p.runningVariance!.map(Double.init)
            if mode != .inference {
                let m = Double(x.count * plane)
                for ch in 0..<c {
                    let values = x.flatMap { $0[(ch * plane)..<((ch + 1) * plane)] }
                    mean[ch] = values.reduce(0, +) / m
                    variance[ch] = values.reduce(0) { $0 + ($1 - mean[ch]) * ($1 - mean[ch]) } / m
                }
            }
            let epsilon = Double(batchNorm.epsilon)
            return x.map { image in
                image.indices.map { i in
                    let ch = i / plane
                    return (image[i] - mean[ch]) / (variance[ch] + epsilon).squareRoot() * w[ch] + b![ch]
                }
            }
        }
        if let lrn = layer.as(LocalResponseNorm.self) {
            let before = (lrn.size - 1) / 2, after = lrn.size - 1 - before
            return x.map { image in
                image.indices.map { i in
                    let ch = i / plane, p = i % plane
                    var sum = 0.0
                    for j in max(0, ch - before)...min(c - 1, ch + after) { sum += image[j * plane + p] * image[j * plane + p] }
                    return image[i] * pow(Double(lrn.k) + Double(lrn.alpha) / Double(lrn.size) * sum, -Double(lrn.beta))
                }
            }
        }
        if let dropout = layer.as(Dropout.self) {
            guard case .training = mode, dropout.rate > 0 else { return x }
            let seed = TrainableNetwork.layerMode(mode, name: name).trainingSeed!
            let mask = dropout.mask(count: c * x.count * plane, seed: seed)
            return x.enumerated().map { n, image in
                image.indices.map { i in
                    let ch = i / plane, p = i % plane
                    return image[i] * Double(mask[(ch * x.count + n) * plane + p]) / (1 - Double(dropout.rate))
                }
            }
        }
        if layer.is(Flatten.self) { return x }
        if let dense = layer.as(Dense.self) {
            let features = io.input.elementCount
            return x.map { image in
                (0..<dense.outFeatures).map { o in
                    (0..<features).reduce(dense.hasBias ? b![o] : 0) { $0 + w[o * features + $1] * image[$1] }
                }
            }
        }
        if layer.is(Lateral.self) {
            return x.map { z in
                z.indices.map { i in
                    let j = i / plane, p = i % plane
                    return z[i] + (0..<c).reduce(0) { $0 + w[$1 * c + j] * z[$1 * plane + p] }
                }
            }
        }
        if layer.is(Softmax.self) {
            return x.map { image in
                image.indices.map { i in
                    let p = i % plane
                    let column = (0..<c).map { image[$0 * plane + p] }
                    let top = column.max()!
                    return exp(image[i] - top) / column.reduce(0) { $0 + exp($1 - top) }
                }
            }
        }
        if let activation = layer.activation {
            return x.map { image in image.map { Self.activate(activation, $0) } }
        }
        fatalError("no double reference for \(layer.typeName)")
    }

    /// Each activation's definition in Double.
    static func activate(_ activation: any ActivationKind, _ v: Double) -> Double {
        switch activation {
        case is ReLU: return max(v, 0)
        case let leaky as LeakyReLU: return v > 0 ? v : Double(leaky.slope) * v
        case is Sigmoid: return 1 / (1 + exp(-v))
        case is Tanh: return tanh(v)
        case let clip as Clip: return min(max(v, Double(clip.minimum)), Double(clip.maximum))
        case is HardSwish: return v * min(max(v + 3, 0), 6) / 6
        default: fatalError("no double reference for \(activation.typeName)")
        }
    }
}
