import Foundation
import Testing

@testable import ConvEngine

@Suite struct ImageInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var file: String
        var shape: Shape
        var expected: [Float]
        var testDescription: String { name }
    }

    /// Every expected value is worked out by hand from the file's samples.
    static let cases: [Case] = [
        Case(
            name: "4×4 → 2×2 averages 2×2 blocks",
            file: "P2 4 4 15  0 1 2 3  4 5 6 7  8 9 10 11  12 13 14 15",
            shape: Shape(channels: 1, height: 2, width: 2),
            expected: [2.5 / 15, 4.5 / 15, 10.5 / 15, 12.5 / 15]),
        Case(
            name: "same size is unchanged",
            file: "P2 3 2 5  0 1 2  3 4 5",
            shape: Shape(channels: 1, height: 2, width: 3),
            expected: [0, 0.2, 0.4, 0.6, 0.8, 1]),
        Case(
            name: "4 wide × 2 high → 2×2 keeps the centre two columns",
            file: "P2 4 2 7  0 1 2 3  4 5 6 7",
            shape: Shape(channels: 1, height: 2, width: 2),
            expected: [1.0 / 7, 2.0 / 7, 5.0 / 7, 6.0 / 7]),
        Case(
            name: "3 wide → 2 wide crops half a pixel each side",
            file: "P2 3 1 2  0 1 2",
            shape: Shape(channels: 1, height: 1, width: 2),
            expected: [0.25, 0.75]),
        Case(
            name: "2 wide → 4 wide interpolates bilinearly, edges clamped",
            file: "P2 2 1 1  0 1",
            shape: Shape(channels: 1, height: 1, width: 4),
            expected: [0, 0.25, 0.75, 1]),
        Case(
            name: "4×4 → one row (1-D) averages the middle two rows in pairs",
            file: "P2 4 4 15  0 1 2 3  4 5 6 7  8 9 10 11  12 13 14 15",
            shape: Shape(channels: 1, height: 1, width: 2),
            expected: [(4 + 5 + 8 + 9) / 60.0, (6 + 7 + 10 + 11) / 60.0]),
        Case(
            name: "RGB → luminance (BT.601)",
            file: "P3 3 1 255  255 0 0  0 255 0  0 0 255",
            shape: Shape(channels: 1, height: 1, width: 3),
            expected: [0.299, 0.587, 0.114]),
        Case(
            name: "grey → RGB repeats the grey",
            file: "P2 2 1 4  1 3",
            shape: Shape(channels: 3, height: 1, width: 2),
            expected: [0.25, 0.75, 0.25, 0.75, 0.25, 0.75]),
        Case(
            name: "RGB stays RGB, channel-major",
            file: "P3 2 1 10  1 2 3  4 5 6",
            shape: Shape(channels: 3, height: 1, width: 2),
            expected: [0.1, 0.4, 0.2, 0.5, 0.3, 0.6]),
    ]

    @Test(arguments: cases)
    func loads(_ testCase: Case) throws {
        try withTemporaryFolder("input-tests") { folder in
            let path = writeInputTestFile(Array(testCase.file.utf8), named: "image.pgm", in: folder)
            let tensor = try ImageInput.load(path: path, shape: testCase.shape)
            #expect(tensor.shape == testCase.shape)
            let difference = inputMaxDifference(tensor.data, testCase.expected)
            #expect(difference < 1e-6, "maxdiff = \(difference)")
        }
    }

    @Test func areaWeightsSumToOneAndStayInside() {
        for (source, target) in [(451, 128), (300, 96), (7, 3), (3, 7), (1, 5), (5, 1)] {
            let scale = Double(target) / Double(source)
            for taps in Resampling.weights(source: source, target: target, scale: scale) {
                let total = taps.reduce(0) { $0 + $1.weight }
                #expect(abs(total - 1) < 1e-5, "\(source) → \(target): weights sum to \(total)")
                #expect(taps.allSatisfy { (0..<source).contains($0.index) })
            }
        }
    }

    struct Failure: CustomTestStringConvertible, Sendable {
        var name: String
        var file: [UInt8]?
        var shape: Shape
        var message: String
        var testDescription: String { name }
    }

    static let failures: [Failure] = [
        Failure(
            name: "missing file", file: nil, shape: Shape(channels: 1, height: 4, width: 4),
            message: "FOLDER/image.pgm: no such file — check the image path (it is relative to the preset's folder)"),
        Failure(
            name: "bad magic", file: Array("GIF89a".utf8), shape: Shape(channels: 1, height: 4, width: 4),
            message: "FOLDER/image.pgm: starts with bytes 47 49 46 38 (\"GIF8\"), which is not PGM (P2/P5), "
                + "PPM (P3/P6) or PNG — convert the image to PNG or PPM"),
        Failure(
            name: "empty file", file: [], shape: Shape(channels: 1, height: 4, width: 4),
            message: "FOLDER/image.pgm: starts with nothing (the file is empty), which is not PGM (P2/P5), "
                + "PPM (P3/P6) or PNG — convert the image to PNG or PPM"),
        Failure(
            name: "truncated", file: Array("P6 2 2 255\n".utf8) + [1, 2, 3, 4, 5], shape: Shape(channels: 3, height: 2, width: 2),
            message: "FOLDER/image.pgm: PPM (P6) data is truncated: expected 12 bytes of pixel data but found 5 — "
                + "the file is cut short, re-export the image"),
        Failure(
            name: "two channels", file: Array("P2 1 1 1 1".utf8), shape: Shape(channels: 2, height: 4, width: 4),
            message: "FOLDER/image.pgm: the input asks for 2 channels but an image gives 1 (luminance) or 3 (RGB) — "
                + "set the input's channels to 1 or 3"),
        Failure(
            name: "zero width", file: Array("P2 1 1 1 1".utf8), shape: Shape(channels: 1, height: 4, width: 0),
            message: "FOLDER/image.pgm: input shape 1×4×0 must have every size ≥ 1 — "
                + "set channels, height and width to positive numbers"),
    ]

    @Test(arguments: failures)
    func failsWithASentence(_ failure: Failure) throws {
        try withTemporaryFolder("input-tests") { folder in
            let path = folder + "/image.pgm"
            if let bytes = failure.file { writeInputTestFile(bytes, named: "image.pgm", in: folder) }
            do throws(InputError) {
                let tensor = try ImageInput.load(path: path, shape: failure.shape)
                Issue.record("loaded \(tensor.shape) instead of failing")
            } catch {
                #expect(error.path == path)
                #expect(error.description == failure.message.replacingOccurrences(of: "FOLDER", with: folder))
            }
        }
    }

    @Test func folderIsUnreadable() throws {
        try withTemporaryFolder("input-tests") { folder in
            #expect(throws: InputError.unreadable(path: folder, reason: "it is a folder, not a regular file")) {
                try ImageInput.load(path: folder, shape: Shape(channels: 1, height: 2, width: 2))
            }
        }
    }

    /// The `edges` preset's photograph: 128×96, so loading at that size is the file's own luminance.
    @Test func chelseaLoadsAsAPicture() throws {
        let path = inputTestRepositoryRoot + "/presets/chelsea.ppm"
        let grey = try ImageInput.load(path: path, shape: Shape(channels: 1, height: 96, width: 128))
        let count = Float(grey.data.count)
        let mean = grey.data.reduce(0, +) / count
        let deviation = (grey.data.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / count).squareRoot()
        #expect(mean > 0.1 && mean < 0.9, "mean \(mean)")
        #expect(deviation > 0.05, "the picture is nearly flat: standard deviation \(deviation)")
        // NumPy gave mean 0.46496 and standard deviation 0.11521 for the same BT.601 luminance.
        #expect(abs(mean - 0.46496) < 1e-4, "mean \(mean)")
        #expect(abs(deviation - 0.11521) < 1e-4, "standard deviation \(deviation)")
        let colour = try ImageInput.load(path: path, shape: Shape(channels: 3, height: 32, width: 32))
        #expect(colour.shape == Shape(channels: 3, height: 32, width: 32))
        #expect(Array(colour.plane(0)) != Array(colour.plane(2)), "the colour picture came out grey")
    }
}
