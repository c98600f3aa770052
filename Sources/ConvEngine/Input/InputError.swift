/// Why a network input (an image file) could not be made, with the file's path and what to change.
public enum InputError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No file at `path`.
    case fileNotFound(path: String)
    /// The file exists but could not be read (a folder, no permission, …); `reason` is the system's.
    case unreadable(path: String, reason: String)
    /// The file's first bytes are not PGM, PPM or PNG; `magic` shows them.
    case unsupportedFormat(path: String, magic: String)
    /// The file claims a supported format but its header or data is invalid.
    case malformed(path: String, format: String, reason: String)
    /// The file ends before all samples the header promises.
    case truncated(path: String, format: String, expected: Int, found: Int, unit: String)
    /// The input asks for a channel count an image cannot give.
    case unsupportedChannels(path: String, channels: Int)
    /// The input shape has a size below 1.
    case invalidShape(path: String, shape: Shape)
    /// The input, the image file or its decoded pixels (`what`) would take `bytes` (`nil`: more than an `Int`
    /// counts), over the memory cap.
    case overMemoryCap(path: String, what: String, bytes: Int?, cap: Int)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .fileNotFound(let path), .unreadable(let path, _), .unsupportedFormat(let path, _),
            .malformed(let path, _, _), .truncated(let path, _, _, _, _), .unsupportedChannels(let path, _),
            .invalidShape(let path, _), .overMemoryCap(let path, _, _, _):
            return path
        }
    }

    /// One sentence: which file, what is wrong, and what to change.
    public var description: String {
        switch self {
        case let .fileNotFound(path):
            return "\(visible(path)): no such file — check the image path (it is relative to the preset's folder)"
        case let .unreadable(path, reason):
            return "\(visible(path)): cannot be read: \(reason) — point the input at a regular, readable image file"
        case let .unsupportedFormat(path, magic):
            return "\(visible(path)): starts with \(magic), which is not PGM (P2/P5), PPM (P3/P6) or PNG — "
                + "convert the image to PNG or PPM"
        case let .malformed(path, format, reason):
            return "\(visible(path)): not a valid \(format) file: \(reason) — re-export the image"
        case let .truncated(path, format, expected, found, unit):
            return "\(visible(path)): \(format) data is truncated: expected \(expected) \(unit) but found \(found) — "
                + "the file is cut short, re-export the image"
        case let .unsupportedChannels(path, channels):
            return "\(visible(path)): the input asks for \(channels) channels but an image gives 1 (luminance) or 3 (RGB) — "
                + "set the input's channels to 1 or 3"
        case let .invalidShape(path, shape):
            return "\(visible(path)): input shape \(shape) must have every size ≥ 1 — "
                + "set channels, height and width to positive numbers"
        case let .overMemoryCap(path, what, bytes, cap):
            return
                "\(visible(path)): \(what) would take \(bytes.map(formatBytes) ?? "more memory than any machine has"), over the memory cap of "
                + "\(formatBytes(cap)) — use a smaller \(path == "input" ? "input shape" : "image") or raise the cap (--memory-cap)"
        }
    }
}

/// The first bytes of a file as hex and printable text, e.g. `bytes 47 49 46 38 ("GIF8")`, or `nothing (the file is empty)`.
func describeMagic(_ bytes: some Collection<UInt8>) -> String {
    let head = Array(bytes.prefix(4))
    if head.isEmpty { return "nothing (the file is empty)" }
    let hex = head.map { byte in
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }.joined(separator: " ")
    let text = String(head.map { (0x20..<0x7F).contains($0) ? Character(UnicodeScalar($0)) : "." })
    return "bytes \(hex) (\"\(text)\")"
}
