import Foundation
import Testing

@testable import ConvEngine

/// The dump folder: file names, the manifest's contents and order, values read back, and write errors.
struct ExportActivationDumpTests {
    @Test(arguments: [
        ([0], "layers_0"),
        ([3, 1, 0], "layers_3.branches_1_0"),
        ([12, 0, 2, 1, 0], "layers_12.branches_0_2.branches_1_0"),
    ])
    func fileStemSpellsThePath(indices: [Int], stem: String) {
        #expect(ActivationDump.fileStem(NodePath(indices)) == stem)
    }

    /// x = [1, 2, 3, 4] (1×2×2). Block: branch 0 is a 1×1 conv (weight 2, bias 1) → [3, 5, 7, 9],
    /// branch 1 is empty (x); concat → [3, 5, 7, 9, 1, 2, 3, 4]; global average → [6, 2.5].
    static let network = Network(
        name: "tiny", input: InputSpec(shape: Shape(channels: 1, height: 2, width: 2)),
        nodes: [
            Node(
                "block",
                parallel: ParallelBlock(branches: [
                    [
                        Node(
                            "scale",
                            Layer(Conv(outChannels: 1, kernel: Size2(1), parameters: ExplicitParameters(weights: [2], biases: [1]))))
                    ],
                    [],
                ])),
            Node("gap", Layer(GlobalAveragePool())),
        ])

    @Test func writesFilesAndAnOrderedManifest() throws {
        try withTemporaryFolder("dump-unit") { root in
            let folder = root + "/nested"
            let input = Tensor(shape: Self.network.input.shape, data: [1, 2, 3, 4])
            // An uncomputed session: the dump runs it to the end itself.
            try ActivationDump.write(session: ForwardSession(network: Self.network, input: input), to: folder, presetName: "tiny-preset")

            let expected: [(file: String, shape: [Int], values: [Float])] = [
                ("input.npy", [1, 2, 2], [1, 2, 3, 4]),
                ("layers_0.branches_0_0.npy", [1, 2, 2], [3, 5, 7, 9]),
                ("layers_0.branches_0_0.weight.npy", [1, 1, 1, 1], [2]),
                ("layers_0.branches_0_0.bias.npy", [1], [1]),
                ("layers_0.npy", [2, 2, 2], [3, 5, 7, 9, 1, 2, 3, 4]),
                ("layers_1.npy", [2, 1, 1], [6, 2.5]),
            ]
            for file in expected {
                let read = try Npy.read(path: folder + "/" + file.file)
                #expect(read.shape == file.shape, "\(file.file)")
                #expect(read.values == file.values, "\(file.file)")
            }

            let manifest = try JSONParser.parse(String(contentsOfFile: folder + "/manifest.json", encoding: .utf8))
            #expect(manifest["preset"] == .string("tiny-preset"))
            #expect(manifest["output"] == .string("layers[1]"))
            guard case .array(let nodes) = manifest["nodes"] else {
                Issue.record("manifest has no nodes array")
                return
            }
            #expect(nodes.map { $0["path"] } == ["layers[0].branches[0][0]", "layers[0]", "layers[1]"].map { .string($0) })
            #expect(nodes.map { $0["type"] } == ["conv", "parallel", "global_avg_pool"].map { .string($0) })
            #expect(nodes.map { $0["input"] } == ["input", "input", "layers[0]"].map { .string($0) })
            #expect(nodes[0]["attributes"]?["pads"] == .array([0, 0, 0, 0].map { .integer($0) }))
            #expect(nodes[0]["parameters"]?["weight"]?["file"] == .string("layers_0.branches_0_0.weight.npy"))
            #expect(nodes[1]["attributes"]?["branches"] == .array([.string("layers[0].branches[0][0]"), .string("input-of-block")]))
        }
    }

    @Test func unwritableFolderNamesThePath() throws {
        try withTemporaryFolder("dump-blocker") { folder in
            let file = folder + "/blocker"
            try Data("x".utf8).write(to: URL(fileURLWithPath: file))
            let session = try ForwardSession(network: Self.network, input: Tensor(shape: Self.network.input.shape))
            do throws(ExportError) {
                try ActivationDump.write(session: session, to: file + "/dump", presetName: "tiny")
                Issue.record("writing under a regular file should fail")
            } catch {
                guard case .writeFailed(let path, _) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(path == file + "/dump")
                #expect(error.description.hasPrefix("cannot write \(file)/dump: "))
                #expect(error.description.hasSuffix("check that the folder exists and is writable"))
            }
        }
    }
}
