import Foundation
import Testing

@testable import ConvEngine

/// ONNX export checked outside Swift: the `onnx` checker accepts the model and onnxruntime's output equals
/// our forward pass within 1e-4 relative (Tests/Reference/check_onnx.py).
@Suite(.serialized)
struct ReferenceONNXTests {
    /// Exports `network`, runs it in onnxruntime on `input`, and compares with our forward pass. A closing
    /// softmax squashes differences, so a network ending in one is checked again without it (its logits).
    static func checkInOnnxruntime(_ network: Network, input: Tensor, label: String) throws {
        var session = try ForwardSession(network: network, input: input)
        session.runToEnd()
        try compare(network, input: input, output: session.finalOutput!, label: label)
        if network.nodes.last?.layer?.is(Softmax.self) == true, network.nodes.count > 1 {
            var logits = network
            logits.nodes.removeLast()
            try compare(logits, input: input, output: session.output(of: .top(logits.nodes.count - 1))!, label: label + " logits")
        }
    }

    private static func compare(_ network: Network, input: Tensor, output: Tensor, label: String) throws {
        try withTemporaryFolder("onnx") { folder in
            try ONNXExport.write(network: network, to: folder + "/model.onnx")
            try Npy.write(input.data, shape: input.shape.dimensions, to: folder + "/input.npy")
            try Npy.write(output.data, shape: output.shape.dimensions, to: folder + "/output.npy")
            let result = try ReferencePython.run("check_onnx.py", [folder + "/model.onnx", folder + "/input.npy", folder + "/output.npy"])
            print("[\(label)] " + result.output.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " · "))
            #expect(result.status == 0, "check_onnx.py failed for \(label):\n\(result.output)")
            #expect(result.output.contains("TENSOR OK"), "\(result.output)")
        }
    }

    @Test(arguments: ReferenceNetworks.cases.map(\.0))
    func onnxruntimeMatchesForwardPass(caseName: String) throws {
        let network = ReferenceNetworks.cases.first { $0.0 == caseName }!.1
        try Self.checkInOnnxruntime(network, input: ReferenceNetworks.randomInput(for: network), label: caseName)
    }

    @Test(arguments: ShippedPresets.names)
    func onnxruntimeMatchesShippedPreset(name: String) throws {
        let preset = try ShippedPresets.load(name)
        try Self.checkInOnnxruntime(preset.network, input: preset.input, label: name)
    }

    /// The check is not vacuous: an expected output nudged by 1e-3 of its range fails it.
    @Test func onnxCheckCatchesAWrongOutput() throws {
        let network = ReferenceNetworks.inception3a
        let input = ReferenceNetworks.randomInput(for: network)
        var output = try network.forward(input)
        output.data[7] += 1e-3 * output.data.map(abs).max()!
        try withTemporaryFolder("onnx-wrong") { folder in
            try ONNXExport.write(network: network, to: folder + "/model.onnx")
            try Npy.write(input.data, shape: input.shape.dimensions, to: folder + "/input.npy")
            try Npy.write(output.data, shape: output.shape.dimensions, to: folder + "/output.npy")
            let result = try ReferencePython.run("check_onnx.py", [folder + "/model.onnx", folder + "/input.npy", folder + "/output.npy"])
            #expect(result.status == 1 && result.output.contains("TENSOR MISMATCH"), "\(result.output)")
        }
    }
}
