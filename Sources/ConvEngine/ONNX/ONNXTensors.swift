import Foundation
import SwiftProtobuf

/// Reads the bytes of a tensor stored outside the model (ONNX external data): `location` relative to the model's
/// folder, `length` bytes from `offset` (`nil`: to the end of the file). Throws `ONNXImportError`.
public typealias ONNXExternalDataReader = (_ location: String, _ offset: Int, _ length: Int?) throws(ONNXImportError) -> Data

/// A tensor's contents decoded to numbers, every size checked against the declared shape before anything is
/// allocated for it.
struct ONNXTensorReader {
    /// Reads external data; `nil` refuses tensors stored outside the file.
    let externalData: ONNXExternalDataReader?
    /// The largest element count one tensor may declare.
    let elementLimit: Int

    /// The tensor's dimensions, each checked, and their product.
    func shape(of tensor: Onnx_TensorProto) throws(ONNXImportError) -> (dims: [Int], count: Int) {
        var count = 1
        var dims: [Int] = []
        for d in tensor.dims {
            guard d >= 0 else { throw .badTensor(name: tensor.name, problem: "dimension \(d) is negative") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow, product <= elementLimit else {
                throw .badTensor(name: tensor.name, problem: "its shape \(tensor.dims) holds more than \(elementLimit) values")
            }
            count = product
            dims.append(Int(d))
        }
        return (dims, count)
    }

    /// The values as floats (FLOAT, DOUBLE and FLOAT16 tensors), with their dimensions.
    func floats(_ tensor: Onnx_TensorProto) throws(ONNXImportError) -> (dims: [Int], values: [Float]) {
        let (dims, count) = try shape(of: tensor)
        switch Onnx_TensorProto.DataType(rawValue: Int(tensor.dataType)) {
        case .float:
            if let raw = try rawBytes(tensor, count: count, width: 4) {
                return (dims, Self.littleEndian(raw, count) { Float(bitPattern: $0) })
            }
            try expect(tensor.floatData.count, count, tensor)
            return (dims, tensor.floatData)
        case .double:
            if let raw = try rawBytes(tensor, count: count, width: 8) {
                return (dims, Self.littleEndian(raw, count) { (bits: UInt64) in Float(Double(bitPattern: bits)) })
            }
            try expect(tensor.doubleData.count, count, tensor)
            return (dims, tensor.doubleData.map { Float($0) })
        case .float16:
            if let raw = try rawBytes(tensor, count: count, width: 2) {
                return (dims, Self.littleEndian(raw, count) { (bits: UInt16) in Float(Float16(bitPattern: bits)) })
            }
            // FLOAT16 values sit in int32_data, one per entry, as their bit patterns.
            try expect(tensor.int32Data.count, count, tensor)
            return (dims, tensor.int32Data.map { Float(Float16(bitPattern: UInt16(truncatingIfNeeded: $0))) })
        default:
            throw .badTensor(name: tensor.name, problem: "data type \(Self.typeName(tensor.dataType)) is not a floating-point type")
        }
    }

    /// The values as integers (INT64 and INT32 tensors: shapes, pads, axes).
    func integers(_ tensor: Onnx_TensorProto) throws(ONNXImportError) -> [Int] {
        let (_, count) = try shape(of: tensor)
        switch Onnx_TensorProto.DataType(rawValue: Int(tensor.dataType)) {
        case .int64:
            if let raw = try rawBytes(tensor, count: count, width: 8) {
                return Self.littleEndian(raw, count) { (bits: UInt64) in Int(Int64(bitPattern: bits)) }
            }
            try expect(tensor.int64Data.count, count, tensor)
            return tensor.int64Data.map { Int($0) }
        case .int32:
            if let raw = try rawBytes(tensor, count: count, width: 4) {
                return Self.littleEndian(raw, count) { (bits: UInt32) in Int(Int32(bitPattern: bits)) }
            }
            try expect(tensor.int32Data.count, count, tensor)
            return tensor.int32Data.map { Int($0) }
        default:
            throw .badTensor(name: tensor.name, problem: "data type \(Self.typeName(tensor.dataType)) is not an integer type")
        }
    }

    /// The tensor's raw little-endian bytes (inline `raw_data` or external data), checked to hold exactly `count`
    /// values of `width` bytes; `nil` when the values sit in the typed fields instead.
    private func rawBytes(_ tensor: Onnx_TensorProto, count: Int, width: Int) throws(ONNXImportError) -> Data? {
        let expected = count * width  // count ≤ elementLimit, so no overflow
        if tensor.dataLocation == .external {
            guard let externalData else {
                throw .badTensor(
                    name: tensor.name, problem: "its data is stored in an external file, which this reader was given no access to")
            }
            var fields: [String: String] = [:]
            for entry in tensor.externalData { fields[entry.key] = entry.value }
            guard let location = fields["location"], !location.isEmpty else {
                throw .badTensor(name: tensor.name, problem: "its external data names no location")
            }
            let offset = try Self.number(fields["offset"], "offset", tensor) ?? 0
            let length = try Self.number(fields["length"], "length", tensor)
            if let length, length != expected {
                throw .badTensor(name: tensor.name, problem: "its external data length is \(length) bytes, but its shape needs \(expected)")
            }
            let data = try externalData(location, offset, length ?? expected)
            guard data.count == expected else {
                throw .badTensor(
                    name: tensor.name,
                    problem: "\(location) holds \(data.count) bytes from offset \(offset), but its shape needs \(expected)")
            }
            return data
        }
        guard tensor.hasRawData else { return nil }
        guard tensor.rawData.count == expected else {
            throw .badTensor(
                name: tensor.name, problem: "raw_data has \(tensor.rawData.count) bytes, but shape \(tensor.dims) needs \(expected)")
        }
        return tensor.rawData
    }

    private func expect(_ found: Int, _ count: Int, _ tensor: Onnx_TensorProto) throws(ONNXImportError) {
        guard found == count else {
            throw .badTensor(name: tensor.name, problem: "it holds \(found) values, but its shape \(tensor.dims) needs \(count)")
        }
    }

    private static func number(_ text: String?, _ key: String, _ tensor: Onnx_TensorProto) throws(ONNXImportError) -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), value >= 0 else {
            throw .badTensor(name: tensor.name, problem: "its external data \(key) \"\(text)\" is not a byte count")
        }
        return value
    }

    /// `count` little-endian values of type `Bits` from `data`, converted by `convert`.
    private static func littleEndian<Bits: FixedWidthInteger, T>(_ data: Data, _ count: Int, _ convert: (Bits) -> T) -> [T] {
        data.withUnsafeBytes { bytes in
            (0..<count).map { i in
                convert(Bits(littleEndian: bytes.loadUnaligned(fromByteOffset: i * MemoryLayout<Bits>.size, as: Bits.self)))
            }
        }
    }

    /// A data type's name as onnx.proto spells it.
    static func typeName(_ raw: Int32) -> String {
        Onnx_TensorProto.DataType(rawValue: Int(raw)).map { "\($0)".uppercased() } ?? "\(raw)"
    }
}

/// A node's attributes by name, read with the defaults the operator's specification gives.
struct ONNXAttributes {
    private let byName: [String: Onnx_AttributeProto]

    init(_ node: Onnx_NodeProto) {
        var byName: [String: Onnx_AttributeProto] = [:]
        for attribute in node.attribute { byName[attribute.name] = attribute }
        self.byName = byName
    }

    func has(_ name: String) -> Bool { byName[name] != nil }

    func int(_ name: String, _ defaultValue: Int) -> Int { byName[name].map { Int($0.i) } ?? defaultValue }
    func float(_ name: String, _ defaultValue: Float) -> Float { byName[name].map(\.f) ?? defaultValue }
    func ints(_ name: String) -> [Int]? { byName[name].map { $0.ints.map { Int($0) } } }
    func string(_ name: String, _ defaultValue: String) -> String {
        byName[name].map { String(decoding: $0.s, as: UTF8.self) } ?? defaultValue
    }
    func tensor(_ name: String) -> Onnx_TensorProto? { byName[name].flatMap { $0.hasT ? $0.t : nil } }
}
