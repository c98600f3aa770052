import Foundation
import Testing

@testable import ConvEngine

/// Runs the Python side of the reference tests (Tests/Reference/*.py) with the project's test interpreter.
enum ReferencePython {
    /// The package root: three levels above this file (Tests/ConvEngineTests/ReferenceSupport.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// `$CONVPLAY_PYTHON`, else `<package root>/.venv/bin/python`; nil (after recording a failure) when neither exists.
    static func interpreter() -> String? {
        var candidates: [String] = []
        if let fromEnvironment = ProcessInfo.processInfo.environment["CONVPLAY_PYTHON"], !fromEnvironment.isEmpty {
            candidates.append(fromEnvironment)
        }
        candidates.append(packageRoot + "/.venv/bin/python")
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        Issue.record(
            """
            no Python for the reference tests: tried \(candidates.joined(separator: ", ")). \
            Run `make test` (it creates .venv with numpy, onnx and onnxruntime), or set CONVPLAY_PYTHON.
            """)
        return nil
    }

    /// Runs `Tests/Reference/<script>` with `arguments` (and `input` on its stdin); returns its exit status and
    /// combined output. The script gets a TMPDIR of its own, removed after it: torch and onnx leave files in theirs.
    static func run(_ script: String, _ arguments: [String], input: Data? = nil) throws -> (status: Int32, output: String) {
        guard let python = interpreter() else { return (-1, "") }
        return try withTemporaryFolder("python") { temporary in
            try run(python, script, arguments, input: input, temporary: temporary)
        }
    }

