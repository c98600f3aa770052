import Foundation
import Testing

@testable import ConvEngine

/// ONNX encoding checks that need no Python (the model's numbers are checked by onnxruntime in
/// ReferenceONNXTests): the model header, names in the graph, and the errors.
struct ExportONNXExportTests {
    static let network = Network(
        name: "tiny", input: InputSpec(shape: Shape(channels: 2, height: 3, width: 3)),
        nodes: [
            Node("conv", Layer(Conv(outChannels: 4, kernel: Size2(3), padding: .same))),
            Node("relu", Layer(ReLU())),
        ])

    @Test func modelStartsWithIrVersionAndNamesInputAndOutput() throws {
        let bytes = try ONNXExport.encode(network: Self.network)
        // ModelProto field 1 (ir_version, varint): key 0x08, value 8.
        #expect(Array(bytes.prefix(2)) == [0x08, UInt8(ONNXExport.irVersion)])
        // opset_import (field 8) closes the model: key 0x42, length 4, domain "" (0x0A 0x00), version 14 (0x10 0x0E).
        #expect(Array(bytes.suffix(6)) == [0x42, 0x04, 0x0A, 0x00, 0x10, 0x0E])
        let text = String(decoding: bytes, as: UTF8.self)
        for name in ["Conv", "Relu", "input", "output", "layers[0].weight", "layers[0].bias"] {
            #expect(text.contains(name), "\(name) missing from the model")
        }
    }

    @Test func impossibleNetworkIsAShapeError() {
        var broken = Self.network
        broken.nodes[0] = Node("conv", Layer(Conv(outChannels: 4, kernel: Size2(5))))
        #expect(throws: ExportError.shape(.kernelTooLarge(path: .top(0), name: "conv", kernel: Size2(5), paddedInput: Size2(3)))) {
            try ONNXExport.encode(network: broken)
        }
    }

    @Test func unwritablePathIsAWriteError() {
        let path = "/nonexistent-convplay-folder/model.onnx"
        do {
            try ONNXExport.write(network: Self.network, to: path)
            Issue.record("writing into a missing folder should fail")
        } catch {
            guard case .writeFailed(let failedPath, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(failedPath == path)
            #expect(error.description.hasPrefix("cannot write \(path): "))
        }
    }
}
