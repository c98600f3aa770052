import Foundation
import Testing

@testable import ConvEngine

/// torchvision's GoogLeNet, SqueezeNet 1.0, MobileNetV2 and ResNet-50 (random weights, random batch norm
/// statistics), exported by torch.onnx in the test venv (Tests/Reference/torchvision_models.py): each imports, gives
/// onnxruntime's output within 1e-4 relative, and has torchvision's parameter count — the published one.
@Suite(.serialized)
struct ONNXImportTorchvisionTests {
    /// torchvision's documented parameter counts (docs.pytorch.org/vision/stable/models.html, "Num Params"):
    /// GoogLeNet 6,624,904; SqueezeNet1_0 1,248,424; MobileNet_V2 3,504,872; ResNet50 25,557,032.
    static let published = ["googlenet": 6_624_904, "squeezenet1_0": 1_248_424, "mobilenet_v2": 3_504_872, "resnet50": 25_557_032]

    /// The exported models, made once for the suite (about 30 s; 147 MB, removed when the tests end).
    static let folder: String? = {
        guard let folder = try? sharedTemporaryFolder("torchvision") else { return nil }
        let result = try? ReferencePython.run("torchvision_models.py", [folder])
        guard result?.status == 0 else {
            Issue.record("torchvision_models.py failed:\n\(result?.output ?? "did not run")")
            return nil
        }
        return folder
    }()

    @Test(arguments: ["googlenet", "squeezenet1_0", "mobilenet_v2", "resnet50"])
    func importMatchesOnnxruntime(model: String) throws {
        let folder = try #require(Self.folder)
        let network = try ONNXImport.network(path: "\(folder)/\(model).onnx")
        let facts = try JSONParser.parse(String(contentsOfFile: "\(folder)/\(model).json", encoding: .utf8))
        let cost = try network.cost()
        #expect(cost.total.params == facts["params"]?.integerValue, "\(model): params \(cost.total.params) against torchvision's")
        #expect(cost.total.params == Self.published[model])
        let input = try Npy.read(path: "\(folder)/\(model).input.npy")
        let expected = try Npy.read(path: "\(folder)/\(model).expected.npy")
        let output = try network.forward(Tensor(shape: network.input.shape, data: input.values))
        let (difference, relative) = relativeDifference(output.data, expected.values)
        print(
            "[\(model)] \(network.executionOrder.count) nodes, \(cost.total.params) params, maxdiff = \(difference), relative = \(relative)"
        )
        #expect(output.shape == Shape(channels: 1000, height: 1, width: 1))
        #expect(relative <= 1e-4, "\(model): relative difference \(relative)")
    }
}

/// The largest |actual − expected| and that divided by the largest |expected| (the reference checks' measure,
/// as Tests/Reference/check_onnx.py computes it); infinite when the counts differ or a value is not finite.
func relativeDifference(_ actual: [Float], _ expected: [Float]) -> (difference: Float, relative: Float) {
    guard actual.count == expected.count else { return (.infinity, .infinity) }
    var difference: Float = 0, magnitude: Float = 0
    for (a, e) in zip(actual, expected) {
        guard a.isFinite else { return (.infinity, .infinity) }
        difference = max(difference, abs(a - e))
        magnitude = max(magnitude, abs(e))
    }
    return (difference, difference / max(magnitude, 1e-30))
}
