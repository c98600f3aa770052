import Foundation

/// Why a `.npy` file could not be written or read, with the path and what to change.
public enum NpyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The values do not fill the shape.
    case shapeMismatch(path: String, shape: [Int], valueCount: Int)
    /// The file could not be written or renamed into place; `reason` is the system's.
    case writeFailed(path: String, reason: String)
    /// No file at `path`.
    case fileNotFound(path: String)
    /// The file exists but could not be read: not a regular file, too large, or the operating system's reason.
    case unreadable(path: String, FileReadError)
    /// The file does not start with `\x93NUMPY`; `magic` shows what it starts with.
    case notNpy(path: String, magic: String)
    /// The header is not the dictionary NumPy writes.
    case malformedHeader(path: String, reason: String)
    /// The element type is not little-endian float32 or float64.
    case unsupportedType(path: String, descr: String)
    /// The array is stored in Fortran (column-major) order.
    case fortranOrder(path: String)
    /// The file ends before all elements of `shape` (whose byte count may not even fit in an Int: `nil`).
    case truncated(path: String, shape: [Int], expectedBytes: Int?, foundBytes: Int)

    /// One sentence: which file, what is wrong, and what to change.
    public var description: String {
        switch self {
        case let .shapeMismatch(path, shape, count):
            let holds = (try? Checked.product(shape, of: "values")).map(String.init) ?? "more"
            return "\(visible(path)): shape \(shape) holds \(holds) values but \(count) were given — "
                + "pass as many values as the shape holds"
        case let .writeFailed(path, reason):
            return "\(visible(path)): cannot write (\(reason)) — check that the folder exists and is writable"
        case let .fileNotFound(path):
            return "\(visible(path)): no such file — check the path of the .npy file"
        case let .unreadable(path, error):
            return "\(visible(path)): cannot be read: \(error) — \(error.fix)"
        case let .notNpy(path, magic):
            return "\(visible(path)): starts with \(magic), not the .npy magic \\x93NUMPY — save the array with numpy.save"
        case let .malformedHeader(path, reason):
            return "\(visible(path)): the .npy header is invalid: \(reason) — save the array again with numpy.save"
        case let .unsupportedType(path, descr):
            return "\(visible(path)): element type '\(descr)' is not supported — save it as float32 "
                + "(numpy.save(path, array.astype('<f4')))"
        case let .fortranOrder(path):
            return "\(visible(path)): the array is in Fortran order — save numpy.ascontiguousarray(array) instead"
        case let .truncated(path, shape, expected, found):
            let needed = expected.map { "\($0) bytes" } ?? "more bytes than any file holds"
            return "\(visible(path)): its header promises shape \(shape) (\(needed)) but \(found) bytes of values follow — "
                + "the file is cut short or its header is wrong, write it again"
        }
    }
}

