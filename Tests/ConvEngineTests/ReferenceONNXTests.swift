import Foundation
import Testing
@testable import ConvEngine

/// ONNX export checked outside Swift: the `onnx` checker accepts the model and onnxruntime's output equals
/// our forward pass within 1e-4 relative (tests/python/check_onnx.py).
@Suite(.serialized)
struct ReferenceONNXTests {
    /// Exports `network`, runs it in onnxruntime on `input`, and compares with our forward pass.
    static func checkInOnnxruntime(_ network: Network, input: Tensor, label: String) throws {
        let folder = try ReferencePython.temporaryFolder("onnx-\(label)")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let output = try network.forward(input)
        try ONNXExport.write(network: network, to: folder + "/model.onnx")
        try Npy.write(input.data, shape: input.shape.dimensions, to: folder + "/input.npy")
        try Npy.write(output.data, shape: output.shape.dimensions, to: folder + "/output.npy")
        let result = try ReferencePython.run("check_onnx.py", [folder + "/model.onnx", folder + "/input.npy", folder + "/output.npy"])
        print("[\(label)] " + result.output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(result.status == 0, "check_onnx.py failed for \(label):\n\(result.output)")
        #expect(result.output.contains("TENSOR OK"), "\(result.output)")
    }

    @Test(arguments: ReferenceNetworks.cases.map(\.0))
    func onnxruntimeMatchesForwardPass(caseName: String) throws {
        let network = ReferenceNetworks.cases.first { $0.0 == caseName }!.1
        let input = ReferenceNetworks.randomInput(for: network)
        try Self.checkInOnnxruntime(network, input: input, label: caseName)
        // A closing softmax squashes differences; check the logits before it as well.
        if case .layer(.softmax) = network.nodes.last?.kind {
            var logits = network
            logits.nodes.removeLast()
            try Self.checkInOnnxruntime(logits, input: input, label: caseName + " logits")
        }
    }
}
