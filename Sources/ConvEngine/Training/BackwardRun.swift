/// How a forward pass treats the layers that behave differently while learning.
public enum ForwardMode: Hashable, Sendable {
    /// Running averages in batch norm, dropout as the identity: what `run` and the playground compute.
    case inference
    /// Batch statistics in batch norm, and dropout masks drawn from `seed` (the trainer gives every layer and
    /// step its own), so a step can be recomputed bit for bit.
    case training(seed: UInt64)

    /// The seed of a training pass, nil at inference.
    public var trainingSeed: UInt64? { if case .training(let seed) = self { seed } else { nil } }
}

/// One layer's backward pass over a batch: what its forward pass read and wrote, the loss gradient of its
/// output, and where the gradients go. All tensors are in the batch layout of `LayerRun`, parameters in their
/// own (PyTorch) layout. Gradients are written, never accumulated: the caller sums where a value fans out.
public struct BackwardRun {
    /// The forward pass's input, output and settings.
    public var forward: LayerRun
    /// ∂loss/∂output, shaped like the output.
    public var outputGradient: UnsafePointer<Float>
    /// ∂loss/∂input, shaped like the input; nil when nothing before the layer needs it.
    public var inputGradient: UnsafeMutablePointer<Float>?
    /// ∂loss/∂weight and ∂loss/∂bias (batch norm: γ and β), shaped like `parameters.weight` and `.bias`.
    public var weightGradient: UnsafeMutablePointer<Float>?
    public var biasGradient: UnsafeMutablePointer<Float>?
    /// Scratch memory shared by the layers of one backward pass.
    public var workspace: Workspace

    public var input: UnsafePointer<Float> { forward.input }
    public var output: UnsafePointer<Float> { UnsafePointer(forward.output) }
    public var io: LayerIO { forward.io }
    public var parameters: LayerParameters? { forward.parameters }
    public var batch: Int { forward.batch }
    public var mode: ForwardMode { forward.mode }
    public var inputPositions: Int { forward.inputPositions }

    public init(
        forward: LayerRun, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
        weightGradient: UnsafeMutablePointer<Float>? = nil, biasGradient: UnsafeMutablePointer<Float>? = nil,
        workspace: Workspace
    ) {
        self.forward = forward
        self.outputGradient = outputGradient
        self.inputGradient = inputGradient
        self.weightGradient = weightGradient
        self.biasGradient = biasGradient
        self.workspace = workspace
    }

    /// Writes ∂input = f(x, y, ∂y) value by value (element-wise layers), split across the kernel threads.
    @inline(__always)
    func mapGradient(_ f: (_ x: Float, _ y: Float, _ dy: Float) -> Float) {
        guard let dx = inputGradient else { return }
        let x = input, y = output, dy = outputGradient
        Kernels.forEachRange(count: forward.inputCount) { range in
            for i in range { dx[i] = f(x[i], y[i], dy[i]) }
        }
    }
}

extension LayerRun {
    /// Values in the whole batch's input.
    public var inputCount: Int { batch * io.input.elementCount }
    /// Values in the whole batch's output.
    public var outputCount: Int { batch * io.output.elementCount }
    /// Positions per input channel across the batch: N·H·W, the plane a per-channel kernel sees.
    public var inputPositions: Int { batch * io.input.planeSize }
}

/// Scratch memory a backward pass reuses from layer to layer (a convolution's im2col matrix, a dense layer's
/// transposed input): a few slots, each grown on demand and never shrunk. One per pass, never shared between
/// threads that run passes.
public final class Workspace {
    private var slots: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []

    public init() {}
    deinit { for slot in slots { slot.pointer.deallocate() } }

    /// `count` floats of slot `slot`, valid until the next call for that slot; the contents are undefined.
    public func floats(_ count: Int, slot: Int = 0) -> UnsafeMutablePointer<Float> {
        while slots.count <= slot { slots.append((UnsafeMutablePointer<Float>.allocate(capacity: 1), 1)) }
        if slots[slot].capacity < count {
            slots[slot].pointer.deallocate()
            slots[slot] = (UnsafeMutablePointer<Float>.allocate(capacity: count), count)
        }
        return slots[slot].pointer
    }

    /// Bytes held by every slot.
    public var bytes: Int { slots.reduce(0) { $0 + $1.capacity } * MemoryLayout<Float>.size }
}
