/// A batch of images of one shape, stored channel-major with the batch inside each channel — (C, N, H, W):
/// channel c of image n is the plane at (c·N + n)·H·W — so every per-channel kernel runs on a batch as on one
/// image with N times the positions, and a batch of one is exactly a `Tensor`'s layout.
public struct Batch: Equatable, Sendable {
    /// One image's shape.
    public var shape: Shape
    /// Images in the batch.
    public var count: Int
    public var data: [Float]

    /// A batch of `count` images of `shape` filled with `value`.
    public init(shape: Shape, count: Int, repeating value: Float = 0) {
        self.shape = shape
        self.count = count
        self.data = [Float](repeating: value, count: shape.elementCount * count)
    }

    /// Wraps `data`, already in the batch layout.
    public init(shape: Shape, count: Int, data: [Float]) {
        precondition(data.count == shape.elementCount * count, "batch data \(data.count) does not fill \(count) × \(shape)")
        self.shape = shape
        self.count = count
        self.data = data
    }

    /// The images as one batch; they must share one shape.
    public init(images: [Tensor]) {
        let shape = images.first?.shape ?? Shape(channels: 0, height: 0, width: 0)
        self.init(shape: shape, count: images.count)
        for (n, image) in images.enumerated() {
            precondition(image.shape == shape, "image \(n) is \(image.shape), the batch's images are \(shape)")
            setImage(n, from: image.data)
        }
    }

    /// Image `n` as a tensor.
    public func image(_ n: Int) -> Tensor {
        let plane = shape.planeSize
        var values = [Float](repeating: 0, count: shape.elementCount)
        for c in 0..<shape.channels {
            let from = (c * count + n) * plane
            values.replaceSubrange((c * plane)..<((c + 1) * plane), with: data[from..<(from + plane)])
        }
        return Tensor(shape: shape, data: values)
    }

    /// Overwrites image `n` with `values`, one image in (C, H, W) order.
    public mutating func setImage(_ n: Int, from values: some Collection<Float>) {
        let plane = shape.planeSize
        precondition(values.count == shape.elementCount, "an image of \(shape) has \(shape.elementCount) values, not \(values.count)")
        var source = values.startIndex
        for c in 0..<shape.channels {
            let end = values.index(source, offsetBy: plane)
            data.replaceSubrange(((c * count + n) * plane)..<((c * count + n + 1) * plane), with: values[source..<end])
            source = end
        }
    }
}
