import Foundation
import Testing

/// The training commands through the real binary: `grad`, `train`, `experiment`.
@Suite(.serialized)
struct TrainingCLITests {
    @Test func gradWritesTheLossAndEveryGradient() throws {
        let folder = try BinaryRunner.temporaryDirectory() + "/dump"
        let result = try BinaryRunner.run(["grad", "nin-cifar10", "--label", "3", "--seed", "4", "--dump", folder])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("loss "), "\(result.stdout)")
        #expect(result.stdout.contains("layers[0]   conv1  weight  192×3×5×5"), "\(result.stdout)")
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))) as? [String: Any])
        #expect(manifest["label"] as? Int == 3)
        #expect(manifest["seed"] as? Int == 4)
        #expect(manifest["scores"] as? String == "layers[22]", "the final softmax is fused into the loss")
        let loss = try #require((manifest["loss"] as? [String: Any])?["value"] as? Double)
        #expect(result.stdout.hasPrefix(String(format: "loss %.6f", loss)))
        for file in ["input.grad.npy", "loss.npy", "layers_0.weight.grad.npy", "layers_0.bias.grad.npy", "layers_7.mask.npy"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + file), "\(file)")
        }
    }

    @Test func gradRefusesALabelBeyondTheClasses() throws {
        let folder = try BinaryRunner.temporaryDirectory() + "/dump"
        let result = try BinaryRunner.run(["grad", "nin-cifar10", "--label", "10", "--dump", folder])
        #expect(result.status == 2)
        #expect(result.stderr == "convplay: --label 10: nin-cifar10 scores 10 classes — give a label from 0 to 9\n")
        #expect(!FileManager.default.fileExists(atPath: folder))
    }
}
