import Foundation
import Testing

@testable import ConvEngine

/// Broken and hostile models: a clear typed error, never a crash, and no allocation sized by the file before the
/// size is checked.
struct ONNXImportHostileTests {
    /// A graph `x [1, 2, 4, 4]` → nodes → `y`, opset 13, with `initializers`.
    static func model(_ nodes: [Onnx_NodeProto], initializers: [Onnx_TensorProto] = []) -> Data {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 13
        model.opsetImport = [opset]
        var input = Onnx_ValueInfoProto()
        input.name = "x"
        input.type.tensorType.elemType = 1
        input.type.tensorType.shape.dim = [1, 2, 4, 4].map { size in
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = Int64(size)
            return dim
        }
        var output = Onnx_ValueInfoProto()
        output.name = "y"
        model.graph.input = [input]
        model.graph.output = [output]
        model.graph.node = nodes
        model.graph.initializer = initializers
        return try! model.serializedData()
    }

    static func tensor(_ name: String, dims: [Int64], raw: Data = Data(), external: String? = nil) -> Onnx_TensorProto {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dataType = 1
        tensor.dims = dims
        if let external {
            tensor.dataLocation = .external
            var location = Onnx_StringStringEntryProto()
            location.key = "location"
            location.value = external
            tensor.externalData = [location]
        } else {
            tensor.rawData = raw
        }
        return tensor
    }

    static func importing(_ bytes: Data, externalData: ONNXExternalDataReader? = nil) -> ONNXImportError? {
        do {
            _ = try ONNXImport.network(fromModel: bytes, name: "hostile", externalData: externalData)
            return nil
        } catch { return error }
    }

    @Test func everyTruncationIsAClearError() throws {
        let bytes = try ONNXExport.encode(network: RandomNetworks.make(seed: 3))
        #expect(Self.importing(Data(bytes)) == nil)
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 300)) {
            let error = Self.importing(Data(bytes[..<length]))
            #expect(error != nil, "a model cut to \(length) of \(bytes.count) bytes was read")
            #expect(error?.description.contains("\n") == false)
        }
    }

    @Test func garbageIsNotAModel() {
        let error = Self.importing(Data((0..<512).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ 7) }))
        guard case .malformed? = error else {
            Issue.record("expected a malformed-protobuf error, got \(String(describing: error))")
            return
        }
        #expect(error!.description.hasPrefix("not a readable ONNX model"))
    }

    /// Shapes whose element count overflows or exceeds the budget are refused before any values are read.
    @Test(arguments: [[Int64(1) << 40, Int64(1) << 40], [4, Int64.max / 2], [Int64(1) << 31, 8], [-1, 2]])
    func hugeOrNegativeShapesAreRefusedUpFront(dims: [Int64]) {
        let conv = Onnx_NodeProto.make("Conv", name: "c", inputs: ["x", "w"], outputs: ["y"])
        let error = Self.importing(Self.model([conv], initializers: [Self.tensor("w", dims: dims)]))
        guard case .badTensor(let name, let problem)? = error else {
            Issue.record("expected a tensor error, got \(String(describing: error))")
            return
        }
        #expect(name == "w")
        #expect(problem.contains("more than") || problem.contains("negative"), "\(problem)")
    }

    @Test func aGraphThatLoopsIsRefused() {
        let nodes = [
            Onnx_NodeProto.make("Relu", name: "first", inputs: ["x"], outputs: ["a"]),
            Onnx_NodeProto.make("Relu", name: "second", inputs: ["a"], outputs: ["b"]),
            Onnx_NodeProto.make("Relu", name: "back", inputs: ["b"], outputs: ["a"]),
        ]
        #expect(Self.importing(Self.model(nodes))?.description.contains("the graph loops") == true)
    }

    @Test func externalDataOutsideTheModelFolderIsRefused() throws {
        try withTemporaryFolder("external") { folder in
            let reader = ONNXImport.externalDataReader(folder: folder)
            for location in ["../secret.bin", "/etc/passwd", "a/../../b"] {
                let conv = Onnx_NodeProto.make("Conv", name: "c", inputs: ["x", "w"], outputs: ["y"])
                let error = Self.importing(
                    Self.model([conv], initializers: [Self.tensor("w", dims: [1, 2, 1, 1], external: location)]), externalData: reader)
                #expect(error?.description.contains("must be a file beside the model") == true, "\(location): \(String(describing: error))")
            }
            // a file too short for the tensor: its size is checked before it is read
            _ = FileManager.default.createFile(atPath: folder + "/short.bin", contents: Data(count: 4))
            let conv = Onnx_NodeProto.make("Conv", name: "c", inputs: ["x", "w"], outputs: ["y"])
            let error = Self.importing(
                Self.model([conv], initializers: [Self.tensor("w", dims: [1, 2, 1, 1], external: "short.bin")]), externalData: reader)
            #expect(
                error?.description == "cannot read \(folder)/short.bin: 8 bytes from offset 0 run past its 4 bytes — "
                    + "the file does not hold what names it; write both again", "\(String(describing: error))")
            // a FIFO as external data is refused at once, never waited on
            #expect(mkfifo(folder + "/pipe.bin", 0o644) == 0)
            let piped = Self.importing(
                Self.model([conv], initializers: [Self.tensor("w", dims: [1, 2, 1, 1], external: "pipe.bin")]), externalData: reader)
            #expect(
                piped?.description == "cannot read \(folder)/pipe.bin: it is a FIFO (named pipe), not a regular file — name a regular file",
                "\(String(describing: piped))")
            // and without a reader (a pure import from bytes), external data is refused
            #expect(
                Self.importing(Self.model([conv], initializers: [Self.tensor("w", dims: [1, 2, 1, 1], external: "short.bin")]))?.description
                    .contains("no access") == true)
        }
    }
}
