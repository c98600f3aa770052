import Testing

@testable import ConvEngine

/// The layouts the automatic plan gives the shipped networks' named nodes on AVX2 (the instruction set forced: on an
/// AVX-512 or portable machine the automatic plan is planar, `automaticPlanIsPlanarOffAVX2`; the test runs wherever
/// AVX2 does). These follow the cost table (`LayoutCost`): when its figures change, update `expected` below, one
/// entry a preset (the failure message prints the runs and the reorder count the plan now has).
@Suite struct InferencePlanPresetLayoutTests {
    /// A preset's blocked steps as runs of consecutive steps (`InferencePlanBuilder.layoutSteps`, execution order),
    /// each from its first step's node name through its last's, and the plan's reorder steps.
    struct Layouts: CustomStringConvertible {
        var blockedRuns: [(from: String, through: String)]
        var reorders: Int

        var description: String {
            "blockedRuns: [" + blockedRuns.map { "(\"\($0.from)\", \"\($0.through)\")" }.joined(separator: ", ")
                + "], reorders: \(reorders)"
        }
    }

    /// Each preset's expected layouts on AVX2 (the fifteenth session's cost table; AMD EPYC Zen 4 family 25 model 17,
    /// AVX-512 masked, `convplay bench P --threads 1`: the "→ blocked"/"→ planar" rows).
    static let expected: [String: Layouts] = [
        "nin-cifar10": Layouts(blockedRuns: [("conv2", "cccp5")], reorders: 2),
        "squeezenet": Layouts(blockedRuns: [("fire2/expand1x1", "pool10")], reorders: 1),
        "mobilenet-v2": Layouts(blockedRuns: [("block1_1/dwise", "pool")], reorders: 1),
        "resnet50": Layouts(blockedRuns: [("res2a_branch2a", "pool5")], reorders: 1),
        "googlenet": Layouts(
            blockedRuns: [("conv2/3x3_reduce", "conv2/3x3"), ("inception_3a/1x1", "pool5/7x7_s1")], reorders: 3),
        "inception-3a": Layouts(blockedRuns: [("inception_3a/3x3_reduce", "inception_3a/pool_proj")], reorders: 4),
    ]

    /// The automatic plan's layouts for `network` on AVX2 (nil where this machine has no AVX2).
    static func avx2Layouts(_ network: Network) throws -> Layouts? {
        guard var builder = try InferencePlanLayoutChoiceTests.avx2Builder(network) else { return nil }
        Kernels.forceInstructionSet(.avx2)
        defer { Kernels.forceInstructionSet(nil) }
        builder.build()
        var runs: [(from: String, through: String)] = []
        var inRun = false
        for step in builder.layoutSteps {
            let name = network.node(at: step)!.name
            if !builder.blocked.contains(step) {
                inRun = false
            } else if inRun {
                runs[runs.count - 1].through = name
            } else {
                runs.append((name, name))
                inRun = true
            }
        }
        return Layouts(blockedRuns: runs, reorders: builder.steps.count { $0.reorder != nil })
    }

    @Test(arguments: ["nin-cifar10", "squeezenet", "mobilenet-v2", "resnet50", "googlenet", "inception-3a"])
    func automaticPlanBlocksTheExpectedNodes(_ name: String) throws {
        let network = try ShippedPresets.load(name).network
        guard let layouts = try Self.avx2Layouts(network), let expected = Self.expected[name] else { return }
        #expect(
            layouts.blockedRuns.map { [$0.from, $0.through] } == expected.blockedRuns.map { [$0.from, $0.through] }
                && layouts.reorders == expected.reorders,
            "\(name) on AVX2 now has \(layouts)")
    }
}
