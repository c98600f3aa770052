import Foundation
import Testing

@testable import ConvEngine

/// Every data format from small files built here, good and broken: what is read, and the sentence a broken file
/// gets. Plus the shipped digits, the synthetic shapes and the --data spellings.
@Suite struct DataTests {
    static func write(_ bytes: [UInt8], _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Writes an MNIST-style set into `dir`: `count` 3×2 images with pixel (i, k) = 10·i + k and labels i mod 10, for
    /// train and t10k.
    static func writeMNIST(to dir: String, count: Int = 4, labels: [UInt8]? = nil) throws {
        for prefix in ["train", "t10k"] {
            let pixels = (0..<count).flatMap { i in (0..<6).map { UInt8(10 * i + $0) } }
            try write(IDXFile.encode(sizes: [count, 3, 2], values: pixels), dir + "/\(prefix)-images-idx3-ubyte")
            try write(
                IDXFile.encode(sizes: [count], values: labels ?? (0..<count).map { UInt8($0 % 10) }), dir + "/\(prefix)-labels-idx1-ubyte")
        }
    }

    @Test func mnistReadsImagesAndLabels() throws {
        try withTemporaryFolder("data-mnist") { dir in
            try Self.writeMNIST(to: dir)
            let split = try Dataset.mnist(directory: dir, cap: 1 << 20)
            #expect(split.training.count == 4 && split.heldOut.count == 4)
            #expect(split.training.shape == Shape(channels: 1, height: 3, width: 2))
            #expect(split.training.labels == [0, 1, 2, 3])
            #expect(
                largestDifference(split.training.image(2, as: split.training.shape), [20, 21, 22, 23, 24, 25].map { Float($0) / 255 })
                    < 1e-7)
            // mirrored left to right, row by row
            let flipped = split.training.image(2, as: split.training.shape, flipped: true)
            #expect(largestDifference(flipped, [21, 20, 23, 22, 25, 24].map { Float($0) / 255 }) < 1e-7)
        }
    }

    struct Broken: CustomTestStringConvertible, Sendable {
        let name: String
        /// Rewrites the train images (nil: leave) and labels (nil: leave) of a good folder.
        let images: (@Sendable ([UInt8]) -> [UInt8])?
        let labels: (@Sendable ([UInt8]) -> [UInt8])?
        /// The sentence, with DIR for the folder.
        let message: String
        var testDescription: String { name }
    }

    static let broken: [Broken] = [
        Broken(
            name: "truncated images", images: { Array($0.dropLast(5)) }, labels: nil,
            message: "DIR/train-images-idx3-ubyte: truncated: the header promises 40 bytes but the file has 35 — download the file again"),
        Broken(
            name: "gzip-compressed", images: { [0x1F, 0x8B, 0x08, 0x00] + $0 }, labels: nil,
            message:
                "DIR/train-images-idx3-ubyte: starts with 1f 8b 08 00, not an IDX file of unsigned bytes with 3 dimensions (magic 00 00 08 03) — point at the uncompressed IDX file (gunzip the .gz download)"
        ),
        Broken(
            name: "trailing bytes", images: { $0 + [1, 2] }, labels: nil,
            message:
                "DIR/train-images-idx3-ubyte: 2 bytes after the data its header describes — the file is not what its header says, download it again"
        ),
        Broken(
            name: "a zero dimension",
            images: {
                var b = $0
                b[11] = 0
                return b
            }, labels: nil,
            message: "DIR/train-images-idx3-ubyte: a dimension is 0, which cannot be right — the header is damaged, download the file again"
        ),
        Broken(
            name: "a huge dimension",
            images: {
                var b = $0
                b[4...7] = [0x7F, 0xFF, 0xFF, 0xFF]
                return b
            }, labels: nil,
            message:
                "DIR/train-images-idx3-ubyte: loading it takes 12.0 GiB, over the 1.0 MiB data-set cap — use a smaller set or raise --data-cap"
        ),
        Broken(
            name: "label out of range", images: nil,
            labels: {
                var b = $0
                b[b.count - 1] = 12
                return b
            },
            message: "DIR/train-labels-idx1-ubyte: label 3 is 12, but the set has 10 classes (0 to 9) — the file is damaged"),
        Broken(
            name: "counts disagree", images: nil, labels: { _ in IDXFile.encode(sizes: [3], values: [0, 1, 2]) },
            message:
                "DIR/train-images-idx3-ubyte holds 4 images but DIR/train-labels-idx1-ubyte holds 3 labels — use the two files of one set"),
    ]

