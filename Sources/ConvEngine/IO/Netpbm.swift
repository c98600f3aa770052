/// Reads Netpbm grey maps (PGM: P2 plain, P5 raw) and pixel maps (PPM: P3 plain, P6 raw) with any
/// maxval 1…65535 (raw samples are one byte below 256, two big-endian bytes from 256) and `#` comments.
enum Netpbm {
    /// Decodes the whole file's bytes; `path` only names the file in errors. The header's size is checked
    /// against `memoryCap` and against the bytes that follow before the samples are allocated.
    static func decode(_ bytes: [UInt8], path: String, memoryCap: Int = defaultMemoryCap) throws(InputError) -> DecodedImage {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P") else {
            throw .unsupportedFormat(path: path, magic: describeMagic(bytes))
        }
        let kind = bytes[1]
        let channels: Int, plain: Bool, format: String
        switch kind {
        case UInt8(ascii: "2"): (channels, plain, format) = (1, true, "PGM (P2)")
        case UInt8(ascii: "5"): (channels, plain, format) = (1, false, "PGM (P5)")
        case UInt8(ascii: "3"): (channels, plain, format) = (3, true, "PPM (P3)")
        case UInt8(ascii: "6"): (channels, plain, format) = (3, false, "PPM (P6)")
        default: throw .unsupportedFormat(path: path, magic: describeMagic(bytes))
        }

        var reader = TokenReader(bytes: bytes, position: 2)
        func headerNumber(_ name: String, range: ClosedRange<Int>) throws(InputError) -> Int {
            guard let token = reader.nextToken() else {
                throw .truncated(
                    path: path, format: format, expected: 3, found: reader.tokensRead,
                    unit: "header numbers (width, height, maxval)")
            }
            guard let value = Int(token), range.contains(value) else {
                throw .malformed(
                    path: path, format: format,
                    reason: "\(name) is \"\(token)\" but must be a whole number in \(range.lowerBound)…\(range.upperBound)")
            }
            return value
        }
        let width = try headerNumber("width", range: 1...65_535)
        let height = try headerNumber("height", range: 1...65_535)
        let maxval = try headerNumber("maxval", range: 1...65_535)
        let count = try DecodeBudget(path: path, memoryCap: memoryCap).check(
            width: width, height: height, channels: channels, format: format)
        let scale = 1 / Float(maxval)
        // Exactly one whitespace byte separates maxval from a raw raster; a plain sample takes two bytes at least.
        let start = reader.position + 1
        let bytesPerSample = maxval < 256 ? 1 : 2
        let available = max(0, bytes.count - start)
        if !plain && available < count * bytesPerSample {
            throw .truncated(
                path: path, format: format, expected: count * bytesPerSample, found: available, unit: "bytes of pixel data")
        }
        // A plain file holds at most one sample per two bytes: a short file cannot make it allocate more.
        var samples = [Float](repeating: 0, count: plain ? min(count, (bytes.count - reader.position) / 2 + 1) : count)

        if plain {
            for i in 0..<count {
                guard i < samples.count, let token = reader.nextToken() else {
                    throw .truncated(path: path, format: format, expected: count, found: i, unit: "samples")
                }
                guard let value = Int(token), (0...maxval).contains(value) else {
                    throw .malformed(
                        path: path, format: format,
                        reason: "sample \(i) is \"\(token)\" but must be a whole number in 0…\(maxval)")
                }
                samples[i] = Float(value) * scale
            }
        } else {
            for i in 0..<count {
                let value: Int
                if bytesPerSample == 1 {
                    value = Int(bytes[start + i])
                } else {
                    value = Int(bytes[start + 2 * i]) << 8 | Int(bytes[start + 2 * i + 1])
                }
                guard value <= maxval else {
                    throw .malformed(path: path, format: format, reason: "sample \(i) is \(value), above maxval \(maxval)")
                }
                samples[i] = Float(value) * scale
            }
        }
        return DecodedImage(width: width, height: height, channels: channels, samples: samples)
    }

    /// Splits Netpbm text into whitespace-separated tokens, skipping `#` comments to the end of the line.
    struct TokenReader {
        let bytes: [UInt8]
        /// Just past the last token read.
        var position: Int
        var tokensRead = 0

        /// The next token, or `nil` at the end of the bytes.
        mutating func nextToken() -> String? {
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "#") {
                    while position < bytes.count, bytes[position] != 0x0A, bytes[position] != 0x0D { position += 1 }
                } else if Self.isWhitespace(byte) {
                    position += 1
                } else {
                    break
                }
            }
            guard position < bytes.count else { return nil }
            let start = position
            while position < bytes.count, !Self.isWhitespace(bytes[position]), bytes[position] != UInt8(ascii: "#") {
                position += 1
            }
            tokensRead += 1
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        static func isWhitespace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
        }
    }
}
