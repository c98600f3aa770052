import Foundation
import Testing

@testable import ConvEngine

/// Our gradients against PyTorch's autograd (Tests/Reference/torch_grad.py), which rebuilds each network in
/// float64 from the dump's manifest alone and fails on any tensor — loss, node output, parameter gradient, input
/// gradient — more than 1e-3 relative away from ours.
@Suite(.serialized)
struct ReferenceTorchGradTests {
    static func check(_ network: Network, input: Tensor, label: Int, seed: UInt64, name: String) throws {
        try withTemporaryFolder("grad-\(name)") { folder in
            let step = GradientStep(model: try TrainableNetwork(network: network), input: input, label: label, seed: seed)
            try step.write(to: folder, presetName: name)
            let result = try ReferencePython.run("torch_grad.py", [folder])
            let summary = result.output.split(separator: "\n").last.map(String.init) ?? ""
            print("[\(name)] \(summary)")
            #expect(result.status == 0, "torch_grad.py failed for \(name):\n\(result.output)")
            #expect(summary.hasPrefix("TENSOR OK"), "\(result.output)")
        }
    }

    /// The shipped presets whose one-image training step float32 cannot compute stably: batch norm on a single
    /// image's statistics, 50 deep, divides channels that random weights left near-constant by √ε, so rounding is
    /// amplified hundreds of times. Measured: PyTorch's own float32 autograd differs from its float64 one by up to
    /// 9 % (mobilenet-v2) and 34 % (resnet50) of a tensor's range. Their layers are checked by finite differences
    /// and in `every-layer`; the networks' shapes, counts and forward passes by the other reference tests.
    static let illConditionedInFloat32: Set<String> = ["mobilenet-v2", "resnet50"]

    /// Every other shipped preset at once (one Python process: PyTorch takes seconds to import).
    @Test func autogradMatchesEveryShippedPreset() throws {
        try withTemporaryFolder("grad-presets") { root in
            let names = ShippedPresets.names.filter { !Self.illConditionedInFloat32.contains($0) }
            for name in names {
                let preset = try ShippedPresets.load(name)
                let step = GradientStep(model: try TrainableNetwork(network: preset.network), input: preset.input, label: 1, seed: 5)
                try step.write(to: root + "/" + name, presetName: name)
            }
            let result = try ReferencePython.run("torch_grad.py", names.map { root + "/" + $0 })
            #expect(
                result.status == 0,
                "torch_grad.py failed:\n\(result.output.split(separator: "\n").filter { $0.hasPrefix("==") || $0.hasSuffix("FAIL") }.joined(separator: "\n"))"
            )
            let sections = result.output.components(separatedBy: "== ").dropFirst()
            #expect(sections.count == names.count)
            for (name, section) in zip(names, sections) {
                let summary = section.split(separator: "\n").last.map(String.init) ?? ""
                print("[\(name)] \(summary)")
                #expect(summary.hasPrefix("TENSOR OK"), "\(name): \(summary)")
            }
        }
    }

    /// Batch norm in training mode, LRN, dropout with its mask, lateral, every activation, concat and add blocks.
    @Test func autogradMatchesEveryLayer() throws {
        let network = ReferenceNetworks.everyLayer
        try Self.check(network, input: ReferenceNetworks.randomInput(for: network), label: 4, seed: 8, name: "every-layer")
    }

    /// The check is not vacuous: one gradient value nudged by 1e-2 of the tensor's range fails on that tensor only.
    @Test func autogradCatchesACorruptedGradient() throws {
        let network = ReferenceNetworks.everyLayer
        try withTemporaryFolder("grad-corrupt") { folder in
            let step = GradientStep(
                model: try TrainableNetwork(network: network), input: ReferenceNetworks.randomInput(for: network), label: 2, seed: 3)
            try step.write(to: folder, presetName: "corrupt")
            let file = folder + "/layers_4.weight.grad.npy"
            var (shape, values) = try Npy.read(path: file)
            values[values.count / 3] += 1e-2 * values.map(abs).max()!
            try Npy.write(values, shape: shape, to: file)
            let result = try ReferencePython.run("torch_grad.py", [folder])
            #expect(result.status == 1, "\(result.output)")
            let failing = result.output.split(separator: "\n").filter { $0.hasSuffix("FAIL") }
            #expect(failing.count == 1 && failing[0].hasPrefix("layers[4] grouped_same weight grad"), "\(result.output)")
        }
    }
}
