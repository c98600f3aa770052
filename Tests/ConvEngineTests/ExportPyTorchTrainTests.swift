import Foundation
import Testing

@testable import ConvEngine

/// The exported `train.py` trains on exactly convplay's data (Tests/Reference/train_py_data.py runs its own
/// functions): the synthetic shapes byte for byte from the same seed — several sizes, one and three channels,
/// a seed's complement as the held-out set uses — the digits' held-out split label for label, and images fitted
/// to another input (grey → RGB enlarged bilinearly, shrunk by area) within float32 rounding; and its atomic save
/// cleans up after a failure.
@Suite(.serialized)
struct ExportPyTorchTrainTests {
    static let shapeCases: [(shape: Shape, count: Int, seed: UInt64)] = [
        (Shape(channels: 1, height: 24, width: 24), 300, 2), (Shape(channels: 1, height: 24, width: 24), 60, ~2),
        (Shape(channels: 3, height: 13, width: 17), 40, 12_345_678_901_234_567_890),
    ]
    static let fittedShapes = [Shape(channels: 3, height: 12, width: 12), Shape(channels: 1, height: 5, width: 5)]

    @Test func trainPyUsesConvplaysData() throws {
        try withTemporaryFolder("train-py-data") { folder in
            let (network, _) = try ShippedPresets.load("nin-digits")
            try PyTorchExport.write(network: network, to: folder, source: "nin-digits")
            func dims(_ s: Shape) -> String { "\(s.channels), \(s.height), \(s.width)" }
            let cases = """
                {"shapes": [\(Self.shapeCases.map { "[\(dims($0.shape)), \($0.count), \($0.seed)]" }.joined(separator: ", "))],
                 "digits_fitted": [\(Self.fittedShapes.map { "[\(dims($0))]" }.joined(separator: ", "))]}
                """
            try Data(cases.utf8).write(to: URL(fileURLWithPath: folder + "/cases.json"))
            let result = try ReferencePython.run("train_py_data.py", [folder])
            try #require(result.status == 0, "\(result.output)")

            for (k, c) in Self.shapeCases.enumerated() {
                let expected: Dataset = try Dataset.shapes(shape: c.shape, count: c.count, seed: c.seed, cap: 1 << 30)
                let images = try Npy.read(path: folder + "/shapes-\(k).npy")
                #expect(images.shape == [c.count] + c.shape.dimensions)
                let differing = zip(images.values, expected.pixels).filter { $0 != Float($1) }.count
                #expect(differing == 0, "shapes case \(k): \(differing) of \(expected.pixels.count) bytes differ")
                #expect(try Npy.read(path: folder + "/shapes-\(k).labels.npy").values == expected.labels.map(Float.init))
            }

            let digits = try Dataset.digits(directory: ShippedPresets.folder + "/data")
            #expect(try Npy.read(path: folder + "/digits-training-labels.npy").values == digits.training.labels.map(Float.init))
            #expect(try Npy.read(path: folder + "/digits-held-out-labels.npy").values == digits.heldOut.labels.map(Float.init))
            for (k, shape) in Self.fittedShapes.enumerated() {
                let fitted = try Npy.read(path: folder + "/digits-fitted-\(k).npy")
                #expect(fitted.shape == [digits.training.count] + shape.dimensions)
                let expected = (0..<digits.training.count).flatMap { digits.training.image($0, as: shape) }
                let largest = zip(fitted.values, expected).map { abs($0 - $1) }.max() ?? .infinity
                #expect(largest <= 1e-6, "digits fitted to \(shape): largest difference \(largest)")
            }
            // a save that fails halfway raises, leaves the old weights whole and no partial file beside them
            let failure =
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/save-failure.json")))
                as? [String: Any]
            #expect(failure?["raised"] as? Bool == true && failure?["old_whole"] as? Bool == true, "\(failure ?? [:])")
            #expect((failure?["left"] as? [String])?.isEmpty == true, "\(failure ?? [:])")
        }
    }
}
