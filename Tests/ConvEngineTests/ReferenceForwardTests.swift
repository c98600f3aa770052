import Foundation
import Testing

@testable import ConvEngine

/// Our forward pass against an independent numpy implementation (Tests/Reference/reference_forward.py), node by
/// node: the dump folder gives it the input, weights and attributes; it recomputes everything from its own
/// results and fails on any node more than 1e-4 relative away from ours.
@Suite(.serialized)
struct ReferenceForwardTests {
    /// Dumps a complete forward pass of `network` on `input` and runs the numpy reference over it.
    static func checkWithNumpy(_ network: Network, input: Tensor, label: String) throws {
        // CONVPLAY_KEEP_DUMPS=1 keeps the folder for a look with reference_forward.py by hand.
        let keep = ProcessInfo.processInfo.environment["CONVPLAY_KEEP_DUMPS"] != nil
        try withTemporaryFolder("dump-\(label)", keep: keep) { folder in
            let session = try ForwardSession(network: network, input: input)
            try ActivationDump.write(session: session, to: folder, presetName: label)
            let result = try ReferencePython.run("reference_forward.py", [folder])
            let summary = result.output.split(separator: "\n").last.map(String.init) ?? ""
            print("[\(label)] \(summary)")
            #expect(result.status == 0, "reference_forward.py failed for \(label):\n\(result.output)")
            #expect(summary.hasPrefix("TENSOR OK"), "\(result.output)")
        }
    }

    @Test(arguments: ReferenceNetworks.cases.map(\.0))
    func numpyReferenceMatchesForwardPass(caseName: String) throws {
        let network = ReferenceNetworks.cases.first { $0.0 == caseName }!.1
        try Self.checkWithNumpy(network, input: ReferenceNetworks.randomInput(for: network), label: caseName)
    }

    @Test(arguments: ShippedPresets.names)
    func numpyReferenceMatchesShippedPreset(name: String) throws {
        let preset = try ShippedPresets.load(name)
        try Self.checkWithNumpy(preset.network, input: preset.input, label: name)
    }

    /// The reference is not vacuous: one dumped activation nudged by 1e-3 of its range makes it fail on that node.
    @Test func numpyReferenceCatchesACorruptedNode() throws {
        let network = ReferenceNetworks.everyLayer
        try withTemporaryFolder("dump-corrupt") { folder in
            try ActivationDump.write(
                session: ForwardSession(network: network, input: ReferenceNetworks.randomInput(for: network)),
                to: folder, presetName: "corrupt")
            let file = folder + "/layers_3.npy"
            var (shape, values) = try Npy.read(path: file)
            values[values.count / 2] += 1e-3 * values.map(abs).max()!
            try Npy.write(values, shape: shape, to: file)
            let result = try ReferencePython.run("reference_forward.py", [folder])
            #expect(result.status == 1, "\(result.output)")
            let failing = result.output.split(separator: "\n").filter { $0.hasSuffix("FAIL") }
            #expect(failing.count == 1 && failing[0].hasPrefix("layers[3] "), "\(result.output)")
        }
    }
}
