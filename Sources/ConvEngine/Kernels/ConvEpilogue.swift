import CKernels

/// An activation a conv can apply in its own pass: into a buffer of its own (the activation node's output), so
/// the separate pass over memory disappears while both outputs stay there to look at.
public enum FusedActivation: Hashable, Sendable {
    /// max(x, 0), NaN gives 0, as `Kernels.relu`.
    case relu
    /// min(max(x, minimum), maximum), NaN stays, as `Kernels.clip` (ReLU6 is 0, 6).
    case clip(minimum: Float, maximum: Float)

    /// The C kernels' description.
    var descriptor: ck_activation {
        switch self {
        case .relu: ck_activation(kind: CK_ACTIVATION_RELU, minimum: 0, maximum: 0)
        case .clip(let minimum, let maximum): ck_activation(kind: CK_ACTIVATION_CLIP, minimum: minimum, maximum: maximum)
        }
    }

    /// Applies the activation to `count` values, from `input` to `output`, on the calling thread.
    func apply(count: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        switch self {
        case .relu: ck_relu(count, input, output)
        case .clip(let minimum, let maximum): ck_clip(count, minimum, maximum, input, output)
        }
    }
}

extension ck_activation {
    /// No activation: what a kernel that can fuse one is given when nothing follows it.
    static let none = ck_activation(kind: CK_ACTIVATION_NONE, minimum: 0, maximum: 0)
}

extension ck_output_epilogue {
    /// Nothing after the conv's own values (computed: a pointer-holding C struct is not Sendable).
    static var none: ck_output_epilogue { ck_output_epilogue(addend: nil, activation: .none) }

    /// The same epilogue for the part of the output that starts `offset` floats in (a group's, a piece's).
    func advanced(by offset: Int) -> ck_output_epilogue {
        ck_output_epilogue(addend: addend.map { $0 + offset }, activation: activation)
    }
}

extension Kernels {
    /// Whether `conv2d` on `g` (its weight packed when `packed`) takes a fused residual add into its own store and
    /// stores each output value once, right after reading the addend there, so the addend may be the output buffer
    /// itself: not a depthwise conv (its add is a pass of its own), not a pointwise GEMM on an unpacked weight
    /// (stores nothing fused), and K in one block (`ck_conv_stores_each_output_once`).
    static func convStoresAddInPlace(_ g: ConvGeometry, packed: Bool) -> Bool {
        guard !g.isDepthwise, packed || !g.isPlainGEMM else { return false }
        var desc = convDescriptor(g)
        return ck_conv_stores_each_output_once(&desc) != 0
    }
}

/// One node after a conv that the conv computes in its own pass at inference (`LayerKind.epilogueOperation`).
public enum EpilogueOperation: Hashable, Sendable {
    /// y = x · gain[c] + offset[c] on channel c: batch norm with its running statistics.
    case affine(gain: [Float], offset: [Float])
    case activation(FusedActivation)
    /// A residual add merge: the sum of the block's parts in branch order, this chain's value standing for part
    /// `at`; the others (`count` parts in all) are given when the conv runs.
    case add(at: Int, count: Int)
}

/// What a conv writes after its own output, piece by piece, right after the thread that computed a piece wrote
/// it (so it is still in cache): each step reads the previous step's output (the conv's for the first) and writes
/// its own buffer — the outputs of the nodes the forward plan fused into the conv, every one kept — or, in an
/// inference plan, the same buffer (every step may write in place).
public struct ConvEpilogue {
    public var steps: [(operation: EpilogueOperation, output: UnsafeMutablePointer<Float>)]
    /// The other parts of each `.add` step, in branch order (nil where the chain's own value goes).
    public var addends: [[UnsafePointer<Float>?]]

    public init(steps: [(operation: EpilogueOperation, output: UnsafeMutablePointer<Float>)], addends: [[UnsafePointer<Float>?]] = []) {
        self.steps = steps
        self.addends = addends
    }

