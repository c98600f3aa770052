import Testing

@testable import ConvEngine

@Suite struct InputErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var error: InputError
        var message: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "file not found", error: .fileNotFound(path: "p/cat.png"),
            message: "p/cat.png: no such file — check the image path (it is relative to the preset's folder)"),
        Case(
            name: "unreadable", error: .unreadable(path: "p/cat.png", reason: "it is a folder, not a regular file"),
            message: "p/cat.png: cannot be read: it is a folder, not a regular file — point the input at a regular, readable image file"),
        Case(
            name: "unsupported format", error: .unsupportedFormat(path: "p/cat.jpg", magic: "bytes FF D8 FF E0 (\"....\")"),
            message: "p/cat.jpg: starts with bytes FF D8 FF E0 (\"....\"), which is not PGM (P2/P5), PPM (P3/P6) or PNG — "
                + "convert the image to PNG or PPM"),
        Case(
            name: "malformed", error: .malformed(path: "a.pgm", format: "PGM (P2)", reason: "maxval is \"0\" but must be 1…65535"),
            message: "a.pgm: not a valid PGM (P2) file: maxval is \"0\" but must be 1…65535 — re-export the image"),
        Case(
            name: "truncated", error: .truncated(path: "a.pgm", format: "PGM (P5)", expected: 4, found: 3, unit: "bytes of pixel data"),
            message: "a.pgm: PGM (P5) data is truncated: expected 4 bytes of pixel data but found 3 — "
                + "the file is cut short, re-export the image"),
        Case(
            name: "channels", error: .unsupportedChannels(path: "a.pgm", channels: 4),
            message: "a.pgm: the input asks for 4 channels but an image gives 1 (luminance) or 3 (RGB) — "
                + "set the input's channels to 1 or 3"),
        Case(
            name: "shape", error: .invalidShape(path: "a.pgm", shape: Shape(channels: 0, height: 2, width: 2)),
            message: "a.pgm: input shape 0×2×2 must have every size ≥ 1 — set channels, height and width to positive numbers"),
        Case(
            name: "image over the memory cap",
            error: .overMemoryCap(path: "big.ppm", what: "decoding the 65535×65535 PPM (P6) image", bytes: 128_842_751_250, cap: 2 << 30),
            message: "big.ppm: decoding the 65535×65535 PPM (P6) image would take 120.0 GiB, over the memory cap of 2.0 GiB — "
                + "use a smaller image or raise the cap (--memory-cap)"),
        Case(
            name: "input past what an Int counts",
            error: .overMemoryCap(path: "input", what: "the input 16777216×16777216×16777216", bytes: nil, cap: 2 << 30),
            message: "input: the input 16777216×16777216×16777216 would take more memory than any machine has, over the memory cap "
                + "of 2.0 GiB — use a smaller input shape or raise the cap (--memory-cap)"),
        Case(
            name: "control characters in a path", error: .fileNotFound(path: "p/\u{FEFF}c\nat.png"),
            message: "p/\\u{FEFF}c\\nat.png: no such file — check the image path (it is relative to the preset's folder)"),
    ]

    @Test(arguments: cases)
    func sentence(_ testCase: Case) {
        #expect(testCase.error.description == testCase.message)
        #expect(testCase.message.hasPrefix(visible(testCase.error.path) + ": "))
    }

    @Test func magicShowsHexAndText() {
        #expect(describeMagic([0xFF, 0xD8, 0xFF, 0xE0, 0x00]) == "bytes FF D8 FF E0 (\"....\")")
        #expect(describeMagic(Array("BM".utf8)) == "bytes 42 4D (\"BM\")")
        #expect(describeMagic([UInt8]()) == "nothing (the file is empty)")
    }
}
