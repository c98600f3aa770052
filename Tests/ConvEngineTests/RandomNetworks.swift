@testable import ConvEngine

/// Randomly drawn networks (seeded, so every run draws the same ones) over every layer type and the awkward
/// geometry: strides larger than kernels, Caffe and PyTorch ceil pools with and without padding, averages that
/// count or skip padding, LRN with α or β 0 or negative β, grouped and dilated convs, `same` padding, concat and
/// residual blocks (nested, with empty branches), flatten, dense and softmax. What the exporters are tested on
/// besides the presets.
enum RandomNetworks {
    /// The network drawn from `seed`; draws are repeated until shape inference accepts one.
    static func make(seed: UInt64) -> Network {
        var rng = SplitMix64(seed: seed &* 0x9E37_79B9 &+ 17)
        while true {
            var draw = Draw(rng: rng)
            let network = draw.network(name: "random-\(seed)", seed: seed)
            rng = draw.rng
            if (try? network.inferShapes()) != nil { return network }
        }
    }

    /// The seeds the export tests use.
    static let seeds: [UInt64] = Array(1...40)

    private struct Draw {
        var rng: SplitMix64
        var counter = 0

        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(rng.next() % UInt64(range.count)) }
        mutating func pick<T>(_ options: [T]) -> T { options[int(0...(options.count - 1))] }
        mutating func name(_ prefix: String) -> String {
            counter += 1
            return "\(prefix)\(counter)"
        }

        mutating func network(name: String, seed: UInt64) -> Network {
            let channels = int(1...6)
            var shape = Shape(channels: channels, height: int(5...19), width: int(5...19))
            let input = shape
            var nodes: [Node] = []
            for _ in 0..<int(3...7) { nodes.append(node(&shape, depth: 0)) }
            if int(0...2) > 0 {
                if int(0...1) == 0 { nodes.append(Node(self.name("flatten"), Flatten())) }
                nodes.append(Node(self.name("dense"), Dense(outFeatures: int(2...9), hasBias: int(0...3) > 0)))
                if int(0...1) == 0 { nodes.append(Node(self.name("softmax"), Softmax())) }
            }
            return Network(
                name: name, input: InputSpec(shape: input), initialization: Initialization(scheme: .he, seed: seed), nodes: nodes)
        }

        /// A node taking `shape`; `shape` becomes its output (approximately: inference has the last word).
        mutating func node(_ shape: inout Shape, depth: Int) -> Node {
            switch int(0...(depth < 2 ? 11 : 9)) {
            case 0, 1: return conv(&shape)
            case 2, 3: return pool(&shape)
            case 4: return Node(name("act"), pick([Layer(ReLU()), Layer(Sigmoid()), Layer(Tanh()), Layer(HardSwish())]))
            case 5: return Node(name("act"), pick([Layer(LeakyReLU(slope: 0.2)), Layer(Clip(minimum: -0.5, maximum: 0.7))]))
            case 6:
                let c = shape.channels
                var stats = BatchNorm.Statistics(mean: [], variance: [], scale: [], shift: [])
                for _ in 0..<c {
                    stats.mean.append(rng.nextNormal() * 0.3)
                    stats.variance.append(0.5 + rng.nextUnit())
                    stats.scale.append(0.5 + rng.nextUnit())
                    stats.shift.append(rng.nextNormal() * 0.2)
                }
                return Node(name("bn"), BatchNorm(epsilon: 1e-3, statistics: stats))
            case 7:
                return Node(
                    name("lrn"),
                    LocalResponseNorm(size: pick([1, 3, 5]), alpha: pick([0, 1e-4, 0.3]), beta: pick([0, 0.75, -0.5]), k: pick([1, 2])))
            case 8: return Node(name("drop"), pick([Layer(Dropout(rate: 0.3)), Layer(Lateral())]))
            case 9: return Node(name("gap"), GlobalAveragePool())
            default: return block(&shape, depth: depth)
            }
        }

        mutating func conv(_ shape: inout Shape) -> Node {
            let k = int(1...4), s = int(1...3), d = int(0...3) == 0 ? 2 : 1
            let groups = pick([1, 1, 1, shape.channels].filter { shape.channels % $0 == 0 })
            let out = groups * int(1...3)
            let padding: Padding = int(0...3) == 0 ? .same : .explicit(Size2(int(0...k - 1), int(0...k - 1)))
            let conv = Conv(
                outChannels: out, kernel: Size2(k, int(1...4)), stride: Size2(s, int(1...3)), padding: padding, dilation: Size2(d),
                groups: groups, hasBias: int(0...3) > 0)
            shape.channels = out
            return Node(name("conv"), conv)
        }

        mutating func pool(_ shape: inout Shape) -> Node {
            let k = int(1...4)
            let pool = Pool(
                kind: pick([.max, .average]), kernel: Size2(k, int(1...4)), stride: Size2(int(1...4), int(1...4)),
                padding: Size2(int(0...k - 1), 0), rounding: pick(Pool.Rounding.allCases), countsPadding: int(0...1) == 0)
            return Node(
                name("pool"),
                pool.kind == .max
                    ? Pool(kind: .max, kernel: pool.kernel, stride: pool.stride, padding: pool.padding, rounding: pool.rounding) : pool)
        }

        /// A concat block of 2–3 branches, or a residual add whose branches keep the shape (one may be empty).
        mutating func block(_ shape: inout Shape, depth: Int) -> Node {
            let name = self.name("block")
            if int(0...1) == 0 {
                var branches: [[Node]] = []
                var channels = 0
                for _ in 0..<int(2...3) {
                    var branchShape = shape
                    let k = pick([1, 3])
                    var branch = [
                        Node(self.name("conv"), Conv(outChannels: int(1...4), kernel: Size2(k), padding: .explicit(Size2(k / 2))))
                    ]
                    branchShape.channels = branch[0].layer!.as(Conv.self)!.outChannels
                    if int(0...1) == 0 { branch.append(Node(self.name("relu"), ReLU())) }
                    if int(0...2) == 0 {
                        branch.append(Node(self.name("pool"), Pool(kind: .max, kernel: Size2(3), stride: Size2(1), padding: Size2(1))))
                    }
                    channels += branchShape.channels
                    branches.append(branch)
                }
                shape.channels = channels
                return Node(name, parallel: ParallelBlock(branches: branches, merge: .concat))
            }
            var branches: [[Node]] = [[]]
            for _ in 0..<int(1...2) {
                var branch = [Node(self.name("conv"), Conv(outChannels: shape.channels, kernel: Size2(3), padding: .same))]
                if int(0...1) == 0 { branch.append(Node(self.name("act"), Tanh())) }
                if depth < 1 && int(0...2) == 0 {
                    var inner = shape
                    branch.append(block(&inner, depth: depth + 1))
                    if inner != shape { branch.removeLast() }
                }
                branches.append(branch)
            }
            if int(0...1) == 0 { branches.removeFirst() }
            return Node(name, parallel: ParallelBlock(branches: branches, merge: .add))
        }
    }
}
