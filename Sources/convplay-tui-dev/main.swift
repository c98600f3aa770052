// TEMPORARY launcher for the playground (remove at merge; `convplay` calls runPlayground itself).
// Builds a few networks in code because presets are not merged yet.
import ConvEngine
import ConvPlayTUI
import Foundation

func conv(_ name: String, _ out: Int, _ k: Int, pad: Int = 0, stride: Int = 1) -> Node {
    Node(name, .conv(Conv(outChannels: out, kernel: Size2(k), stride: Size2(stride), padding: .explicit(Size2(pad)))))
}
func relu(_ name: String) -> Node { Node(name, .activation(.relu)) }

let networks: [String: Network] = [
    "nin-cifar10": Network(name: "NIN CIFAR-10", input: InputSpec(shape: Shape(channels: 3, height: 32, width: 32), source: .synthetic(.shapes, seed: 0)), nodes: [
        conv("conv1", 192, 5, pad: 2), relu("relu1"), conv("cccp1", 160, 1), relu("relu_cccp1"), conv("cccp2", 96, 1), relu("relu_cccp2"),
        Node("pool1", .pool(Pool(kind: .max, kernel: Size2(3), stride: Size2(2), rounding: .ceil))), Node("drop1", .dropout(rate: 0.5)),
        conv("conv2", 192, 5, pad: 2), relu("relu2"), conv("cccp3", 192, 1), relu("relu_cccp3"), conv("cccp4", 192, 1), relu("relu_cccp4"),
        Node("pool2", .pool(Pool(kind: .average, kernel: Size2(3), stride: Size2(2), rounding: .ceil))), Node("drop2", .dropout(rate: 0.5)),
        conv("conv3", 192, 3, pad: 1), relu("relu3"), conv("cccp5", 192, 1), relu("relu_cccp5"), conv("cccp6", 10, 1), relu("relu_cccp6"),
        Node("pool3", .globalAveragePool), Node("prob", .softmax),
    ]),
    "inception-3a": Network(name: "inception(3a)", input: InputSpec(shape: Shape(channels: 192, height: 28, width: 28), source: .synthetic(.noise, seed: 1)), nodes: [
        Node("inception_3a", parallel: ParallelBlock(branches: [
            [conv("1x1", 64, 1), relu("relu_1x1")],
            [conv("3x3_reduce", 96, 1), relu("relu_3x3_reduce"), conv("3x3", 128, 3, pad: 1), relu("relu_3x3")],
            [conv("5x5_reduce", 16, 1), relu("relu_5x5_reduce"), conv("5x5", 32, 5, pad: 2), relu("relu_5x5")],
            [Node("pool", .pool(Pool(kind: .max, kernel: Size2(3), stride: Size2(1), padding: Size2(1)))), conv("pool_proj", 32, 1), relu("relu_pool_proj")],
        ])),
    ]),
    "mlpconv-1d": Network(name: "mlpconv 1-D", input: InputSpec(shape: Shape(channels: 2, height: 1, width: 8), source: .synthetic(.gradient, seed: 0)), nodes: [
        Node("conv", .conv(Conv(outChannels: 2, kernel: Size2(1, 2), parameters: ExplicitParameters(weights: [1, -1, 0.5, 0.5, -1, 1, 0.25, 0.75], biases: [0, 0.1])))),
        relu("relu1"),
        Node("cccp1", .conv(Conv(outChannels: 2, kernel: Size2(1), parameters: ExplicitParameters(weights: [1, 0.5, -0.5, 1], biases: [0, 0])))),
        relu("relu2"),
        Node("cccp2", .conv(Conv(outChannels: 2, kernel: Size2(1), parameters: ExplicitParameters(weights: [0.8, 0.2, 0.3, 0.7], biases: [0, 0])))),
    ]),
    "one-by-one": Network(name: "one-by-one", input: InputSpec(shape: Shape(channels: 3, height: 24, width: 24), source: .synthetic(.checkerboard, seed: 0)), nodes: [
        Node("rescale", .conv(Conv(outChannels: 3, kernel: Size2(1), parameters: ExplicitParameters(weights: [2, 0, 0, 0, 0.5, 0, 0, 0, -1], biases: [0, 0, 0])))),
        conv("expand", 192, 3, pad: 1), relu("relu1"), conv("reduce", 16, 1), relu("relu2"), conv("augment", 192, 1),
    ]),
]

func generateInput(_ spec: InputSpec) -> Tensor {
    var tensor = Tensor(shape: spec.shape)
    let s = spec.shape
    for c in 0..<s.channels { for y in 0..<s.height { for x in 0..<s.width {
        let fx = Float(x) / Float(max(1, s.width - 1)), fy = Float(y) / Float(max(1, s.height - 1))
        let v: Float
        switch spec.source {
        case .synthetic(.checkerboard, _): v = ((x / 4 + y / 4) % 2 == 0) ? 1 : 0
        case .synthetic(.noise, let seed): v = Float((x * 7919 + y * 104729 + c * 1299709 + Int(seed)) % 1000) / 500 - 1
        case .synthetic(.shapes, _):
            let dx = fx - 0.4 - 0.1 * Float(c), dy = fy - 0.5
            v = (dx * dx + dy * dy < 0.08 ? 1 : 0) + (fx > 0.7 && fy < 0.3 ? 0.6 : 0)
        default: v = (fx + fy) / 2 - 0.25 * Float(c)
        }
        tensor[c, y, x] = v
    } } }
    return tensor
}

struct DevServices: PlaygroundServices {
    func presetChoices() -> [PresetChoice] {
        networks.keys.sorted().map { PresetChoice(nameOrPath: $0, summary: networks[$0]!.name) }
    }
    func load(_ nameOrPath: String) throws -> LoadedPreset {
        guard let network = networks[nameOrPath] else { throw CocoaError(.fileNoSuchFile) }
        return LoadedPreset(network: network, file: "presets/\(nameOrPath).json", isShipped: true, input: generateInput(network.input))
    }
    func save(_ network: Network, to path: String) throws {
        try "\(network)".write(toFile: path, atomically: true, encoding: .utf8)
    }
    func wouldOverwrite(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
    func makeInput(for network: Network, relativeTo file: String?) throws -> Tensor { generateInput(network.input) }
}

let name = CommandLine.arguments.dropFirst().first ?? "nin-cifar10"
do {
    let preset = try DevServices().load(name)
    exit(runPlayground(preset: preset, services: DevServices()))
} catch {
    FileHandle.standardError.write(Data("convplay-tui-dev: unknown network \(name); try \(networks.keys.sorted())\n".utf8))
    exit(2)
}
