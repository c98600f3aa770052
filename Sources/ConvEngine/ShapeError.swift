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
    /// All cached activations together would pass the memory cap.
    case memoryCap(bytes: Int, cap: Int)

    /// The node the error is about, `nil` for whole-network errors.
    public var path: NodePath? {
        switch self {
        case .invalidValue(let path, _, _, _, _), .missingValue(let path, _, _, _), .kernelTooLarge(let path, _, _, _),
            .groupsMismatch(let path, _, _, _, _), .parameterCount(let path, _, _, _, _),
            .concatSpatialMismatch(let path, _, _), .addShapeMismatch(let path, _, _), .emptyBlock(let path, _):
            return path
        case .invalidInput, .memoryCap:
            return nil
        }
    }

    /// One sentence: where, what was expected, what was found, and what to change.
    public var description: String {
        switch self {
        case let .invalidValue(path, name, field, value, requirement):
            return "\(path) (\(name)): \(field) is \(value) but must be \(requirement) — change \(field)"
        case let .missingValue(path, name, field, hint):
            return "\(path) (\(name)): \(field) is missing — add \(hint)"
        case let .kernelTooLarge(path, name, kernel, padded):
            return "\(path) (\(name)): kernel \(kernel.height)×\(kernel.width) is larger than its padded input "
                + "\(padded.height)×\(padded.width) — use a smaller kernel, more padding, or remove a downsampling layer before it"
        case let .groupsMismatch(path, name, channels, groups, side):
            return "\(path) (\(name)): \(side) channels \(channels) do not split into \(groups) groups — "
                + "make the channel count a multiple of groups"
        case let .parameterCount(path, name, tensor, expected, got):
            return "\(path) (\(name)): \(tensor) has \(got) values but the layer needs \(expected) — "
                + "write \(expected) values or remove them to draw them from the initialiser"
        case let .concatSpatialMismatch(path, name, shapes):
            return "\(path) (\(name)): concat needs every branch at the same height × width but got "
                + shapes.map(\.description).joined(separator: ", ")
                + " — pad or stride the branches alike"
        case let .addShapeMismatch(path, name, shapes):
            return "\(path) (\(name)): add needs every branch to have the same shape but got "
                + shapes.map(\.description).joined(separator: ", ")
                + " — add a 1×1 conv to the shorter branch to match channels, or match strides"
        case let .emptyBlock(path, name):
            return "\(path) (\(name)): a parallel block needs at least one branch — add a branch or delete the block"
        case let .invalidInput(shape):
            return "input: shape \(shape) must have every size ≥ 1 — set channels, height and width to positive numbers"
        case let .memoryCap(bytes, cap):
            return "activations would take \(formatBytes(bytes)), over the memory cap of \(formatBytes(cap)) — "
                + "use a smaller input or raise the cap (--memory-cap)"
        }
    }
}