/// NumPy `.npy` files (format 1.0, little-endian float32, C order): what `convplay run --dump` writes and
/// weights folders hold, so arrays move to and from NumPy unchanged.
public enum Npy {
    /// Writes `values` (C order) with `shape` as `<f4` to `path`, atomically (a temporary file renamed into place).
    public static func write(_ values: [Float], shape: [Int], to path: String) throws(NpyError) {
        guard shape.allSatisfy({ $0 >= 0 }), (try? Checked.product(shape, of: "values")) == values.count else {
            throw .shapeMismatch(path: path, shape: shape, valueCount: values.count)
        }
        var bytes = header(descr: "<f4", shape: shape)
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        for value in values {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        do { try AtomicFile.write(bytes, to: path) } catch { throw .writeFailed(path: path, reason: error.reason) }
    }

    /// The 64-byte-aligned preamble NumPy 1.x writes: `\x93NUMPY`, version 1.0, the header length (UInt16 LE),
    /// then `{'descr': …, 'fortran_order': False, 'shape': (…), }` padded with spaces and ending in `\n`.
    static func header(descr: String, shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        let dictionary = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + dictionary.utf8.count + 1
        let padding = (64 - unpadded % 64) % 64
        let text = Array((dictionary + String(repeating: " ", count: padding) + "\n").utf8)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text
    }

    /// Reads a `.npy` file of `<f4` or `<f8` values in C order (versions 1.0–3.0); `<f8` is narrowed to Float.
    /// Reads at most `limit` bytes: a larger file is refused before it is read.
    public static func read(path: String, limit: Int = defaultMemoryCap) throws(NpyError) -> (shape: [Int], values: [Float]) {
        let bytes: [UInt8]
        do { bytes = try FileReader.contents(of: path, limit: limit) } catch {
            if error == .notFound { throw .fileNotFound(path: path) }
            throw .unreadable(path: path, error)
        }
        return try decode(bytes, path: path)
    }

    /// Decodes a whole `.npy` file's bytes; `path` only names the file in errors. The header's shape is checked
    /// against the bytes that follow it before anything is allocated from it.
    public static func decode(_ bytes: [UInt8], path: String) throws(NpyError) -> (shape: [Int], values: [Float]) {
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw .notNpy(path: path, magic: describeMagic(bytes))
        }
        let major = bytes[6]
        let lengthSize = major == 1 ? 2 : 4
        guard (1...3).contains(major), bytes.count >= 8 + lengthSize else {
            throw .malformedHeader(path: path, reason: "version \(major).\(bytes[7]) is not 1.0, 2.0 or 3.0")
        }
        var headerLength = 0
        for k in 0..<lengthSize { headerLength |= Int(bytes[8 + k]) << (8 * k) }
        let dataStart = 8 + lengthSize + headerLength
        guard bytes.count >= dataStart else {
            throw .malformedHeader(path: path, reason: "it promises \(headerLength) header bytes but the file ends first")
        }
        let text = String(decoding: bytes[(8 + lengthSize)..<dataStart], as: UTF8.self)
        let (descr, fortran, shape) = try parseHeader(text, path: path)
        guard !fortran else { throw .fortranOrder(path: path) }
        let width: Int
        switch descr {
        case "<f4": width = 4
        case "<f8": width = 8
        default: throw .unsupportedType(path: path, descr: descr)
        }
        let available = bytes.count - dataStart
        guard let count = try? Checked.product(shape, of: "values"), let needed = try? Checked.product(count, width, of: "bytes"),
            available >= needed
        else {
            throw .truncated(
                path: path, shape: shape, expectedBytes: (try? Checked.product(shape + [width], of: "bytes")), foundBytes: available)
        }
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let at = dataStart + i * width
            var bits: UInt64 = 0
            for k in 0..<width { bits |= UInt64(bytes[at + k]) << (8 * UInt64(k)) }
            values[i] = width == 4 ? Float(bitPattern: UInt32(bits)) : Float(Double(bitPattern: bits))
        }
        return (shape, values)
    }

    /// Picks `descr`, `fortran_order` and `shape` out of the header's Python dictionary literal.
    static func parseHeader(_ text: String, path: String) throws(NpyError) -> (descr: String, fortran: Bool, shape: [Int]) {
        func value(of key: String) -> Substring? {
            guard let keyRange = text.range(of: "'\(key)'") ?? text.range(of: "\"\(key)\""),
                let colon = text[keyRange.upperBound...].firstIndex(of: ":")
            else { return nil }
            return text[text.index(after: colon)...].drop { $0 == " " }
        }
        guard let descrText = value(of: "descr"), let quote = descrText.first, quote == "'" || quote == "\"",
            let close = descrText.dropFirst().firstIndex(of: quote)
        else {
            throw .malformedHeader(path: path, reason: "no 'descr' string")
        }
        let descr = String(descrText[descrText.index(after: descrText.startIndex)..<close])
        guard let fortranText = value(of: "fortran_order"),
            fortranText.hasPrefix("True") || fortranText.hasPrefix("False")
        else {
            throw .malformedHeader(path: path, reason: "no 'fortran_order' True or False")
        }
        guard let shapeText = value(of: "shape"), shapeText.first == "(", let end = shapeText.firstIndex(of: ")") else {
            throw .malformedHeader(path: path, reason: "no 'shape' tuple")
        }
        var shape: [Int] = []
        for part in shapeText[shapeText.index(after: shapeText.startIndex)..<end].split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "L", with: "")
            if trimmed.isEmpty { continue }
            guard let size = Int(trimmed), size >= 0 else {
                throw .malformedHeader(path: path, reason: "shape entry \"\(trimmed)\" is not a size")
            }
            shape.append(size)
        }
        return (descr, fortranText.hasPrefix("True"), shape)
    }
}
