import Foundation
import Testing

@testable import ConvEngine

/// The shipped presets of published networks reproduce the published per-layer figures exactly.
/// Source of every number below: the reference table compiled for convplay from the Caffe definitions
/// (NIN: gists mavenlin/e56253735ef32c3c296d and mavenlin/d802a5849de39225bcc6; GoogLeNet: Szegedy et al. 2014,
/// Table 1, and BVLC `models/bvlc_googlenet/deploy.prototxt`), cross-checked with PyTorch's FlopCounterMode.
/// Conventions: params = weights + biases; MACs count conv and fully connected layers only.
@Suite struct FiguresTests {
    /// One published table row: the node(s) it covers, output H×W×C, and the counts.
    struct Row: Sendable, CustomTestStringConvertible {
        var nodes: [String]
        var height: Int, width: Int, channels: Int
        var weights: Int, biases: Int, macs: Int
        var testDescription: String { nodes.joined(separator: "+") }
        init(_ nodes: [String], _ height: Int, _ width: Int, _ channels: Int, _ weights: Int, _ biases: Int, _ macs: Int) {
            self.nodes = nodes
            self.height = height
            self.width = width
            self.channels = channels
            self.weights = weights
            self.biases = biases
            self.macs = macs
        }
        init(_ node: String, _ height: Int, _ width: Int, _ channels: Int, _ weights: Int, _ biases: Int, _ macs: Int) {
            self.init([node], height, width, channels, weights, biases, macs)
        }
    }

    struct Totals: Sendable { var params: Int, macs: Int, weights: Int? = nil, biases: Int? = nil }

    /// NIN CIFAR-10 (pool2 = avg), input 32×32×3.
    static let ninCifar10: [Row] = [
        Row("conv1", 32, 32, 192, 14_400, 192, 14_745_600),
        Row("relu_conv1", 32, 32, 192, 0, 0, 0),
        Row("cccp1", 32, 32, 160, 30_720, 160, 31_457_280),
        Row("cccp2", 32, 32, 96, 15_360, 96, 15_728_640),
        Row("pool1", 16, 16, 96, 0, 0, 0),
        Row("drop3", 16, 16, 96, 0, 0, 0),
        Row("conv2", 16, 16, 192, 460_800, 192, 117_964_800),
        Row("cccp3", 16, 16, 192, 36_864, 192, 9_437_184),
        Row("cccp4", 16, 16, 192, 36_864, 192, 9_437_184),
        Row("pool2", 8, 8, 192, 0, 0, 0),
        Row("drop6", 8, 8, 192, 0, 0, 0),
        Row("conv3", 8, 8, 192, 331_776, 192, 21_233_664),
        Row("cccp5", 8, 8, 192, 36_864, 192, 2_359_296),
        Row("cccp6", 8, 8, 10, 1_920, 10, 122_880),
        Row("pool3", 1, 1, 10, 0, 0, 0),
        Row("softmax", 1, 1, 10, 0, 0, 0),
    ]

    /// NIN ImageNet (4 mlpconv), input 224×224×3.
    static let ninImageNet: [Row] = [
        Row("conv1", 54, 54, 96, 34_848, 96, 101_616_768),
        Row("cccp1", 54, 54, 96, 9_216, 96, 26_873_856),
        Row("cccp2", 54, 54, 96, 9_216, 96, 26_873_856),
        Row("pool0", 27, 27, 96, 0, 0, 0),
        Row("conv2", 27, 27, 256, 614_400, 256, 447_897_600),
        Row("cccp3", 27, 27, 256, 65_536, 256, 47_775_744),
        Row("cccp4", 27, 27, 256, 65_536, 256, 47_775_744),
        Row("pool2", 13, 13, 256, 0, 0, 0),
        Row("conv3", 13, 13, 384, 884_736, 384, 149_520_384),
        Row("cccp5", 13, 13, 384, 147_456, 384, 24_920_064),
        Row("cccp6", 13, 13, 384, 147_456, 384, 24_920_064),
        Row("pool3", 6, 6, 384, 0, 0, 0),
        Row("drop", 6, 6, 384, 0, 0, 0),
        Row("conv4-1024", 6, 6, 1024, 3_538_944, 1_024, 127_401_984),
        Row("cccp7-1024", 6, 6, 1024, 1_048_576, 1_024, 37_748_736),
        Row("cccp8-1024", 6, 6, 1000, 1_024_000, 1_000, 36_864_000),
        Row("pool4", 1, 1, 1000, 0, 0, 0),
    ]

    /// inception(3a) NAIVE (Fig. 2a), output 28×28×416.
    static let inception3aNaive: [Row] = [
        Row("inception_3a_naive/1x1", 28, 28, 64, 12_288, 64, 9_633_792),
        Row("inception_3a_naive/3x3", 28, 28, 128, 221_184, 128, 173_408_256),
        Row("inception_3a_naive/5x5", 28, 28, 32, 153_600, 32, 120_422_400),
        Row("inception_3a_naive/pool", 28, 28, 192, 0, 0, 0),
        Row("inception_3a_naive", 28, 28, 416, 387_072, 224, 303_464_448),
    ]

