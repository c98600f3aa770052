import Testing

@testable import ConvEngine

/// The wire encoder against byte strings worked out by hand from the protobuf encoding spec.
struct ExportProtobufWriterTests {
    static let varints: [(UInt64, [UInt8])] = [
        (0, [0x00]),
        (1, [0x01]),
        (127, [0x7F]),
        (128, [0x80, 0x01]),
        (150, [0x96, 0x01]),  // the spec's own example
        (300, [0xAC, 0x02]),
        (UInt64.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
    ]

    @Test(arguments: varints)
    func varintMatchesHandEncoding(value: UInt64, expected: [UInt8]) {
        var writer = ProtobufWriter()
        writer.varint(value)
        #expect(writer.bytes == expected)
    }

    @Test func fieldsCarryKeyAndPayload() {
        var writer = ProtobufWriter()
        writer.int(1, 150)  // key (1 << 3 | 0) = 0x08
        writer.int(2, -1)  // key 0x10, ten bytes of two's complement
        writer.float(3, 1.0)  // key (3 << 3 | 5) = 0x1D, 0x3F800000 little-endian
        writer.string(4, "Hi")  // key (4 << 3 | 2) = 0x22, length 2
        writer.message(5) { $0.int(1, 3) }  // key 0x2A, length 2, then 0x08 0x03
        #expect(
            writer.bytes == [
                0x08, 0x96, 0x01,
                0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,
                0x1D, 0x00, 0x00, 0x80, 0x3F,
                0x22, 0x02, 0x48, 0x69,
                0x2A, 0x02, 0x08, 0x03,
            ])
    }

    @Test func rawDataIsLittleEndian() {
        #expect(ProtobufWriter.rawFloats([1.0, -2.0]) == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0])
        #expect(ProtobufWriter.rawInt64s([1, -1]) == [1, 0, 0, 0, 0, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 8))
    }
}
