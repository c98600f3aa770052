import Foundation

/// Labelled images in memory, one byte per sample: image i is `shape.elementCount` bytes in (C, H, W) order,
/// its values `byte · scale` (1/255 for 8-bit images, 1/16 for the 8×8 digits). Kept as bytes so CIFAR-10's
/// 50,000 training images take 150 MB, not 600.
public struct Dataset: Sendable {
    /// Where the images came from, for messages.
    public var source: String
    /// One image's shape as stored.
    public var shape: Shape
    /// Class names, by label.
    public var classNames: [String]
    public var pixels: [UInt8]
    public var labels: [Int]
    /// Multiplies a stored byte into an input value.
    public var scale: Float

    public init(source: String, shape: Shape, classNames: [String], pixels: [UInt8], labels: [Int], scale: Float) {
        precondition(pixels.count == labels.count * shape.elementCount, "\(pixels.count) bytes for \(labels.count) images of \(shape)")
        self.source = source
        self.shape = shape
        self.classNames = classNames
        self.pixels = pixels
        self.labels = labels
        self.scale = scale
    }

    /// Images in the set.
    public var count: Int { labels.count }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) -> Dataset {
        let size = shape.elementCount
        var bytes = [UInt8]()
        bytes.reserveCapacity(indices.count * size)
        for i in indices { bytes += pixels[(i * size)..<((i + 1) * size)] }
        return Dataset(
            source: source, shape: shape, classNames: classNames, pixels: bytes, labels: indices.map { labels[$0] }, scale: scale)
    }

    /// Image `i` as input values of `target`: scaled, and when the shapes differ converted (grey ↔ RGB) and
    /// resampled to cover the target as a preset's image input is. `flipped` mirrors it left to right.
    public func image(_ i: Int, as target: Shape, flipped: Bool = false) -> [Float] {
        let size = shape.elementCount
        let bytes = pixels[(i * size)..<((i + 1) * size)]
        var values: [Float]
        if target == shape {
            values = bytes.map { Float($0) * scale }
        } else {
            var samples = [Float](repeating: 0, count: size)
            let plane = shape.planeSize
            for (k, byte) in bytes.enumerated() {
                let c = k / plane, p = k % plane
                samples[p * shape.channels + c] = min(Float(byte) * scale, 1)
            }
            let decoded = DecodedImage(width: shape.width, height: shape.height, channels: shape.channels, samples: samples)
            values = ImageInput.fit(decoded, to: target).data
        }
        if flipped {
            let width = target.width
            for row in 0..<(target.channels * target.height) { values[(row * width)..<((row + 1) * width)].reverse() }
        }
        return values
    }

    /// Bytes the images take.
    public var bytes: Int { pixels.count }
}

/// A data set cut in two: what the network learns from, and what it is measured on.
public struct DataSplit: Sendable {
    public var training: Dataset
    public var heldOut: Dataset

    public init(training: Dataset, heldOut: Dataset) {
        self.training = training
        self.heldOut = heldOut
    }

    /// Every fifth image of each class (the 5th, 10th, …, in file order) held out: a fifth of the set, the same on
    /// every run, each class in proportion.
    public static func everyFifth(_ data: Dataset) -> DataSplit {
        var seen = [Int](repeating: 0, count: max(data.classNames.count, (data.labels.max() ?? 0) + 1))
        var training: [Int] = [], heldOut: [Int] = []
        for (i, label) in data.labels.enumerated() {
            seen[label] += 1
            if seen[label] % 5 == 0 { heldOut.append(i) } else { training.append(i) }
        }
        return DataSplit(training: data.subset(training), heldOut: data.subset(heldOut))
    }
}

/// Reads a whole data file after checking its size against the data-set cap.
enum DataFile {
    /// The whole file at `path` through `FileReader` (a regular file, never waited on), at most the `cap` less the
    /// `used` bytes earlier files of the set took (a refusal names the whole set's bytes and the whole cap).
    static func read(_ path: String, cap: Int, used: Int = 0) throws(DataError) -> [UInt8] {
        do { return try FileReader.contents(of: path, limit: max(cap - used, 0)) } catch {
            switch error {
            case .notFound: throw .notFound(path: path, expected: "check the path")
            case .tooLarge(let bytes, _): throw .tooLarge(path: path, bytes: bytes + used, cap: cap)
            default: throw .unreadable(path: path, error)
            }
        }
    }

    /// `a · b`, or a `badSize` error when it overflows, or a `tooLarge` one when it passes `cap` less `used`.
    static func product(_ sizes: [Int], path: String, field: String, cap: Int, used: Int = 0) throws(DataError) -> Int {
        var total = 1
        for size in sizes {
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow, size > 0 else { throw .badSize(path: path, field: field, value: overflow ? Int.max : size) }
            total = product
        }
        guard total <= cap - used else { throw .tooLarge(path: path, bytes: total + used, cap: cap) }
        return total
    }
}
