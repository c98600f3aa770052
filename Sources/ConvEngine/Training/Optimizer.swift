import Foundation

/// The update rules, as PyTorch's `torch.optim` defines them.
public enum OptimizerKind: String, Hashable, Sendable, CaseIterable {
    /// Stochastic gradient descent with momentum (optionally Nesterov's) and L2 weight decay.
    case sgd
    /// Adam with L2 weight decay added to the gradient.
    case adam
    /// Adam with decoupled weight decay (Loshchilov & Hutter): the weights shrink by lr · decay each step.
    case adamw
}

/// An optimiser's hyper-parameters.
public struct OptimizerSettings: Hashable, Sendable {
    public var kind: OptimizerKind
    /// The base learning rate (the schedule scales it).
    public var learningRate: Float
    /// SGD's momentum (0: none) and whether it is Nesterov's.
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    /// Adam's moment decay rates and the ε added to the root of the second moment.
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8

    public init(kind: OptimizerKind, learningRate: Float, momentum: Float = 0.9, nesterov: Bool = false, weightDecay: Float = 0) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }
}

/// An optimiser with its state: the step count and, per parameter tensor, its moment buffers (SGD: the
/// velocity; Adam: the first and second moments). Every update is element by element, so the result does not
/// depend on how the work is split across threads.
public struct Optimizer: Sendable {
    public var settings: OptimizerSettings
    /// Updates applied so far.
    public var step = 0
    /// Moment buffers by node path: for each of the layer's weight and bias, SGD keeps one (velocity), Adam two
    /// (first, second moment), in that order — weight's first.
    public var moments: [NodePath: [[Float]]] = [:]

    public init(_ settings: OptimizerSettings) { self.settings = settings }

    /// Buffers each parameter tensor keeps.
    public var buffersPerTensor: Int {
        switch settings.kind {
        case .sgd: settings.momentum == 0 ? 0 : 1
        case .adam, .adamw: 2
        }
    }

    /// Moves every parameter against its gradient at `learningRate`.
    public mutating func update(
        _ parameters: inout [NodePath: LayerParameters], gradients: [NodePath: LayerGradients], learningRate: Float
    ) {
        step += 1
        for path in gradients.keys.sorted() {
            guard var p = parameters[path], let g = gradients[path] else { continue }
            let buffers = buffersPerTensor
            var state =
                moments[path]
                ?? ([p.weight.count] + (p.bias.map { [$0.count] } ?? [])).flatMap { count in
                    Array(repeating: [Float](repeating: 0, count: count), count: buffers)
                }
            apply(to: &p.weight, gradient: g.weight, state: &state, first: 0, learningRate: learningRate)
            if p.bias != nil, let bias = g.bias {
                apply(to: &p.bias!, gradient: bias, state: &state, first: buffers, learningRate: learningRate)
            }
            parameters[path] = p
            moments[path] = state
        }
    }

    /// One tensor's update, its buffers at `state[first...]`.
    private func apply(to values: inout [Float], gradient: [Float], state: inout [[Float]], first: Int, learningRate lr: Float) {
        let s = settings, decay = s.weightDecay
        switch s.kind {
        case .sgd:
            guard s.momentum != 0 else {
                Self.elementwise(&values, gradient) { p, g in p -= lr * (g + decay * p) }
                return
            }
            let momentum = s.momentum, nesterov = s.nesterov
            Self.elementwise(&values, gradient, &state[first]) { p, g, v in
                let d = g + decay * p
                v = momentum * v + d
                p -= lr * (nesterov ? d + momentum * v : v)
            }
        case .adam, .adamw:
            let (beta1, beta2, epsilon) = (s.beta1, s.beta2, s.epsilon)
            let correction1 = 1 - pow(beta1, Float(step)), correction2 = 1 - pow(beta2, Float(step))
            let decoupled = s.kind == .adamw
            var second = state[first + 1]
            Self.elementwise(&values, gradient, &state[first], &second) { p, g, m, v in
                if decoupled { p -= lr * decay * p }
                let d = decoupled ? g : g + decay * p
                m = beta1 * m + (1 - beta1) * d
                v = beta2 * v + (1 - beta2) * d * d
                p -= lr * (m / correction1) / ((v / correction2).squareRoot() + epsilon)
            }
            state[first + 1] = second
        }
    }

