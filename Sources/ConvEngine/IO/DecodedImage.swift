/// A decoded picture: `height × width` pixels of `channels` samples (1 grey or 3 RGB), interleaved row by
/// row (`(y·W + x)·C + c`), each in [0, 1]. The common form every file reader returns.
public struct DecodedImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var samples: [Float]

    /// The sample at row `y`, column `x`, channel `c`.
    subscript(y: Int, x: Int, c: Int) -> Float {
        samples[(y * width + x) * channels + c]
    }
}

/// The image formats the readers know, detected from a file's first bytes.
enum ImageFormat: Equatable, Sendable {
    case netpbm, png

    /// PNG's eight-byte signature.
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The format the bytes start with, or `nil` when they start like none of them.
    init?(magic bytes: [UInt8]) {
        if bytes.count >= 8, Array(bytes.prefix(8)) == ImageFormat.pngSignature {
            self = .png
        } else if bytes.count >= 2, bytes[0] == UInt8(ascii: "P"),
            [UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "5"), UInt8(ascii: "6")].contains(bytes[1])
        {
            self = .netpbm
        } else {
            return nil
        }
    }
}

/// The memory an image may take while it is decoded and fitted: checked from the header's sizes before any
/// pixel memory is allocated, so a 19-byte header cannot ask for 51 GB.
struct DecodeBudget {
    let path: String
    let memoryCap: Int

    /// Bytes per sample on the way to a tensor: the 8- or 16-bit sample, its Float, and a Float plane.
    static let bytesPerSample = 2 + 4 + 4

    /// Throws unless `width × height × channels` samples fit the cap; returns the sample count.
    func check(width: Int, height: Int, channels: Int, format: String) throws(InputError) -> Int {
        let count = try? Checked.product(width, height, channels, of: "samples")
        let bytes = count.flatMap { try? Checked.product($0, Self.bytesPerSample, of: "bytes") }
        guard let count, let bytes, bytes <= memoryCap else {
            throw .overMemoryCap(path: path, what: "decoding the \(width)×\(height) \(format) image", bytes: bytes, cap: memoryCap)
        }
        return count
    }
}
