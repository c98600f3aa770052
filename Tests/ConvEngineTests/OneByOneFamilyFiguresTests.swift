import Foundation
import Testing

@testable import ConvEngine

/// The 1×1 family presets reproduce their published figures exactly.
/// Sources: parameter counts and GFLOPS from torchvision's model documentation (docs.pytorch.org/vision/stable/models,
/// "num_params" and "GFLOPS" of SqueezeNet1_0_Weights, MobileNet_V2_Weights.IMAGENET1K_V1, ResNet50_Weights.IMAGENET1K_V1:
/// 1,248,424 / 0.82, 3,504,872 / 0.30, 25,557,032 / 4.09 — torchvision's "GFLOPS" count multiply-adds of convs and
/// linear layers, our MACs); MobileNetV2's paper (Sandler et al. 2018, Table 4): 300 M multiply-adds. Per-layer rows
/// are worked out by hand from the architectures: weights = K·C/groups·kh·kw, MACs = weights · OH · OW.
@Suite struct OneByOneFamilyFiguresTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var preset: String, node: String
        var height: Int, width: Int, channels: Int
        var weights: Int, biases: Int, macs: Int
        var testDescription: String { "\(preset) \(node)" }
    }

    static let rows: [Row] = [
        // SqueezeNet 1.0: conv1 96×3×7×7 on 224 → 109; fire2 at 54×54 (ceil pool of 109); conv10 1000×512 at 13×13
        Row(preset: "squeezenet", node: "conv1", height: 109, width: 109, channels: 96, weights: 14_112, biases: 96, macs: 167_664_672),
        Row(
            preset: "squeezenet", node: "fire2/squeeze1x1", height: 54, width: 54, channels: 16, weights: 1_536, biases: 16, macs: 4_478_976
        ),
        Row(
            preset: "squeezenet", node: "fire2/expand3x3", height: 54, width: 54, channels: 64, weights: 9_216, biases: 64, macs: 26_873_856
        ),
        Row(
            preset: "squeezenet", node: "fire2/concat", height: 54, width: 54, channels: 128, weights: 10_240, biases: 128, macs: 29_859_840
        ),
        Row(preset: "squeezenet", node: "conv10", height: 13, width: 13, channels: 1000, weights: 512_000, biases: 1000, macs: 86_528_000),
        // MobileNetV2: conv1 32×3×3×3 stride 2 → 112; block2_1 expands 16 → 96 at 112×112, depthwise 3×3 stride 2 → 56
        Row(preset: "mobilenet-v2", node: "conv1", height: 112, width: 112, channels: 32, weights: 864, biases: 0, macs: 10_838_016),
        Row(
            preset: "mobilenet-v2", node: "block2_1/expand", height: 112, width: 112, channels: 96, weights: 1_536, biases: 0,
            macs: 19_267_584),
        Row(preset: "mobilenet-v2", node: "block2_1/dwise", height: 56, width: 56, channels: 96, weights: 864, biases: 0, macs: 2_709_504),
        Row(
            preset: "mobilenet-v2", node: "block2_1/linear", height: 56, width: 56, channels: 24, weights: 2_304, biases: 0, macs: 7_225_344
        ),
        Row(preset: "mobilenet-v2", node: "fc", height: 1, width: 1, channels: 1000, weights: 1_280_000, biases: 1000, macs: 1_280_000),
        // ResNet-50: conv1 64×3×7×7 stride 2 → 112; res2a's 3×3 64×64 at 56; res3a's 3×3 strides 56 → 28; fc 1000×2048
        Row(preset: "resnet50", node: "conv1", height: 112, width: 112, channels: 64, weights: 9_408, biases: 0, macs: 118_013_952),
        Row(preset: "resnet50", node: "res2a_branch2b", height: 56, width: 56, channels: 64, weights: 36_864, biases: 0, macs: 115_605_504),
        Row(
            preset: "resnet50", node: "res3a_branch2b", height: 28, width: 28, channels: 128, weights: 147_456, biases: 0, macs: 115_605_504
        ),
        Row(
            preset: "resnet50", node: "res3a_branch1", height: 28, width: 28, channels: 512, weights: 131_072, biases: 0, macs: 102_760_448),
        Row(preset: "resnet50", node: "fc1000", height: 1, width: 1, channels: 1000, weights: 2_048_000, biases: 1000, macs: 2_048_000),
    ]

    @Test(arguments: rows)
    func layerMatchesItsRow(row: Row) throws {
        let network = try ShippedPresets.load(row.preset).network
        let shapes = try network.inferShapes()
        let costs = try network.cost(shapes: shapes)
        let path = try #require(network.displayOrder.first { network.node(at: $0)?.name == row.node })
        #expect(shapes.output(of: path) == Shape(channels: row.channels, height: row.height, width: row.width))
        #expect(costs[path].weights == row.weights)
        #expect(costs[path].biases == row.biases)
        #expect(costs[path].macs == row.macs)
    }

    /// Totals: torchvision's parameter counts exactly; MACs that round to its GFLOPS (and to the paper's 300 M).
    @Test(arguments: [
        ("squeezenet", 1_248_424, 818_924_576, 0.82), ("mobilenet-v2", 3_504_872, 300_774_272, 0.30),
        ("resnet50", 25_557_032, 4_089_184_256, 4.09),
    ])
    func totalsMatchThePublishedFigures(preset: String, params: Int, macs: Int, gflops: Double) throws {
        let total = try ShippedPresets.load(preset).network.cost().total
        #expect(total.params == params)
        #expect(total.macs == macs)
        #expect((Double(total.macs) / 1e9 * 100).rounded() / 100 == gflops)
    }

    /// MobileNetV2's block2_1: depthwise 3×3 (96 channels, stride 2, 112 → 56) then the linear 1×1 96 → 24, against a
    /// full 3×3 conv 96 → 24 at 56×56: 864·3136 + 2,304·3136 = 9,934,848 MACs against 20,736·3136 = 65,028,096.
    @Test func depthwiseSeparableAgainstAFullConv() throws {
        let network = try ShippedPresets.load("mobilenet-v2").network
        let shapes = try network.inferShapes()
        let path = try #require(network.displayOrder.first { network.node(at: $0)?.name == "block2_1/dwise" })
        let comparison = try #require(network.separableComparison(at: path, shapes: shapes))
        #expect(comparison.separableMACs == 9_934_848 && comparison.fullMACs == 65_028_096)
        #expect(comparison.separableParams == 864 + 2_304 && comparison.fullParams == 20_736)
        let pointwise = try #require(network.displayOrder.first { network.node(at: $0)?.name == "block2_1/linear" })
        #expect(network.separableComparison(at: pointwise, shapes: shapes) == nil, "a pointwise conv is not depthwise")
    }
}
