import Foundation
import Testing

@testable import ConvEngine

/// `export --pytorch` checked in PyTorch (Tests/Reference/check_pytorch.py): every shipped preset, the reference
/// networks and the random ones build as `Net()`, load `weights.safetensors` with exactly their state_dict's keys,
/// and give convplay's output within 1e-4 relative — Caffe-ceil pools, Caffe LRN and averages that count or skip
/// padding among them.
@Suite(.serialized)
struct ExportPyTorchTests {
    static func write(_ network: Network, input: Tensor, into folder: String) throws {
        try PyTorchExport.write(network: network, to: folder, source: network.name)
        let output = try network.forward(input)
        try Npy.write(input.data, shape: input.shape.dimensions, to: folder + "/input.npy")
        try Npy.write(output.data, shape: output.shape.dimensions, to: folder + "/expected.npy")
    }

    @Test func torchMatchesEveryPresetAndRandomNetwork() throws {
        try withTemporaryFolder("pytorch") { folder in
            for name in ShippedPresets.names {
                let preset = try ShippedPresets.load(name)
                try Self.write(preset.network, input: preset.input, into: "\(folder)/preset-\(name)")
            }
            for (name, network) in ReferenceNetworks.cases {
                try Self.write(network, input: ReferenceNetworks.randomInput(for: network), into: "\(folder)/reference-\(name)")
            }
            for seed in RandomNetworks.seeds {
                let network = RandomNetworks.make(seed: seed)
                try Self.write(network, input: ReferenceNetworks.randomInput(for: network, seed: seed), into: "\(folder)/random-\(seed)")
            }
            // the draw reaches the pools PyTorch cannot say by itself: padded by hand, divided by hand, windows past the input
            let sources = try FileManager.default.contentsOfDirectory(atPath: folder).map {
                try String(contentsOfFile: "\(folder)/\($0)/model.py", encoding: .utf8)
            }
            for written in ["value=-math.inf", "divided_by_window_counts(self.", "F.pad(self.", "Lateral(", "nn.LocalResponseNorm("] {
                #expect(sources.contains { $0.contains(written) }, "no exported module writes \(written)")
            }
            let result = try ReferencePython.run("check_pytorch.py", [folder])
            print(result.output.split(separator: "\n").filter { !$0.contains("TENSOR OK") }.joined(separator: "\n"))
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("0 of the modules failed"))
        }
    }

    /// Weights changed and saved in PyTorch (safetensors.torch.save_file) load back through a preset's
    /// `init.weights` and give PyTorch's output (layers whose weights the preset writes out by hand keep those).
    @Test(arguments: ["inception-3a", "inception-3a-naive", "nin-cifar10"])
    func weightsSavedInPyTorchComeBack(name: String) throws {
        try withTemporaryFolder("pytorch-back") { folder in
            var (network, input) = try ShippedPresets.load(name)
            try Self.write(network, input: input, into: folder)
            let result = try ReferencePython.run("pytorch_weights_back.py", [folder])
            try #require(result.status == 0, "\(result.output)")
            network.initialization.weightsDirectory = "trained.safetensors"
            network.input.source = .synthetic(.gradient, seed: 0)
            try Preset.save(network, to: folder + "/trained.json")
            let trained = try Preset.load(path: folder + "/trained.json").network
            #expect(!trained.initialization.loadedWeights.isEmpty)
            let output = try trained.forward(input)
            let expected = try Npy.read(path: folder + "/trained.npy")
            let (difference, relative) = relativeDifference(output.data, expected.values)
            print("[\(name)] weights back from PyTorch: maxdiff = \(difference)")
            #expect(relative <= 1e-4)
            #expect(relativeDifference(output.data, try network.forward(input).data).relative > 1e-3, "the new weights change the output")
        }
    }

    /// State-dict keys follow the module tree: a block's layers sit under the block's attribute.
    @Test func stateDictKeysFollowTheModuleTree() throws {
        let network = ReferenceNetworks.inception3a
        let keys = network.stateDict(shapes: try network.inferShapes()).map(\.name)
        #expect(keys.first == "inception_3a._1x1.weight")
        #expect(keys.contains("inception_3a.pool_proj.bias"))
        #expect(keys.count == 12)
    }
}
