import Foundation
import Testing

@testable import ConvEngine

/// ONNX export on randomly drawn networks (RandomNetworks, seeded), not only the presets: every one loads in
/// onnxruntime and gives our output within 1e-4 relative — among them ceil pools whose last window starts past the
/// input and LRN with α or β 0 — and every one reads back through our own import to the same output.
@Suite(.serialized)
struct ExportRandomNetworksTests {
    /// Forward pass, ONNX file, input and expected output of each network, in one folder for one Python run.
    @Test func onnxruntimeMatchesEveryRandomNetwork() throws {
        try withTemporaryFolder("random-onnx") { folder in
            var emptyWindows = 0, zeroLRN = 0
            for seed in RandomNetworks.seeds {
                let network = RandomNetworks.make(seed: seed)
                let input = ReferenceNetworks.randomInput(for: network, seed: seed)
                let output = try network.forward(input)
                let base = "\(folder)/random-\(seed)"
                try ONNXExport.write(network: network, to: base + ".onnx")
                try Npy.write(input.data, shape: input.shape.dimensions, to: base + ".input.npy")
                try Npy.write(output.data, shape: output.shape.dimensions, to: base + ".expected.npy")
                let shapes = try network.inferShapes()
                for path in network.executionOrder {
                    guard let layer = network.node(at: path)?.layer else { continue }
                    if let pool = layer.as(Pool.self), let g = shapes.io(at: path).geometry?.pool,
                        (g.outWidth - 1) * pool.stride.width >= g.inWidth + g.padLeft
                            || (g.outHeight - 1) * pool.stride.height >= g.inHeight + g.padTop
                    {
                        emptyWindows += 1
                    }
                    if let lrn = layer.as(LocalResponseNorm.self), lrn.alpha <= 0 || lrn.beta <= 0 { zeroLRN += 1 }
                }
            }
            // the draw covers what used to break the export
            #expect(emptyWindows > 0 && zeroLRN > 0, "\(emptyWindows) pools with windows past the input, \(zeroLRN) LRNs with α or β ≤ 0")
            let result = try ReferencePython.run("check_onnx.py", ["--folder", folder])
            print(result.output.split(separator: "\n").filter { !$0.contains("[W:onnxruntime") }.suffix(3).joined(separator: "\n"))
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("0 of the models failed"))
        }
    }

    /// Export then import gives the same network output; what import refuses is only what the export writes for
    /// Caffe-only behaviour (zeros padded after a pool for windows past the input, LRN written out with Mul).
    @Test(arguments: RandomNetworks.seeds)
    func importReadsTheExportBack(seed: UInt64) throws {
        let network = RandomNetworks.make(seed: seed)
        let bytes = try ONNXExport.encode(network: network)
        let imported: Network
        do { imported = try ONNXImport.network(fromModel: Data(bytes), name: "roundtrip") } catch {
            guard case .unsupported(_, let op, _, _) = error, op == "Pad" || op == "Mul" else {
                Issue.record("seed \(seed): \(error)")
                return
            }
            return
        }
        let input = ReferenceNetworks.randomInput(for: network, seed: seed)
        let (difference, relative) = relativeDifference(try imported.forward(input).data, try network.forward(input).data)
        #expect(relative <= 1e-5, "seed \(seed): maxdiff \(difference), relative \(relative)")
        #expect(try imported.cost().total.params == network.cost().total.params)
    }
}