    /// inception(3a) with 1×1 reductions (Fig. 2b / Table 1), output 28×28×256.
    static let inception3a: [Row] = [
        Row("inception_3a/1x1", 28, 28, 64, 12_288, 64, 9_633_792),
        Row("inception_3a/3x3_reduce", 28, 28, 96, 18_432, 96, 14_450_688),
        Row("inception_3a/3x3", 28, 28, 128, 110_592, 128, 86_704_128),
        Row("inception_3a/5x5_reduce", 28, 28, 16, 3_072, 16, 2_408_448),
        Row("inception_3a/5x5", 28, 28, 32, 12_800, 32, 10_035_200),
        Row("inception_3a/pool_proj", 28, 28, 32, 6_144, 32, 4_816_896),
        Row("inception_3a/pool", 28, 28, 192, 0, 0, 0),
        Row("inception_3a", 28, 28, 256, 163_328, 368, 128_049_152),
    ]

    /// GoogLeNet, Table 1 rows as computed from the Caffe definition (main branch, no auxiliary heads).
    static let googLeNet: [Row] = [
        Row("conv1/7x7_s2", 112, 112, 64, 9_408, 64, 118_013_952),
        Row(["conv2/3x3_reduce", "conv2/3x3"], 56, 56, 192, 114_688, 256, 359_661_568),
        Row("inception_3a", 28, 28, 256, 163_328, 368, 128_049_152),
        Row("inception_3b", 28, 28, 480, 388_096, 640, 304_267_264),
        Row("inception_4a", 14, 14, 512, 375_552, 624, 73_608_192),
        Row("inception_4b", 14, 14, 512, 448_512, 648, 87_908_352),
        Row("inception_4c", 14, 14, 512, 509_440, 664, 99_850_240),
        Row("inception_4d", 14, 14, 528, 604_672, 704, 118_515_712),
        Row("inception_4e", 14, 14, 832, 867_328, 1_024, 169_996_288),
        Row("inception_5a", 7, 7, 832, 1_042_432, 1_024, 51_079_168),
        Row("inception_5b", 7, 7, 1024, 1_442_816, 1_264, 70_697_984),
        Row("loss3/classifier", 1, 1, 1000, 1_024_000, 1_000, 1_024_000),
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var preset: String
        var rows: [Row]
        var totals: Totals
        var testDescription: String { preset }
    }

    static let cases: [Case] = [
        Case(preset: "nin-cifar10", rows: ninCifar10, totals: Totals(params: 966_986, macs: 222_486_528)),
        Case(preset: "nin-imagenet", rows: ninImageNet, totals: Totals(params: 7_595_176, macs: 1_100_188_800)),
        Case(
            preset: "inception-3a-naive", rows: inception3aNaive,
            totals: Totals(params: 387_296, macs: 303_464_448, weights: 387_072)),
        Case(
            preset: "inception-3a", rows: inception3a,
            totals: Totals(params: 163_696, macs: 128_049_152, weights: 163_328)),
        Case(
            preset: "googlenet", rows: googLeNet,
            totals: Totals(params: 6_998_552, macs: 1_582_671_872, weights: 6_990_272, biases: 8_280)),
    ]

    @Test(arguments: cases)
    func publishedFigures(_ testCase: Case) throws {
        let network = try Preset.load(path: PresetFixtures.path(testCase.preset)).network
        let shapes = try network.inferShapes()
        let costs = try network.cost(shapes: shapes)
        for row in testCase.rows {
            let paths = try row.nodes.map { name in try #require(network.path(named: name), "no node named \(name)") }
            let output = shapes.output(of: paths.last!)
            #expect(
                output == Shape(channels: row.channels, height: row.height, width: row.width),
                "\(testCase.preset) \(row.testDescription): output \(output)")
            let weights = paths.reduce(0) { $0 + costs[$1].weights }
            let biases = paths.reduce(0) { $0 + costs[$1].biases }
            let macs = paths.reduce(0) { $0 + costs[$1].macs }
            #expect(weights == row.weights, "\(testCase.preset) \(row.testDescription): weights")
            #expect(biases == row.biases, "\(testCase.preset) \(row.testDescription): biases")
            #expect(macs == row.macs, "\(testCase.preset) \(row.testDescription): MACs")
        }
        #expect(costs.total.params == testCase.totals.params, "\(testCase.preset): total params")
        #expect(costs.total.macs == testCase.totals.macs, "\(testCase.preset): total MACs")
        if let weights = testCase.totals.weights { #expect(costs.total.weights == weights) }
        if let biases = testCase.totals.biases { #expect(costs.total.biases == biases) }
    }

    /// The classic bottleneck example (28×28×192 → 28×28×32): a direct 5×5 against 1×1 192→16 then 5×5 16→32.
    @Test func bottleneckExample() throws {
        func network(_ layers: String) throws -> CostTable {
            try Preset.decode(
                json: """
                    {"format": 1, "name": "bottleneck", "input": {"shape": [192, 28, 28]}, "layers": [\(layers)]}
                    """
            ).cost()
        }
        let direct = try network(#"{"type": "conv", "out": 32, "kernel": 5, "pad": 2}"#)
        #expect(direct.total.macs == 120_422_400)
        #expect(direct.total.weights == 153_600)
        #expect(direct.total.biases == 32)
        let reduced = try network(#"{"type": "conv", "out": 16, "kernel": 1}, {"type": "conv", "out": 32, "kernel": 5, "pad": 2}"#)
        #expect(reduced[NodePath.top(0)].macs == 2_408_448)
        #expect(reduced[NodePath.top(1)].macs == 10_035_200)
        #expect(reduced.total.macs == 12_443_648)
        #expect(reduced.total.weights == 15_872)
        #expect(reduced.total.biases == 48)
    }
}

extension Network {
    /// The path of the first node called `name`, in display order.
    func path(named name: String) -> NodePath? {
        displayOrder.first { node(at: $0)?.name == name }
    }
}
