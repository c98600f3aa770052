/// A minimal protocol-buffers wire encoder: just what ONNX export needs (varints, length-delimited fields,
/// fixed32 floats, nested messages). Fields are appended in the order written; readers accept any order.
struct ProtobufWriter {
    /// The encoded message so far.
    private(set) var bytes: [UInt8] = []

    /// The wire types this writer emits (protobuf encoding spec).
    enum WireType: UInt64 {
        case varint = 0
        case lengthDelimited = 2
        case fixed32 = 5
    }

    /// A base-128 varint: 7 bits per byte, low group first, high bit set on every byte but the last.
    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// A field key: `(field << 3) | wire type`.
    mutating func key(_ field: Int, _ wire: WireType) {
        varint(UInt64(field) << 3 | wire.rawValue)
    }

    /// An `int64` / `int32` / enum field; negative values take ten bytes (two's complement), as protobuf says.
    mutating func int(_ field: Int, _ value: Int) {
        key(field, .varint)
        varint(UInt64(bitPattern: Int64(value)))
    }

    /// A `float` field (fixed32, little-endian IEEE 754).
    mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        appendLittleEndian(value.bitPattern)
    }

    /// A `bytes` field.
    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `string` field (UTF-8).
    mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    /// A nested message field, built by `body` into its own writer and written length-prefixed.
    mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        body(&nested)
        bytes(field, nested.bytes)
    }

    /// Little-endian float32 bytes, the layout of ONNX `raw_data`.
    static func rawFloats(_ values: [Float]) -> [UInt8] {
        var writer = ProtobufWriter()
        writer.bytes.reserveCapacity(values.count * 4)
        for value in values { writer.appendLittleEndian(value.bitPattern) }
        return writer.bytes
    }

    /// Little-endian int64 bytes, the layout of ONNX `raw_data` for INT64 tensors.
    static func rawInt64s(_ values: [Int]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 8)
        for value in values {
            let bits = UInt64(bitPattern: Int64(value))
            for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        }
        return out
    }

    private mutating func appendLittleEndian(_ bits: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: bits))
        bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
        bytes.append(UInt8(truncatingIfNeeded: bits >> 16))
        bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
    }
}
