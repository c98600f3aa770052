/// The shape of one activation: channels × height × width (batch 1). A 1-D signal is `C×1×W`.
public struct Shape: Hashable, Sendable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Number of scalars in a tensor of this shape.
    public var elementCount: Int { channels * height * width }
    /// Spatial positions per channel (H·W).
    public var planeSize: Int { height * width }
    /// `[C, H, W]`, the order used by JSON output and `.npy` files.
    public var dimensions: [Int] { [channels, height, width] }
    /// "192×32×32".
    public var description: String { "\(channels)×\(height)×\(width)" }
}

/// A Float32 tensor in channel-major `C×H×W` order; element (c, y, x) sits at `(c·H + y)·W + x`.
public struct Tensor: Equatable, Sendable {
    public var shape: Shape
    public var data: [Float]

    /// A tensor of the given shape filled with `value`.
    public init(shape: Shape, repeating value: Float = 0) {
        self.shape = shape
        self.data = [Float](repeating: value, count: shape.elementCount)
    }

    /// Wraps `data`, which must hold exactly `shape.elementCount` values.
    public init(shape: Shape, data: [Float]) {
        precondition(data.count == shape.elementCount, "tensor data \(data.count) does not fill \(shape)")
        self.shape = shape
        self.data = data
    }

    /// The value at channel `c`, row `y`, column `x`.
    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { data[(c * shape.height + y) * shape.width + x] }
        set { data[(c * shape.height + y) * shape.width + x] = newValue }
    }

    /// One channel's plane as a flat `H·W` slice.
    public func plane(_ c: Int) -> ArraySlice<Float> {
        data[(c * shape.planeSize)..<((c + 1) * shape.planeSize)]
    }
}