    @Test(arguments: broken)
    func brokenIDXGetsOneSentence(_ case_: Broken) throws {
        try withTemporaryFolder("data-mnist") { dir in
            try Self.writeMNIST(to: dir)
            let images = dir + "/train-images-idx3-ubyte", labels = dir + "/train-labels-idx1-ubyte"
            if let change = case_.images { try Self.write(change([UInt8](try Data(contentsOf: URL(fileURLWithPath: images)))), images) }
            if let change = case_.labels { try Self.write(change([UInt8](try Data(contentsOf: URL(fileURLWithPath: labels)))), labels) }
            #expect {
                try Dataset.mnist(directory: dir, cap: 1 << 20)
            } throws: { error in
                "\(error)" == case_.message.replacingOccurrences(of: "DIR", with: dir)
            }
        }
    }

    @Test func missingMNISTFileIsNamed() throws {
        try withTemporaryFolder("data-empty") { dir in
            #expect {
                try Dataset.mnist(directory: dir, cap: 1 << 20)
            } throws: { "\($0)" == "\(dir)/train-images-idx3-ubyte: not found — check the path" }
        }
    }

    /// Writes a CIFAR-10 set into `dir`, `records` records per batch file: label r mod 10, pixel k of record r =
    /// (r + k) mod 256.
    static func writeCIFAR(to dir: String, records: Int = 2, label: UInt8? = nil) throws {
        func batch(_ count: Int) -> [UInt8] {
            var bytes: [UInt8] = []
            for r in 0..<count {
                bytes.append(label ?? UInt8(r % 10))
                for k in 0..<3072 { bytes.append(UInt8((k + r) % 256)) }
            }
            return bytes
        }
        try write(batch(records), dir + "/cifar-10-batches-bin/data_batch_1.bin")
        try write(batch(records), dir + "/cifar-10-batches-bin/data_batch_2.bin")
        try write(batch(1), dir + "/cifar-10-batches-bin/test_batch.bin")
    }

    @Test func cifar10ReadsEveryBatch() throws {
        try withTemporaryFolder("data-cifar") { dir in
            try Self.writeCIFAR(to: dir)
            let split = try Dataset.cifar10(directory: dir, cap: 1 << 24)
            #expect(split.training.count == 4 && split.heldOut.count == 1)
            #expect(split.training.labels == [0, 1, 0, 1])
            #expect(split.training.shape == Shape(channels: 3, height: 32, width: 32))
            #expect(split.training.pixels[3072 + 5] == 6, "record 1, red pixel 5")
            #expect(split.training.classNames[3] == "cat")
            // fitted to a grey 16×16 input: luminance, halved
            #expect(split.training.image(0, as: Shape(channels: 1, height: 16, width: 16)).count == 256)
        }
    }

    @Test func brokenCIFARGetsOneSentence() throws {
        try withTemporaryFolder("data-cifar") { root in
            let bad = root + "/bad", cut = root + "/cut", empty = root + "/empty"
            try Self.writeCIFAR(to: bad, label: 11)
            // Paths in messages are cut at 120 characters (`visible`), which a long $TMPDIR reaches.
            #expect {
                try Dataset.cifar10(directory: bad, cap: 1 << 24)
            } throws: {
                "\($0)"
                    == "\(visible(bad + "/cifar-10-batches-bin/data_batch_1.bin")): label 0 is 11, but the set has 10 classes (0 to 9) — the file is damaged"
            }
            try Self.writeCIFAR(to: cut)
            let path = cut + "/cifar-10-batches-bin/data_batch_2.bin"
            try Self.write(Array([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))).dropLast(100)), path)
            #expect {
                try Dataset.cifar10(directory: cut, cap: 1 << 24)
            } throws: {
                "\($0)" == "\(visible(path)): truncated: the header promises 6146 bytes but the file has 6046 — download the file again"
            }
            try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
            #expect {
                try Dataset.cifar10(directory: empty, cap: 1 << 24)
            } throws: {
                "\($0)" == "\(empty)/data_batch_1.bin: not found — a cifar10: folder holds data_batch_1.bin … and test_batch.bin"
            }
        }
    }

    /// Writes a `width`×`height` grey PGM filled with `value`.
    static func pgm(_ path: String, value: UInt8, width: Int = 4, height: Int = 3) throws {
        try write(Array("P5\n\(width) \(height)\n255\n".utf8) + [UInt8](repeating: value, count: width * height), path)
    }

    @Test func imageFolderReadsAClassPerSubfolder() throws {
        try withTemporaryFolder("data-images") { dir in
            for i in 0..<5 { try Self.pgm(dir + "/dark/\(i).pgm", value: 10) }
            for i in 0..<5 { try Self.pgm(dir + "/light/\(i).pgm", value: 250, width: 8, height: 6) }
            try Self.write(Array("not an image".utf8), dir + "/light/notes.txt")
            let split = try Dataset.imageFolder(directory: dir, shape: Shape(channels: 1, height: 2, width: 2), cap: 1 << 20)
            #expect(split.training.classNames == ["dark", "light"])
            #expect(split.training.count == 8 && split.heldOut.count == 2, "the fifth image of each class held out")
            #expect(split.heldOut.labels == [0, 1])
            #expect(
                largestDifference(
                    split.heldOut.image(1, as: Shape(channels: 1, height: 2, width: 2)), [Float](repeating: 250 / 255, count: 4))
                    < 1e-6)
        }
    }

    @Test func brokenImageFolderGetsOneSentence() throws {
        try withTemporaryFolder("data-images") { root in
            let dir = root + "/bad", single = root + "/one"
            try Self.pgm(dir + "/a/1.pgm", value: 1)
            try FileManager.default.createDirectory(atPath: dir + "/b", withIntermediateDirectories: true)
            let shape = Shape(channels: 1, height: 2, width: 2)
            #expect {
                try Dataset.imageFolder(directory: dir, shape: shape, cap: 1 << 20)
            } throws: { "\($0)" == "\(dir)/b: this class folder holds no PNG, PPM or PGM image — add images or remove the folder" }
            try Self.write(Array("P5\n4 3\n255\n".utf8) + [1, 2], dir + "/b/cut.pgm")
            #expect {
                try Dataset.imageFolder(directory: dir, shape: shape, cap: 1 << 20)
            } throws: {
                "\($0)"
                    == "\(dir)/b/cut.pgm: PGM (P5) data is truncated: expected 12 bytes of pixel data but found 2 — the file is cut short, re-export the image"
            }
            try Self.pgm(single + "/only/1.pgm", value: 1)
            #expect {
                try Dataset.imageFolder(directory: single, shape: shape, cap: 1 << 20)
            } throws: {
                "\($0)"
                    == "\(single): an image folder needs a subfolder per class, at least two; found 1 — put each class's images in its own subfolder"
            }
        }
    }

    /// scikit-learn's digits as shipped: 1,797 images of 8×8 in 0…16, about 180 of each digit.
    @Test func shippedDigits() throws {
        let split = try Dataset.digits(directory: ShippedPresets.folder + "/data")
        #expect(split.training.count + split.heldOut.count == 1797)
        #expect(split.heldOut.count == 355)
        #expect(split.training.shape == Shape(channels: 1, height: 8, width: 8))
        #expect(split.training.pixels.max() == 16)
        var counts = [Int](repeating: 0, count: 10)
        for label in split.training.labels + split.heldOut.labels { counts[label] += 1 }
        #expect(counts == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    }

    @Test func shapesAreSeededBalancedAndDistinct() throws {
        let shape = Shape(channels: 1, height: 16, width: 16)
        let a = try Dataset.shapes(shape: shape, count: 60, seed: 4, cap: 1 << 20) as Dataset
        let b = try Dataset.shapes(shape: shape, count: 60, seed: 4, cap: 1 << 20) as Dataset
        let c = try Dataset.shapes(shape: shape, count: 60, seed: 5, cap: 1 << 20) as Dataset
        #expect(a.pixels == b.pixels)
        #expect(a.pixels != c.pixels)
        #expect(a.labels == (0..<60).map { $0 % 6 })
        // the figure covers a fair share of the picture: pixels well away from the background (the corner)
        for i in 0..<12 {
            let values = a.image(i, as: shape), corner = (values[0] + values[1] + values[16] + values[17]) / 4
            let figure = values.filter { abs($0 - corner) > 0.15 }.count
            #expect(figure > 3 && figure < 200, "image \(i) (\(Dataset.shapeClasses[i % 6])): \(figure) figure pixels")
        }
        let split = try Dataset.shapes(shape: shape, count: 60, seed: 4, cap: 1 << 20) as DataSplit
        #expect(split.heldOut.count == 12 && split.heldOut.pixels != Array(a.pixels.prefix(12 * 256)))
    }

    @Test(arguments: [
        ("digits", DataSource.digits), ("shapes", .shapes(count: DataSource.defaultShapesCount)), ("shapes:500", .shapes(count: 500)),
        ("mnist:/data/m", .mnist(directory: "/data/m")), ("cifar10:c", .cifar10(directory: "c")), ("folder:a:b", .folder(directory: "a:b")),
    ])
    func dataSpellings(_ text: String, _ source: DataSource) throws {
        #expect(try DataSource(parsing: text) == source)
    }

    @Test(arguments: ["", "digit", "shapes:0", "shapes:x", "mnist", "mnist:", "imagenet:/x"])
    func badDataSpellings(_ text: String) {
        #expect {
            try DataSource(parsing: text)
        } throws: {
            "\($0)" == "--data \(text): unknown data — use digits, shapes, shapes:COUNT, mnist:DIR, cifar10:DIR or folder:DIR"
        }
    }
}