    private static func elementwise(_ values: inout [Float], _ gradient: [Float], _ body: (inout Float, Float) -> Void) {
        values.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeBufferPointer { g in
                Kernels.forEachRange(count: p.count) { range in for i in range { body(&p[i], g[i]) } }
            }
        }
    }

    private static func elementwise(
        _ values: inout [Float], _ gradient: [Float], _ a: inout [Float], _ body: (inout Float, Float, inout Float) -> Void
    ) {
        values.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeBufferPointer { g in
                a.withUnsafeMutableBufferPointer { a in
                    Kernels.forEachRange(count: p.count) { range in for i in range { body(&p[i], g[i], &a[i]) } }
                }
            }
        }
    }

    private static func elementwise(
        _ values: inout [Float], _ gradient: [Float], _ a: inout [Float], _ b: inout [Float],
        _ body: (inout Float, Float, inout Float, inout Float) -> Void
    ) {
        values.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeBufferPointer { g in
                a.withUnsafeMutableBufferPointer { a in
                    b.withUnsafeMutableBufferPointer { b in
                        Kernels.forEachRange(count: p.count) { range in for i in range { body(&p[i], g[i], &a[i], &b[i]) } }
                    }
                }
            }
        }
    }
}

/// How the learning rate moves over a run: a shape over the steps after a linear warm-up.
public struct LearningRateSchedule: Hashable, Sendable {
    public enum Shape: Hashable, Sendable {
        /// The base rate throughout.
        case constant
        /// The rate times `factor` every `epochs` epochs.
        case step(epochs: Int, factor: Float)
        /// Half a cosine from the base rate down to 0 at the last step.
        case cosine
    }

    public var shape: Shape
    /// Steps of linear warm-up from base/warmup to the base rate.
    public var warmupSteps: Int

    public init(_ shape: Shape = .constant, warmupSteps: Int = 0) {
        self.shape = shape
        self.warmupSteps = warmupSteps
    }

    /// The rate for step `step` (from 0) of `totalSteps`, with `stepsPerEpoch` steps to an epoch.
    public func rate(base: Float, step: Int, totalSteps: Int, stepsPerEpoch: Int) -> Float {
        if step < warmupSteps { return base * Float(step + 1) / Float(warmupSteps) }
        switch shape {
        case .constant:
            return base
        case .step(let epochs, let factor):
            return base * pow(factor, Float(step / max(stepsPerEpoch, 1) / max(epochs, 1)))
        case .cosine:
            let span = max(totalSteps - warmupSteps, 1)
            let progress = Double(step - warmupSteps) / Double(span)
            return base * Float(0.5 * (1 + cos(Double.pi * min(progress, 1))))
        }
    }

    /// Reads `constant`, `step:EPOCHS` or `step:EPOCHS:FACTOR` (factor 0.1 when left out), or `cosine`; nil
    /// for anything else.
    public static func parseShape(_ text: String) -> Shape? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts[0] {
        case "constant" where parts.count == 1: return .constant
        case "cosine" where parts.count == 1: return .cosine
        case "step" where parts.count == 2 || parts.count == 3:
            guard let epochs = Int(parts[1]), epochs > 0 else { return nil }
            let factor = parts.count == 3 ? Float(parts[2]) : 0.1
            guard let factor, factor > 0, factor.isFinite else { return nil }
            return .step(epochs: epochs, factor: factor)
        default: return nil
        }
    }

    /// The spelling `parseShape` reads.
    public var shapeText: String {
        switch shape {
        case .constant: "constant"
        case .cosine: "cosine"
        case .step(let epochs, let factor): "step:\(epochs):\(formatShortest(factor))"
        }
    }
}
