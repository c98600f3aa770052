/// Why a network cannot run, with the node it happened at and what to change. Never a trap.
public enum ShapeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A field holds a value the layer cannot use (a zero size, a negative pad, …).
    case invalidValue(path: NodePath, name: String, field: String, value: String, requirement: String)
    /// A setting that must be given together with another one is missing; `hint` says what to add.
    case missingValue(path: NodePath, name: String, field: String, hint: String)
    /// The (dilated) kernel does not fit the padded input.
    case kernelTooLarge(path: NodePath, name: String, kernel: Size2, paddedInput: Size2)
    /// Channels do not split into the conv's groups.
    case groupsMismatch(path: NodePath, name: String, channels: Int, groups: Int, side: String)
    /// Hand-written parameters of the wrong length.
    case parameterCount(path: NodePath, name: String, tensor: String, expected: Int, got: Int)
    /// Concat branches whose outputs differ in height or width.
    case concatSpatialMismatch(path: NodePath, name: String, shapes: [Shape])
    /// Add branches whose outputs differ in shape.
    case addShapeMismatch(path: NodePath, name: String, shapes: [Shape])
    /// A parallel block without branches.
    case emptyBlock(path: NodePath, name: String)
    /// The input shape itself is impossible.
    case invalidInput(shape: Shape)
    /// Weights, activations, the input and kernel scratch together would pass the memory cap.
    case memoryCap(MemoryUse, cap: Int)
    /// A size or count passes what convplay can hold: `quantity` ("its weights") would be more than `limit`.
    /// `path` is `nil` for the network input and for whole-network totals.
    case tooLarge(path: NodePath?, name: String, quantity: String, limit: Int)
    /// A tensor read from the weights folder whose shape is not the one the layer computes with.
    case loadedShape(path: NodePath, name: String, file: String, expected: [Int], found: [Int])
    /// A tensor the layer computes with is missing from the weights folder.
    case loadedMissing(path: NodePath, name: String, tensor: String, folder: String)

    /// The node the error is about, `nil` for whole-network errors.
    public var path: NodePath? {
        switch self {
        case .invalidValue(let path, _, _, _, _), .missingValue(let path, _, _, _), .kernelTooLarge(let path, _, _, _),
            .groupsMismatch(let path, _, _, _, _), .parameterCount(let path, _, _, _, _),
            .concatSpatialMismatch(let path, _, _), .addShapeMismatch(let path, _, _), .emptyBlock(let path, _),
            .loadedShape(let path, _, _, _, _), .loadedMissing(let path, _, _, _):
            return path
        case .tooLarge(let path, _, _, _):
            return path
        case .invalidInput, .memoryCap:
            return nil
        }
    }

    /// "layers[3] (conv2): " — the node path and its name as written, shown as `visible` shows it.
    public static func place(_ path: NodePath, _ name: String) -> String { "\(path) (\(visible(name))): " }

    /// One sentence: where, what was expected, what was found, and what to change.
    public var description: String {
        switch self {
        case let .invalidValue(path, name, field, value, requirement):
            return "\(Self.place(path, name))\(field) is \(value) but must be \(requirement) — change \(field)"
        case let .missingValue(path, name, field, hint):
            return "\(Self.place(path, name))\(field) is missing — add \(hint)"
        case let .kernelTooLarge(path, name, kernel, padded):
            return "\(Self.place(path, name))kernel \(kernel.height)×\(kernel.width) is larger than its padded input "
                + "\(padded.height)×\(padded.width) — use a smaller kernel, more padding, or remove a downsampling layer before it"
        case let .groupsMismatch(path, name, channels, groups, side):
            return "\(Self.place(path, name))\(side) channels \(channels) do not split into \(groups) groups — "
                + "make the channel count a multiple of groups"
        case let .parameterCount(path, name, tensor, expected, got):
            return "\(Self.place(path, name))\(tensor) has \(got) values but the layer needs \(expected) — "
                + "write \(expected) values or remove them to draw them from the initialiser"
        case let .concatSpatialMismatch(path, name, shapes):
            return "\(Self.place(path, name))concat needs every branch at the same height × width but got "
                + shapes.map(\.description).joined(separator: ", ")
                + " — pad or stride the branches alike"
        case let .addShapeMismatch(path, name, shapes):
            return "\(Self.place(path, name))add needs every branch to have the same shape but got "
                + shapes.map(\.description).joined(separator: ", ")
                + " — add a 1×1 conv to the shorter branch to match channels, or match strides"
        case let .emptyBlock(path, name):
            return "\(Self.place(path, name))a parallel block needs at least one branch — add a branch or delete the block"
        case let .invalidInput(shape):
            return "input: shape \(shape) must have every size ≥ 1 — set channels, height and width to positive numbers"
        case let .memoryCap(use, cap):
            return "the network would need \(formatBytes(use.total)) (activations \(formatBytes(use.activations)), "
                + "parameters \(formatBytes(use.parameters)), kernel scratch \(formatBytes(use.scratch))), over the memory cap of "
                + "\(formatBytes(cap)) — use a smaller input or fewer channels, or raise the cap (--memory-cap)"
        case let .tooLarge(path, name, quantity, limit):
            let place = path.map { Self.place($0, name) } ?? ""
            let passed =
                limit == SizeLimits.tensorValues
                ? "would hold more than \(formatGrouped(limit)) values, the most one tensor can hold"
                : "would pass \(formatGrouped(limit)), the largest count convplay can hold"
            return place + "\(quantity) \(passed) — "
                + (path == nil ? "use a smaller input or fewer layers" : "use smaller sizes in this layer or a smaller input")
        case let .loadedShape(path, name, file, expected, found):
            return "\(Self.place(path, name))\(visible(file)) holds shape \(found) but the layer needs "
                + (expected.isEmpty ? "no such tensor" : "\(expected)") + " — "
                + "write the weights folder again for this network (convplay run --dump) or remove init.weights"
        case let .loadedMissing(path, name, tensor, folder):
            return "\(Self.place(path, name))the weights folder \(visible(folder)) has a weight but no \(tensor) for this layer — "
                + "write the weights folder again for this network (convplay run --dump) or remove init.weights"
        }
    }
}

/// What a network takes in memory, in bytes: the one budget the memory cap bounds.
public struct MemoryUse: Hashable, Sendable {
    /// The input and every node's cached output.
    public var activations = 0
    /// Weights, biases and running statistics, and what kernels keep beside them (packed conv weights).
    public var parameters = 0
    /// What the kernels borrow while they run, on every thread.
    public var scratch = 0

    public init(activations: Int = 0, parameters: Int = 0, scratch: Int = 0) {
        self.activations = activations
        self.parameters = parameters
        self.scratch = scratch
    }

    /// Everything together; `Int.max` when even that does not fit.
    public var total: Int { (try? Checked.sum(activations, parameters, scratch, of: "memory")) ?? .max }
}
