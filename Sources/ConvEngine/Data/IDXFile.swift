/// LeCun's IDX format (MNIST, Fashion-MNIST, and the shipped digits): two zero bytes, a type byte (0x08:
/// unsigned bytes, the only one read here), the number of dimensions, each dimension as a big-endian 32-bit
/// integer, then the values row by row.
public enum IDXFile {
    /// The dimensions and values of the unsigned-byte IDX file at `path` with `dimensions` axes, the file read
    /// within `cap` bytes.
    static func read(_ path: String, dimensions: Int, cap: Int, used: Int = 0) throws(DataError) -> (sizes: [Int], values: [UInt8]) {
        try decode(try DataFile.read(path, cap: cap, used: used), path: path, dimensions: dimensions, cap: cap, used: used)
    }

    /// The dimensions and values of an unsigned-byte IDX file's `bytes` with `dimensions` axes (`path` names it in
    /// errors). Every header size is checked against the file and against `cap` before anything is allocated.
    public static func decode(_ bytes: [UInt8], path: String, dimensions: Int, cap: Int, used: Int = 0) throws(DataError) -> (
        sizes: [Int], values: [UInt8]
    ) {
        let expected =
            "an IDX file of unsigned bytes with \(dimensions) dimension\(dimensions == 1 ? "" : "s") (magic 00 00 08 0\(dimensions))"
        guard bytes.count >= 4 else { throw .truncated(path: path, expected: 4 + 4 * dimensions, found: bytes.count) }
        guard bytes[0] == 0, bytes[1] == 0, bytes[2] == 0x08, Int(bytes[3]) == dimensions else {
            throw .badMagic(path: path, found: bytes.prefix(4).map { hex($0) }.joined(separator: " "), expected: expected)
        }
        let header = 4 + 4 * dimensions
        guard bytes.count >= header else { throw .truncated(path: path, expected: header, found: bytes.count) }
        let sizes = (0..<dimensions).map { d in
            (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * d + $1]) }
        }
        let count = try DataFile.product(sizes, path: path, field: "a dimension", cap: cap, used: used)
        let (total, _) = header.addingReportingOverflow(count)
        guard bytes.count >= total else { throw .truncated(path: path, expected: total, found: bytes.count) }
        guard bytes.count == total else { throw .trailingBytes(path: path, extra: bytes.count - total) }
        return (sizes, Array(bytes[header...]))
    }

    /// Writes an unsigned-byte IDX file (for tests and for making data sets by hand).
    static func encode(sizes: [Int], values: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, 0x08, UInt8(sizes.count)]
        for size in sizes { bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: size >> $0) } }
        return bytes + values
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}

extension Dataset {
    /// The digits' and MNIST's class names, by label.
    public static let digitClasses = (0..<10).map(String.init)

    /// An images file (N × H × W) and a labels file (N) in IDX, labels below `classes`.
    static func idx(images: String, labels: String, classNames: [String], scale: Float, cap: Int, used: Int = 0) throws(DataError)
        -> Dataset
    {
        let (sizes, pixels) = try IDXFile.read(images, dimensions: 3, cap: cap, used: used)
        let (labelSizes, labelBytes) = try IDXFile.read(labels, dimensions: 1, cap: cap, used: used + pixels.count)
        guard sizes[0] == labelSizes[0] else {
            throw .countMismatch(images: images, imageCount: sizes[0], labels: labels, labelCount: labelSizes[0])
        }
        if let bad = labelBytes.firstIndex(where: { Int($0) >= classNames.count }) {
            throw .labelOutOfRange(path: labels, index: bad, label: Int(labelBytes[bad]), classes: classNames.count)
        }
        return Dataset(
            source: images, shape: Shape(channels: 1, height: sizes[1], width: sizes[2]), classNames: classNames, pixels: pixels,
            labels: labelBytes.map(Int.init), scale: scale)
    }

    /// MNIST or Fashion-MNIST in `directory`: train-images-idx3-ubyte, train-labels-idx1-ubyte for training and
    /// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte held out (the format's own test set).
    public static func mnist(directory: String, cap: Int) throws(DataError) -> DataSplit {
        func set(_ prefix: String, used: Int) throws(DataError) -> Dataset {
            try idx(
                images: directory + "/\(prefix)-images-idx3-ubyte", labels: directory + "/\(prefix)-labels-idx1-ubyte",
                classNames: digitClasses,
                scale: 1 / 255, cap: cap, used: used)
        }
        // One budget for both sets: the held-out set gets what the training set left.
        let training = try set("train", used: 0)
        return DataSplit(training: training, heldOut: try set("t10k", used: training.bytes + training.count))
    }

    /// scikit-learn's 8×8 handwritten digits (1,797 images, values 0–16), shipped in `presets/data` as IDX;
    /// every fifth image of each digit held out.
    public static func digits(directory: String) throws(DataError) -> DataSplit {
        let data = try idx(
            images: directory + "/digits-images-idx3-ubyte", labels: directory + "/digits-labels-idx1-ubyte",
            classNames: digitClasses, scale: 1 / 16, cap: 1 << 20)
        return DataSplit.everyFifth(data)
    }
}
