import Testing

@testable import ConvEngine

/// The automatic inference plan's layouts (`InferencePlanBuilder.blockedSteps`, `LayoutCost`, `LayoutLabelling`):
/// its outputs against the planar plan's, the reorders it runs against the ones its labelling counts, and the
/// layouts the cost table gives named nodes of the shipped networks.
@Suite struct InferencePlanLayoutChoiceTests {
    /// The builder of `network`'s automatic plan as an AVX2 machine makes it (the instruction set forced on this
    /// thread: the plan is only built here, not run).
    static func avx2Builder(_ network: Network) throws -> InferencePlanBuilder? {
        guard Kernels.supportedInstructionSets.contains(.avx2) else { return nil }
        Kernels.forceInstructionSet(.avx2)
        defer { Kernels.forceInstructionSet(nil) }
        return InferencePlanBuilder(network: network, shapes: try network.inferShapes(), layout: .automatic)
    }

    /// The automatic plan's output against the planar plan's within the blocked tests' bound (1e-4 of the largest
    /// magnitude, see `InferencePlanBlockedTests`), a second run identical, and one reorder step for each value
    /// whose writer and readers the labelling puts in different layouts.
    @Test(arguments: ["nin-cifar10", "inception-3a", "squeezenet", "mobilenet-v2", "resnet50", "googlenet", "tiny-inception-shapes"])
    func automaticPlanMatchesPlanarPlan(_ name: String) throws {
        let (network, input) = try ShippedPresets.load(name)
        var planar = try InferencePlan(network: network, layout: .planar)
        var automatic = try InferencePlan(network: network, layout: .automatic)
        let (p, a) = (planar.run(input), automatic.run(input))
        let scale = max(1, p.data.map(abs).max() ?? 0)
        let difference = largestDifference(a.data, p.data)
        #expect(a.shape == p.shape)
        #expect(difference <= 1e-4 * scale, "\(name): automatic vs planar plan \(difference) (scale \(scale))")
        #expect(automatic.run(input) == a, "\(name): a second run differs")
        guard InstructionSet.current == .avx2 else { return }
        let builder = InferencePlanBuilder(network: network, shapes: automatic.shapes, layout: .automatic)
        let (labelling, _) = builder.layoutLabelling()
        let labels = labelling.solve()
        let differing = labelling.groups.filter { $0.cost > 0 && Set($0.members.map { labels[$0] }).count > 1 }
        #expect(automatic.steps.filter { $0.reorder != nil }.count == differing.count, "\(name)")
        #expect(automatic.steps.contains(where: \.runsBlocked) == labels.contains(true), "\(name)")
    }

    /// The same network gives the same layouts on every build (figures, no timing).
    @Test func choiceIsDeterministic() throws {
        let network = try ShippedPresets.load("resnet50").network
        guard let first = try Self.avx2Builder(network), let second = try Self.avx2Builder(network) else { return }
        #expect(first.blocked == second.blocked)
    }
}
