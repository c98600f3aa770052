import Foundation

/// Why a `.safetensors` file could not be read or written: which file, what is wrong, what to change.
public enum SafetensorsError: Error, Hashable, Sendable, CustomStringConvertible {
    case unreadable(path: String, FileReadError)
    case malformed(path: String, problem: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, error): return "cannot read \(visible(path)): \(error) — \(error.fix)"
        case let .malformed(path, problem):
            return "\(visible(path)): not a valid safetensors file (\(problem)) — write it again with safetensors.torch.save_file"
        case let .writeFailed(path, reason):
            return "cannot write \(visible(path)): \(reason) — check that the folder exists and is writable"
        }
    }
}

/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a JSON header naming
/// each tensor's dtype, shape and byte range, then the raw little-endian values. What `export --pytorch` writes
/// and `init.weights` reads, so weights move to and from PyTorch (`safetensors.torch.load_file`) unchanged.
public enum Safetensors {
    /// One tensor: float32 values, or int64 ones (batch norm's `num_batches_tracked`).
    public enum Values: Hashable, Sendable {
        case float32([Float])
        case int64([Int])
        var count: Int {
            switch self {
            case .float32(let v): v.count
            case .int64(let v): v.count
            }
        }
    }

    /// A named tensor with its shape (`[]` for a scalar).
    public struct Tensor: Hashable, Sendable {
        public var name: String
        public var shape: [Int]
        public var values: Values
        public init(name: String, shape: [Int], values: Values) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// The largest header read (the format's own limit is 100 MB).
    static let maximumHeaderBytes = 100_000_000

    /// The file's bytes: header padded with spaces to a multiple of 8, then the tensors in the order given.
    public static func encode(_ tensors: [Tensor]) -> Data {
        var members: [JSONMember] = []
        var offset = 0
        for tensor in tensors {
            let bytes = tensor.values.count * (tensor.values.isFloat ? 4 : 8)
            members.append(
                JSONMember(
                    tensor.name,
                    .object([
                        JSONMember("dtype", .string(tensor.values.isFloat ? "F32" : "I64")),
                        JSONMember("shape", .array(tensor.shape.map { .integer($0) })),
                        JSONMember("data_offsets", .array([.integer(offset), .integer(offset + bytes)])),
                    ])))
            offset += bytes
        }
        var header = Array(JSONValue.object(members).compactText.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for tensor in tensors {
            switch tensor.values {
            case .float32(let values): values.withUnsafeBufferPointer { data.append($0) }
            case .int64(let values): values.map { Int64($0).littleEndian }.withUnsafeBufferPointer { data.append($0) }
            }
        }
        return data
    }

    /// Writes the tensors to `path` atomically (`AtomicFile`: the old file or the new one, never a part).
    public static func write(_ tensors: [Tensor], to path: String) throws(SafetensorsError) {
        do { try AtomicFile.write([UInt8](encode(tensors)), to: path) } catch {
            throw .writeFailed(path: path, reason: error.reason)
        }
    }

    /// Every tensor of the file at `path`, float types (F32, F64, F16, BF16) as float32 and integer ones as int64;
    /// the file (a regular one, at most `byteLimit` bytes) and the tensors made from it fit in `byteLimit` each,
    /// every size in the header checked against the file before it is read.
    public static func read(path: String, byteLimit: Int = defaultMemoryCap) throws(SafetensorsError) -> [Tensor] {
        let bytes: [UInt8]
        do { bytes = try FileReader.contents(of: path, limit: byteLimit) } catch { throw .unreadable(path: path, error) }
        return try decode(bytes, path: path, byteLimit: byteLimit)
    }

    /// The tensors in a file's bytes (`path` names it in errors), their values together at most `byteLimit` bytes.
    public static func decode(_ data: [UInt8], path: String, byteLimit: Int = defaultMemoryCap) throws(SafetensorsError) -> [Tensor] {
        func bad(_ problem: String) -> SafetensorsError { .malformed(path: path, problem: problem) }
        var budget = byteLimit
        guard data.count >= 8 else { throw bad("it has \(data.count) bytes, fewer than the 8-byte header length") }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(min(maximumHeaderBytes, data.count - 8)) else {
            throw bad("its header claims \(headerLength) bytes, more than the file's \(data.count - 8)")
        }
        let dataStart = 8 + Int(headerLength)
        let header: JSONValue
        do { header = try JSONParser.parse(String(decoding: data[8..<dataStart], as: UTF8.self)) } catch {
            throw bad("its header is not JSON: \(error)")
        }
        guard case .object(let members) = header else { throw bad("its header is not a JSON object") }
        let available = data.count - dataStart
        var tensors: [Tensor] = []
        for member in members where member.key != "__metadata__" {
            guard case .string(let dtype)? = member.value["dtype"], case .array(let shapeValues)? = member.value["shape"],
                case .array(let offsetValues)? = member.value["data_offsets"], offsetValues.count == 2
            else { throw bad("tensor \(quoted(member.key)) lacks a dtype, shape or data_offsets") }
            let shape = shapeValues.compactMap(\.integerValue), offsets = offsetValues.compactMap(\.integerValue)
            guard shape.count == shapeValues.count, shape.allSatisfy({ $0 >= 0 }), offsets.count == 2 else {
                throw bad("tensor \(quoted(member.key)) has a shape or offsets that are not whole numbers")
            }
            var count = 1
            for d in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, product <= available else {
                    throw bad("tensor \(quoted(member.key)) of shape \(shape) is larger than the file")
                }
                count = product
            }
            guard let width = ["F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I64": 8, "I32": 4][dtype] else {
                throw bad("tensor \(quoted(member.key)) has dtype \(dtype); convplay reads F32, F64, F16, BF16, I64 and I32")
            }
            guard offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= available, offsets[1] - offsets[0] == count * width else {
                throw bad(
                    "tensor \(quoted(member.key)) spans bytes \(offsets), but its \(dtype) shape \(shape) needs \(count * width) inside \(available)"
                )
            }
            // Values are kept as float32 or int64 whatever their width in the file.
            let kept = count * (["F32", "F64", "F16", "BF16"].contains(dtype) ? 4 : 8)
            guard kept <= budget else {
                throw bad("its tensors need more than the \(formatBytes(byteLimit)) memory cap (\"\(member.key)\" is \(formatBytes(kept)))")
            }
            budget -= kept
            let start = dataStart + offsets[0]
            let values: Values = data.withUnsafeBytes { raw in
                func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
                    T(littleEndian: raw.loadUnaligned(fromByteOffset: start + i * width, as: T.self))
                }
                switch dtype {
                case "F32": return .float32((0..<count).map { Float(bitPattern: load(UInt32.self, $0)) })
                case "F64": return .float32((0..<count).map { Float(Double(bitPattern: load(UInt64.self, $0))) })
                case "F16": return .float32((0..<count).map { Float(Float16(bitPattern: load(UInt16.self, $0))) })
                case "BF16": return .float32((0..<count).map { Float(bitPattern: UInt32(load(UInt16.self, $0)) << 16) })
                case "I32": return .int64((0..<count).map { Int(Int32(bitPattern: load(UInt32.self, $0))) })
                default: return .int64((0..<count).map { Int(Int64(bitPattern: load(UInt64.self, $0))) })
                }
            }
            tensors.append(Tensor(name: member.key, shape: shape, values: values))
        }
        return tensors
    }
}

extension Safetensors.Values {
    var isFloat: Bool { if case .float32 = self { true } else { false } }
    /// The values when they are float32, else `nil`.
    public var floats: [Float]? { if case .float32(let v) = self { v } else { nil } }
}