    private static func run(
        _ python: String, _ script: String, _ arguments: [String], input: Data?, temporary: String
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": temporary]) { $1 }
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [packageRoot + "/Tests/Reference/" + script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let stdin = Pipe()
        if input != nil { process.standardInput = stdin }
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(input)
            try stdin.fileHandleForWriting.close()
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// Networks the Python-backed tests run, with random (seeded He) weights.
enum ReferenceNetworks {
    static func conv(_ name: String, _ k: Int, _ size: Int, pad: Int = 0, stride: Int = 1) -> Node {
        Node(name, Layer(Conv(outChannels: k, kernel: Size2(size), stride: Size2(stride), padding: .explicit(Size2(pad)))))
    }
    static func relu(_ name: String) -> Node { Node(name, Layer(ReLU())) }

    /// NIN for CIFAR-10 (the Caffe model-zoo definition, pool2 average), 3×32×32.
    static let ninCifar10 = Network(
        name: "nin-cifar10-shaped", input: InputSpec(shape: Shape(channels: 3, height: 32, width: 32)),
        initialization: Initialization(scheme: .he, seed: 11),
        nodes: [
            conv("conv1", 192, 5, pad: 2), relu("relu1"), conv("cccp1", 160, 1), relu("relu_cccp1"),
            conv("cccp2", 96, 1), relu("relu_cccp2"),
            Node("pool1", Layer(Pool(kind: .max, kernel: Size2(3), stride: Size2(2), rounding: .ceil))),
            Node("drop3", Layer(Dropout(rate: 0.5))),
            conv("conv2", 192, 5, pad: 2), relu("relu2"), conv("cccp3", 192, 1), relu("relu_cccp3"),
            conv("cccp4", 192, 1), relu("relu_cccp4"),
            Node("pool2", Layer(Pool(kind: .average, kernel: Size2(3), stride: Size2(2), rounding: .ceil))),
            Node("drop6", Layer(Dropout(rate: 0.5))),
            conv("conv3", 192, 3, pad: 1), relu("relu3"), conv("cccp5", 192, 1), relu("relu_cccp5"),
            conv("cccp6", 10, 1), relu("relu_cccp6"),
            Node("pool3", Layer(Pool(kind: .average, kernel: Size2(8), stride: Size2(1), rounding: .ceil))),
            Node("loss", Layer(Softmax())),
        ])

    /// GoogLeNet's inception(3a) block with 1×1 reductions on a 192×28×28 input.
    static let inception3a = Network(
        name: "inception-3a-block", input: InputSpec(shape: Shape(channels: 192, height: 28, width: 28)),
        initialization: Initialization(scheme: .he, seed: 12),
        nodes: [
            Node(
                "inception_3a",
                parallel: ParallelBlock(branches: [
                    [conv("1x1", 64, 1), relu("relu_1x1")],
                    [conv("3x3_reduce", 96, 1), relu("relu_3x3_reduce"), conv("3x3", 128, 3, pad: 1), relu("relu_3x3")],
                    [conv("5x5_reduce", 16, 1), relu("relu_5x5_reduce"), conv("5x5", 32, 5, pad: 2), relu("relu_5x5")],
                    [
                        Node("pool", Layer(Pool(kind: .max, kernel: Size2(3), stride: Size2(1), padding: Size2(1), rounding: .ceil))),
                        conv("pool_proj", 32, 1), relu("relu_pool_proj"),
                    ],
                ]))
        ])

    /// A small network touching every layer type and the awkward geometry: dilation, groups, `same`
    /// padding, a stride that skips the last columns, padded ceil pools (max and average), LRN, batch norm,
    /// every activation, lateral, a residual add with an empty branch, concat, flatten, dense, softmax.
    static let everyLayer: Network = {
        var rng = SplitMix64(seed: 99)
        let c = 8
        let stats = BatchNorm.Statistics(
            mean: (0..<c).map { _ in rng.nextNormal() * 0.3 }, variance: (0..<c).map { _ in 0.5 + rng.nextUnit() },
            scale: (0..<c).map { _ in 0.5 + rng.nextUnit() }, shift: (0..<c).map { _ in rng.nextNormal() * 0.2 })
        return Network(
            name: "every-layer", input: InputSpec(shape: Shape(channels: 4, height: 11, width: 14)),
            initialization: Initialization(scheme: .xavier, seed: 13),
            nodes: [
                Node("dilated", Layer(Conv(outChannels: 8, kernel: Size2(3), padding: .explicit(Size2(2)), dilation: Size2(2)))),
                Node("bn", Layer(BatchNorm(epsilon: 1e-3, statistics: stats))),
                Node("leaky", Layer(LeakyReLU(slope: 0.1))),
                Node("clip", Layer(Clip(minimum: -0.4, maximum: 0.9))),
                Node("grouped_same", Layer(Conv(outChannels: 12, kernel: Size2(3, 2), stride: Size2(2), padding: .same, groups: 4))),
                Node("lrn", Layer(LocalResponseNorm(size: 3, alpha: 0.5, beta: 0.75, k: 2))),
                Node("skip_last", Layer(Conv(outChannels: 8, kernel: Size2(2), stride: Size2(2), hasBias: false))),
                Node("sigmoid", Layer(Sigmoid())),
                Node(
                    "residual",
                    parallel: ParallelBlock(
                        branches: [
                            [
                                Node("res_conv", Layer(Conv(outChannels: 8, kernel: Size2(3), padding: .same))),
                                Node("tanh", Layer(Tanh())),
                                Node("hardswish", Layer(HardSwish())),
                            ],
                            [],
                        ], merge: .add)),
                Node("lateral", Layer(Lateral())),
                Node(
                    "mixed",
                    parallel: ParallelBlock(branches: [
                        [
                            Node(
                                "avg_pad",
                                Layer(Pool(kind: .average, kernel: Size2(3), stride: Size2(2), padding: Size2(1), rounding: .ceil)))
                        ],
                        [Node("max_pad", Layer(Pool(kind: .max, kernel: Size2(3), stride: Size2(2), padding: Size2(1), rounding: .ceil)))],
                        [
                            Node("avg_ceil", Layer(Pool(kind: .average, kernel: Size2(2), stride: Size2(2), rounding: .ceil))),
                            Node("relu", Layer(ReLU())),
                        ],
                    ])),
                Node("drop", Layer(Dropout(rate: 0.3))),
                Node("flatten", Layer(Flatten())),
                Node("dense", Layer(Dense(outFeatures: 10))),
                Node("dense_nobias", Layer(Dense(outFeatures: 6, hasBias: false))),
                Node("softmax", Layer(Softmax())),
            ])
    }()

    /// The named cases of the Python-backed tests.
    static let cases: [(String, Network)] = [
        ("nin-cifar10", ninCifar10), ("inception-3a", inception3a), ("every-layer", everyLayer),
    ]

    /// A random input in [−1, 1) of the network's input shape.
    static func randomInput(for network: Network, seed: UInt64 = 5) -> Tensor {
        var rng = SplitMix64(seed: seed)
        let shape = network.input.shape
        return Tensor(shape: shape, data: (0..<shape.elementCount).map { _ in rng.nextUnit() * 2 - 1 })
    }
}

/// The shipped presets (presets/*.json), loaded by path from the package root.
enum ShippedPresets {
    static let folder = ReferencePython.packageRoot + "/presets"
    /// Every shipped preset's name, sorted.
    static let names: [String] = Preset.shipped(in: folder).map(\.name)

    /// The preset's network and its own input (synthetic or the image beside it).
    static func load(_ name: String) throws -> (network: Network, input: Tensor) {
        let loaded = try Preset.load(path: folder + "/\(name).json")
        return (loaded.network, try loaded.network.input.makeTensor(relativeTo: loaded.directory))
    }
}