    /// The leading steps a conv kernel applies in its own store when they write over the conv's own output (an
    /// inference plan): a two-part residual add, then an activation, or the activation alone. Returns them as the
    /// C kernels take them and how many steps they cover; the epilogue then starts at `consumed`. The kernel adds
    /// conv + addend, the same two values the `.add` step's `ck_add` sums (addition commutes bit for bit); a sum
    /// of three or more parts stays a step of its own. The addend is another value of the plan, which nothing else
    /// writes while the conv runs; it may be the conv's output buffer itself only when `addendMayBeOutput`
    /// (`Kernels.convStoresAddInPlace`).
    func fusedStore(
        inPlaceOf convOutput: UnsafeMutablePointer<Float>, addendMayBeOutput: Bool = false
    ) -> (store: ck_output_epilogue, consumed: Int) {
        var store = ck_output_epilogue.none, consumed = 0
        if let first = steps.first, first.output == convOutput, case .add(let at, count: 2) = first.operation,
            let parts = addends.first, parts.count == 2, parts[at] == nil, let addend = parts[1 - at],
            addendMayBeOutput || addend != UnsafePointer(convOutput)
        {
            store.addend = addend
            consumed = 1
        }
        if consumed < steps.count, steps[consumed].output == convOutput, case .activation(let activation) = steps[consumed].operation {
            store.activation = activation.descriptor
            consumed += 1
        }
        return (store, consumed)
    }

    /// Runs steps `firstStep...` on channels `channels`, `count` values from position `start` of each `planeSize`
    /// plane; `convOutput` is what the first of them reads. A block of channels (about 32 KB of each step's
    /// values) goes through every step before the next block, so what one step writes is still in L1 when the
    /// next reads it.
    func apply(
        channels: Range<Int>, start: Int, count: Int, planeSize: Int, convOutput: UnsafePointer<Float>, from firstStep: Int = 0
    ) {
        let firstAdd = steps[..<firstStep].filter { if case .add = $0.operation { true } else { false } }.count
        let blockSize = max(1, 8192 / max(count, 1))
        for blockStart in stride(from: channels.lowerBound, to: channels.upperBound, by: blockSize) {
            let block = blockStart..<min(blockStart + blockSize, channels.upperBound)
            var source = firstStep == 0 ? convOutput : UnsafePointer(steps[firstStep - 1].output)
            var addStep = firstAdd
            for (operation, output) in steps[firstStep...] {
                switch operation {
                case .affine(let gain, let offset):
                    for c in block {
                        let at = c * planeSize + start
                        Kernels.affine(count: count, gain: gain[c], offset: offset[c], input: source + at, output: output + at)
                    }
                case .activation(let activation):
                    for c in block {
                        let at = c * planeSize + start
                        activation.apply(count: count, input: source + at, output: output + at)
                    }
                case .add:
                    for c in block {
                        let at = c * planeSize + start
                        Self.sum(addends[addStep], own: source, offset: at, count: count, into: output + at)
                    }
                    addStep += 1
                }
                source = UnsafePointer(output)
            }
        }
    }

    /// y = parts[0] + parts[1] + … in that order, each part read from `offset` (nil stands for `own`), value by
    /// value: y may be one of the parts (an inference plan writes a chain's steps in place), since each value is
    /// read before it is written. Allocates nothing: it runs once per channel.
    static func sum(
        _ parts: [UnsafePointer<Float>?], own: UnsafePointer<Float>, offset: Int, count: Int, into y: UnsafeMutablePointer<Float>
    ) {
        func part(_ index: Int) -> UnsafePointer<Float> { (parts[index] ?? own) + offset }
        if parts.count == 2 {
            ck_add(count, part(0), part(1), y)
            return
        }
        for i in 0..<count {
            var total = part(0)[i]
            for index in 1..<parts.count { total += part(index)[i] }
            y[i] = total
        }
    }
}
