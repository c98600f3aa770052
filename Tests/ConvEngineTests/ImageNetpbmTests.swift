import Testing

@testable import ConvEngine

@Suite struct ImageNetpbmTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var width: Int, height: Int, channels: Int
        var expected: [Float]
        var testDescription: String { name }
    }

    static func text(_ string: String) -> [UInt8] { Array(string.utf8) }

    static let cases: [Case] = [
        Case(
            name: "P2 3×2 maxval 255 with comments",
            bytes: text("P2\n# a comment\n3 2 # trailing comment\n255\n0 51 102\n153 204 255\n"),
            width: 3, height: 2, channels: 1, expected: [0, 0.2, 0.4, 0.6, 0.8, 1]),
        Case(
            name: "P2 2×1 maxval 65535",
            bytes: text("P2 2 1 65535 65535 13107"),
            width: 2, height: 1, channels: 1, expected: [1, 0.2]),
        Case(
            name: "P5 2×2 maxval 255",
            bytes: text("P5\n2 2\n255\n") + [0, 51, 204, 255],
            width: 2, height: 2, channels: 1, expected: [0, 0.2, 0.8, 1]),
        Case(
            name: "P5 2×1 maxval 65535, big-endian",
            bytes: text("P5 2 1 65535\n") + [0x33, 0x33, 0xFF, 0xFF],
            width: 2, height: 1, channels: 1, expected: [0.2, 1]),
        Case(
            name: "P3 2×1 maxval 15",
            bytes: text("P3\n2 1\n15\n15 0 0   0 5 15\n"),
            width: 2, height: 1, channels: 3, expected: [1, 0, 0, 0, 1.0 / 3, 1]),
        Case(
            name: "P6 2×1 maxval 255",
            bytes: text("P6\n# comment\n2 1\n255\n") + [255, 0, 51, 0, 102, 255],
            width: 2, height: 1, channels: 3, expected: [1, 0, 0.2, 0, 0.4, 1]),
        Case(
            name: "P6 1×2 maxval 65535",
            bytes: text("P6 1 2 65535\n") + [0xFF, 0xFF, 0x00, 0x00, 0x33, 0x33, 0x00, 0x00, 0x66, 0x66, 0xFF, 0xFF],
            width: 1, height: 2, channels: 3, expected: [1, 0, 0.2, 0, 0.4, 1]),
        Case(
            name: "P5 whose raster starts with a whitespace byte value",
            bytes: text("P5 2 1 255\n") + [0x0A, 0x20],
            width: 2, height: 1, channels: 1, expected: [10.0 / 255, 32.0 / 255]),
    ]

    @Test(arguments: cases)
    func decodes(_ testCase: Case) throws {
        let image = try Netpbm.decode(testCase.bytes, path: "t.pnm")
        #expect(image.width == testCase.width && image.height == testCase.height && image.channels == testCase.channels)
        let difference = inputMaxDifference(image.samples, testCase.expected)
        #expect(difference < 1e-6, "maxdiff = \(difference)")
    }

    struct Failure: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var error: InputError
        var testDescription: String { name }
    }

    static let failures: [Failure] = [
        Failure(
            name: "raw data cut short", bytes: text("P5 2 2 255\n") + [1, 2, 3],
            error: .truncated(path: "t.pgm", format: "PGM (P5)", expected: 4, found: 3, unit: "bytes of pixel data")),
        Failure(
            name: "16-bit raw data cut short", bytes: text("P6 1 1 1000\n") + [0, 1, 0, 2],
            error: .truncated(path: "t.pgm", format: "PPM (P6)", expected: 6, found: 4, unit: "bytes of pixel data")),
        Failure(
            name: "plain samples missing", bytes: text("P3 1 1 255 1 2"),
            error: .truncated(path: "t.pgm", format: "PPM (P3)", expected: 3, found: 2, unit: "samples")),
        Failure(
            name: "header cut short", bytes: text("P2 4"),
            error: .truncated(
                path: "t.pgm", format: "PGM (P2)", expected: 3, found: 1,
                unit: "header numbers (width, height, maxval)")),
        Failure(
            name: "maxval 0", bytes: text("P2 1 1 0 0"),
            error: .malformed(
                path: "t.pgm", format: "PGM (P2)",
                reason: "maxval is \"0\" but must be a whole number in 1…65535")),
        Failure(
            name: "maxval too big", bytes: text("P5 1 1 70000\n") + [0, 0],
            error: .malformed(
                path: "t.pgm", format: "PGM (P5)",
                reason: "maxval is \"70000\" but must be a whole number in 1…65535")),
        Failure(
            name: "width not a number", bytes: text("P2 x 1 255 0"),
            error: .malformed(
                path: "t.pgm", format: "PGM (P2)",
                reason: "width is \"x\" but must be a whole number in 1…65535")),
        Failure(
            name: "plain sample above maxval", bytes: text("P2 2 1 10 3 11"),
            error: .malformed(
                path: "t.pgm", format: "PGM (P2)",
                reason: "sample 1 is \"11\" but must be a whole number in 0…10")),
        Failure(
            name: "raw 16-bit sample above maxval", bytes: text("P5 1 1 300\n") + [0x01, 0x2D],
            error: .malformed(path: "t.pgm", format: "PGM (P5)", reason: "sample 0 is 301, above maxval 300")),
        Failure(
            name: "PAM (P7) is not supported", bytes: text("P7\nWIDTH 1\n"),
            error: .unsupportedFormat(path: "t.pgm", magic: "bytes 50 37 0A 57 (\"P7.W\")")),
    ]

    @Test(arguments: failures)
    func rejects(_ failure: Failure) {
        #expect(throws: failure.error) { try Netpbm.decode(failure.bytes, path: "t.pgm") }
    }
}
