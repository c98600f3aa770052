/// One `"key": value` pair of a JSON object; objects keep their members in file order.
public struct JSONMember: Hashable, Sendable {
    public var key: String
    public var value: JSONValue
    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// A parsed JSON value. Keeps object key order, tells booleans from numbers, and keeps a number's
/// literal text so a `Float` written by the encoder reads back bit-identical.
public indirect enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    /// The number exactly as written (`-0.25`, `1e-05`, `192`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The member named `key` of an object, `nil` for other values or a missing key.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// "a string \"3\"", "a number 2.5", "an array", …: how error messages name what they found.
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return "a boolean \(value)"
        case .number(let text): return "a number \(text)"
        case .string(let text): return "a string " + ConvEngine.quoted(text, limit: 24)
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

extension JSONValue {
    /// `text` as a JSON string literal, with the escapes JSON requires. The one quoting routine for every
    /// JSON the project writes (presets, manifests, `summary --format json`).
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Where and why JSON text failed to parse; line and column are 1-based, columns count characters.
public struct JSONSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    /// What is wrong and what to change, e.g. "expected ',' or '}' after an object member — add the missing comma".
    public var problem: String
    public var description: String { "line \(line), column \(column): \(problem)" }
}

/// A small strict JSON parser (RFC 8259) that reports line and column, rejects duplicate keys and keeps
/// key order; Foundation's parser on Linux loses all three.
public struct JSONParser {
    private let bytes: [UInt8]
    private var offset = 0

    /// Parses a complete JSON document.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: Array(text.utf8))
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.offset < parser.bytes.count {
            throw parser.error("unexpected text after the end of the JSON document — remove it or wrap everything in one object")
        }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    // MARK: - Values

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < 512 else { throw error("nesting deeper than 512 levels — flatten the arrays") }
        guard let byte = peek() else {
            throw error("unexpected end of the file where a value should be — finish the document")
        }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"):
            try expectWord("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectWord("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectWord("null")
            return .null
        default:
            throw error("unexpected \(describeCurrent()) where a value should be — write a number, a \"string\", true, false, null, [ or {")
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        offset += 1  // {
        var members: [JSONMember] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            offset += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else {
                if peek() == UInt8(ascii: "}") {
                    throw error("trailing comma before '}' — remove the last comma")
                }
                throw error("expected a \"quoted\" key, found \(describeCurrent()) — keys must be in double quotes")
            }
            let keyOffset = offset
            let key = try parseString()
            if members.contains(where: { $0.key == key }) {
                offset = keyOffset
                throw error("duplicate key \"\(key)\" — keep only one of them")
            }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else {
                throw error("expected ':' after the key \"\(key)\", found \(describeCurrent())")
            }
            offset += 1
            skipWhitespace()
            members.append(JSONMember(key, try parseValue(depth: depth + 1)))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "}"):
                offset += 1
                return .object(members)
            default:
                throw error(
                    "expected ',' or '}' after the value of \"\(key)\", found \(describeCurrent()) — add the missing comma or close the object"
                )
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        offset += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            offset += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { throw error("trailing comma before ']' — remove the last comma") }
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "]"):
                offset += 1
                return .array(elements)
            default:
                throw error(
                    "expected ',' or ']' after an array element, found \(describeCurrent()) — add the missing comma or close the array")
            }
        }
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        offset += 1  // opening quote
        var scalars: [UInt8] = []
        while true {
            guard let byte = peek() else { throw error("unterminated string — add the closing \"") }
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                return String(decoding: scalars, as: UTF8.self)
            case UInt8(ascii: "\\"):
                offset += 1
                guard let escape = peek() else { throw error("unterminated string — add the closing \"") }
                offset += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): scalars.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): scalars.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): scalars.append(8)
                case UInt8(ascii: "f"): scalars.append(12)
                case UInt8(ascii: "n"): scalars.append(10)
                case UInt8(ascii: "r"): scalars.append(13)
                case UInt8(ascii: "t"): scalars.append(9)
                case UInt8(ascii: "u"):
                    var code = try parseHex4()
                    if (0xD800..<0xDC00).contains(code), peek() == UInt8(ascii: "\\"),
                        offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u")
                    {
                        offset += 2
                        let low = try parseHex4()
                        if (0xDC00..<0xE000).contains(low) { code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00) }
                    }
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    offset -= 2
                    throw error("invalid escape in a string — use \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX")
                }
            case 0..<0x20:
                throw error("a line break or control character inside a string — close the string with \" or write \\n")
            default:
                scalars.append(byte)
                offset += 1
            }
        }
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
        var code: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek(), let digit = hexValue(byte) else {
                throw error("\\u must be followed by 4 hex digits")
            }
            code = code * 16 + digit
            offset += 1
        }
        return code
    }

    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    private mutating func parseNumber() throws(JSONSyntaxError) -> String {
        let start = offset
        func isDigit(_ byte: UInt8?) -> Bool { byte.map { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } ?? false }
        if peek() == UInt8(ascii: "-") { offset += 1 }
        guard isDigit(peek()) else { throw error("a '-' must be followed by digits") }
        if peek() == UInt8(ascii: "0") {
            offset += 1
            if isDigit(peek()) {
                offset = start
                throw error("numbers cannot start with 0 — remove the leading zero")
            }
        } else {
            while isDigit(peek()) { offset += 1 }
        }
        if peek() == UInt8(ascii: ".") {
            offset += 1
            guard isDigit(peek()) else { throw error("a decimal point must be followed by digits — write 1.0, not 1.") }
            while isDigit(peek()) { offset += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            offset += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { offset += 1 }
            guard isDigit(peek()) else { throw error("an exponent must have digits — write 1e-4") }
            while isDigit(peek()) { offset += 1 }
        }
        return String(decoding: bytes[start..<offset], as: UTF8.self)
    }

    private mutating func expectWord(_ word: String) throws(JSONSyntaxError) {
        let utf8 = Array(word.utf8)
        guard offset + utf8.count <= bytes.count, Array(bytes[offset..<(offset + utf8.count)]) == utf8 else {
            throw error("unexpected \(describeCurrent()) — strings need double quotes; literals are true, false and null")
        }
        offset += utf8.count
    }

    // MARK: - Reading helpers

    private func peek() -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { offset += 1 }
    }

    /// "'x'", "end of file": the character at the current offset, for messages.
    private func describeCurrent() -> String {
        guard offset < bytes.count else { return "the end of the file" }
        var end = offset + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        let text = String(decoding: bytes[offset..<end], as: UTF8.self)
        switch text {
        case "\n", "\r": return "a line break"
        case "'": return "\"'\" (JSON strings use double quotes)"
        default: return "'\(text)'"
        }
    }

    /// An error at the current offset, with 1-based line and character column.
    private func error(_ problem: String) -> JSONSyntaxError {
        var line = 1, lineStart = 0
        for i in 0..<min(offset, bytes.count) where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        let column = String(decoding: bytes[lineStart..<min(offset, bytes.count)], as: UTF8.self).count + 1
        return JSONSyntaxError(line: line, column: column, problem: problem)
    }
}
