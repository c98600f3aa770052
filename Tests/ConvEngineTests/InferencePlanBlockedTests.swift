import Testing

@testable import ConvEngine

/// The inference plan on the blocked layout (NCHW8c): a plan forced blocked (`InferenceLayout.blocked`, on any
/// machine: every instruction set gives the blocked kernel's bits) against the planar plan and the playground's pass,
/// where the reorders go, which convs run blocked, and what the plan holds.
///
/// Tolerance: the blocked conv sums each output as bias, then input block, ky, kx, input channel (one fused
/// multiply-add each, taps in the padding skipped), the planar kernels in their GEMM/tile orders; the same K products
/// in another order differ by at most K · 2⁻²⁴ of the sum of their magnitudes per conv (K ≤ 4,608 on these networks),
/// and by a few ulps in practice. So blocked and planar outputs agree to 1e-4 of the output's largest magnitude (at
/// least 1), the bound the planar plan already meets against `ForwardSession`, whose kernels sum in other orders too.
@Suite struct InferencePlanBlockedTests {
    static func maxPool(_ name: String) -> Node {
        Node(name, Layer(Pool(kind: .max, kernel: Size2(2), stride: Size2(2))))
    }

    /// A 16-channel residual block (conv + bn + relu, conv + bn, the add and its relu fused), a pool between convs
    /// (blocked, as its input),
    /// a concat of two blocked parts (16 + 8 channels), a 12-channel conv (not a multiple of 8: planar) and the conv
    /// reading it (planar too), a conv whose output is a 1×1 map and a 1×1 conv reading it (the same floats in both
    /// layouts).
    static let mixed = Network(
        name: "mixed", input: InputSpec(shape: Shape(channels: 8, height: 12, width: 10)),
        initialization: Initialization(scheme: .he, seed: 11),
        nodes: [
            PlanTestNodes.conv("stem", 16, 3), PlanTestNodes.batchNorm("stem_bn", 16, seed: 1), Node("stem_relu", Layer(ReLU())),
            Node(
                "res",
                parallel: ParallelBlock(
                    branches: [
                        [
                            PlanTestNodes.conv("res_a", 16, 3, bias: false), PlanTestNodes.batchNorm("res_a_bn", 16, seed: 2),
                            Node("res_a_relu", Layer(ReLU())),
                            PlanTestNodes.conv("res_b", 16, 3, bias: false), PlanTestNodes.batchNorm("res_b_bn", 16, seed: 3),
                        ],
                        [],
                    ], merge: .add)),
            Node("res_relu", Layer(ReLU())),
            maxPool("pool"),
            Node(
                "cat",
                parallel: ParallelBlock(
                    branches: [[PlanTestNodes.conv("left", 16, 1)], [PlanTestNodes.conv("right", 8, 3)]], merge: .concat)),
            PlanTestNodes.conv("odd", 12, 3), Node("odd_relu", Layer(ReLU())),
            PlanTestNodes.conv("mid", 16, 1),
            Node("squash", Layer(Conv(outChannels: 24, kernel: Size2(6, 5)))),
            PlanTestNodes.conv("head", 8, 1),
        ])

    /// The plan's value written by the step of the node called `name`.
    static func output(_ plan: InferencePlan, _ network: Network, _ name: String) -> PlannedValue? {
        guard let step = plan.steps.first(where: { $0.reorder == nil && network.node(at: $0.path)!.name == name }) else { return nil }
        switch step.work {
        case .layer(_, _, _, _, _, let output, _), .blockedConv(_, _, _, _, let output, _), .merge(_, _, _, let output),
            .blockedPool(_, _, _, let output):
            return plan.values[output]
        case .reorder: return nil
        }
    }

    /// The forced-blocked plan's output against the planar plan's and the playground's (the bound above), a second
    /// run identical; returns the blocked plan.
    @discardableResult
    static func expectBlockedMatches(_ network: Network, _ input: Tensor, _ label: String) throws -> InferencePlan {
        var session = try ForwardSession(network: network, input: input)
        session.runToEnd()
        let full = session.finalOutput!
        var planar = try InferencePlan(network: network, layout: .planar)
        var blocked = try InferencePlan(network: network, layout: .blocked)
        let (p, b) = (planar.run(input), blocked.run(input))
        let scale = max(1, full.data.map(abs).max() ?? 0)
        #expect(b.shape == full.shape)
        let againstPlanar = largestDifference(b.data, p.data), againstFull = largestDifference(b.data, full.data)
        #expect(againstPlanar <= 1e-4 * scale, "\(label): blocked vs planar plan \(againstPlanar) (scale \(scale))")
        #expect(againstFull <= 1e-4 * scale, "\(label): blocked plan vs forward session \(againstFull) (scale \(scale))")
        #expect(blocked.run(input) == b, "\(label): a second run of the blocked plan differs")
        return blocked
    }

    @Test func mixedNetworkMatchesPlanarPlanAndSession() throws {
        let plan = try Self.expectBlockedMatches(Self.mixed, ReferenceNetworks.randomInput(for: Self.mixed), "mixed")
        let layout = { (name: String) in Self.output(plan, Self.mixed, name)?.layout }
        // 8 → 16 and 16 → 16 convs, their chains and the concat of blocked parts are blocked
        for name in ["stem", "res_a", "res_b", "pool", "left", "right", "cat"] {
            #expect(layout(name) == .blocked, "\(name)")
        }
        // 12 channels in or out stay planar; a 1×1 map is planar (the same floats)
        for name in ["odd", "mid", "squash", "head"] {
            #expect(layout(name) == .planar, "\(name)")
        }
        let blockedConvs = plan.steps.filter(\.runsBlocked).map { Self.mixed.node(at: $0.path)!.name }
        #expect(blockedConvs == ["stem", "res_a", "res_b", "pool", "left", "right", "squash", "head"])
        // reorders: the input in, the concat out to odd, mid's value in to squash; none around the pool (blocked),
        // squash's 1×1 output nor the final 1×1 output
        #expect(plan.steps.compactMap(\.reorder) == [.blocked, .planar, .blocked])
        // the residual add is fused into res_b's store, the sum written over the add's other part (stem's value)
        let resB = plan.steps.first { Self.mixed.node(at: $0.path)!.name == "res_b" }
        guard case .blockedConv(_, _, _, _, let out, let epilogue) = resB?.work else {
            Issue.record("res_b does not run blocked")
            return
        }
        #expect(epilogue.map(\.operation) == [.add(at: 0, count: 2), .activation(.relu)])
        let stem = plan.values.firstIndex(of: Self.output(plan, Self.mixed, "stem")!)!
        #expect(plan.values[stem].place == .within(value: out, offset: 0))
    }

    /// A chain a blocked conv cannot store whole: its raw output read by another node too (the relu goes into a
    /// value of its own), and a batch norm after a relu (a per-channel step: the conv stays planar).
    @Test func chainsAfterTheStoreStayCorrect() throws {
        let network = Network(
            name: "chains", input: InputSpec(shape: Shape(channels: 8, height: 7, width: 9)),
            initialization: Initialization(scheme: .he, seed: 4),
            nodes: [
                PlanTestNodes.conv("a", 8, 3),
                Node(
                    "split",
                    parallel: ParallelBlock(branches: [[Node("a_relu", Layer(ReLU()))], [PlanTestNodes.conv("side", 8, 1)]], merge: .add)),
                PlanTestNodes.conv("b", 16, 3), Node("b_relu", Layer(ReLU())), PlanTestNodes.batchNorm("b_bn", 16, seed: 9),
                PlanTestNodes.conv("c", 8, 1),
            ])
        let plan = try Self.expectBlockedMatches(network, ReferenceNetworks.randomInput(for: network), "chains")
        #expect(Self.output(plan, network, "a")?.layout == .blocked)
        #expect(Self.output(plan, network, "b")?.layout == .planar)
        let blockedConvs = plan.steps.filter(\.runsBlocked).map { network.node(at: $0.path)!.name }
        #expect(blockedConvs == ["a", "side", "c"])
    }

    /// Shipped presets small enough for the portable blocked loop (the others run in the benchmark).
    @Test(arguments: ["nin-cifar10", "inception-3a", "squeezenet", "mobilenet-v2", "tiny-inception-shapes", "nin-shapes", "one-by-one"])
    func shippedPresetMatches(_ name: String) throws {
        let (network, input) = try ShippedPresets.load(name)
        let plan = try Self.expectBlockedMatches(network, input, name)
        #expect(plan.steps.contains { $0.runsBlocked } || name == "one-by-one", "\(name): no conv runs blocked")
    }

    /// ResNet-50 on a 64×64 input: the residual adds and ReLUs stored by the blocked kernel.
    @Test func resNet50OnSmallInputMatches() throws {
        var network = try ShippedPresets.load("resnet50").network
        network.input.shape = Shape(channels: 3, height: 64, width: 64)
        try Self.expectBlockedMatches(network, ReferenceNetworks.randomInput(for: network), "resnet50 on 64×64")
    }

    /// ResNet-50's blocked plan: one reorder, into blocked after the stem's max pool (the stem's 3 input channels and
    /// so its pool stay planar), every conv after the stem blocked and the global average pool too (its (2048, 1, 1)
    /// output the same floats in both layouts, so the dense layer reads it as it is), and the memory target still
    /// met with the blocked weights counted as packed.
    @Test func resNet50BlockedPlanReordersOnlyAtTheEdges() throws {
        let network = try ShippedPresets.load("resnet50").network
        let plan = try InferencePlan(network: network, layout: .blocked)
        let name = { (step: InferenceStep) in network.node(at: step.path)!.name }
        let reorders = plan.steps.indices.filter { plan.steps[$0].reorder != nil }
        #expect(reorders.map { plan.steps[$0].reorder } == [.blocked])
        #expect(reorders.map { name(plan.steps[$0 - 1]) } == ["pool1"])
        #expect(reorders.map { name(plan.steps[$0 + 1]) } == ["res2a_branch2a"])
        #expect(plan.steps.filter { $0.runsBlocked && network.node(at: $0.path)!.layer?.is(Conv.self) == false }.map(name) == ["pool5"])
        let convs = plan.steps.filter { network.node(at: $0.path)!.layer?.is(Conv.self) == true }
        #expect(convs.count == 53)
        #expect(convs.filter { !$0.runsBlocked }.map(name) == ["conv1"])
        let shapes = try network.inferShapes()
        let costs = try network.cost(shapes: shapes)
        let target = (4 * costs.total.params + plan.memory.largestActivationBytes.prefix(2).reduce(0, +)) * 3 / 2
        #expect(plan.memory.totalBytes <= target, "\(plan.memory.totalBytes) bytes against the target \(target)")
        // every blocked conv's weight is held once, packed, and only its bias as plain floats
        let planar = try InferencePlan(network: network, layout: .planar)
        let blockedWeights = convs.filter(\.runsBlocked).map { shapes.convGeometry(at: $0.path)!.weightCount }.reduce(0, +)
        #expect(plan.memory.packedBytes >= 4 * blockedWeights)
        #expect(plan.memory.packedBytes + plan.memory.parameterBytes <= planar.memory.packedBytes + planar.memory.parameterBytes)
        #expect(plan.values.filter { $0.layout == .blocked }.count > 50)
    }

    /// The automatic choice is planar, exactly as before the blocked layout, on every instruction set but AVX2 (an
    /// AVX-512 or portable machine); on AVX2 it is the labelling of least estimated cost.
    @Test func automaticPlanIsPlanarOffAVX2() throws {
        let network = try ShippedPresets.load("resnet50").network
        let shapes = try network.inferShapes()
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            defer { Kernels.forceInstructionSet(nil) }
            let builder = InferencePlanBuilder(network: network, shapes: shapes, layout: .automatic)
            if isa == .avx2 {
                let (labelling, steps) = builder.layoutLabelling()
                let labels = labelling.solve()
                #expect(builder.blocked == Set(steps.indices.filter { labels[$0 + 1] }.map { steps[$0] }))
                #expect(!builder.blocked.isEmpty)
            } else {
                #expect(builder.blocked.isEmpty, "\(isa.name): \(builder.blocked.count) steps blocked")
            }
        }
        Kernels.forceInstructionSet(.portable)
        defer { Kernels.forceInstructionSet(nil) }
        let plan = try InferencePlan(network: Self.mixed, layout: .automatic)
        #expect(plan.values.allSatisfy { $0.layout == .planar } && plan.steps.allSatisfy { $0.reorder == nil && !$0.runsBlocked })
    }

    /// A blocked conv's per-thread scratch (the band's partial sums between input-block groups) in the plan's figure:
    /// one conv of `channels` in and 32 out, `kernel`×`kernel`, "same", on a `height`×`width` map, forced blocked (a
    /// reorder in, the conv, a reorder out: only the conv takes scratch). `expected` floats a thread, from the
    /// geometry: a group holds the input blocks whose weights for 4 output blocks (4 · taps · 8 · 8 floats) fit 32 KB
    /// (k×k) or 16 KB (1×1), at least one; with more than one group the band's sums take 4 blocks × ⌈256 / width⌉
    /// rows (at most the height) × width × 8 floats.
    @Test(arguments: [
        (24, 3, 20, 30, 0),  // 3 input blocks, one group of 3 (9 KB a block): no partial sums kept
        (32, 3, 20, 30, 4 * 9 * 30 * 8),  // 4 blocks in groups of 3; bands of ⌈256 / 30⌉ = 9 rows
        (32, 3, 4, 30, 4 * 4 * 30 * 8),  // the same on 4 rows: bands of 4
        (16, 5, 20, 30, 4 * 9 * 30 * 8),  // 5×5: 25 KB a block, groups of 1
        (128, 1, 20, 30, 0),  // 1×1: 16 blocks, one group of 16 (1 KB a block)
        (136, 1, 20, 30, 4 * 9 * 30 * 8),  // 17 blocks: two groups
    ])
    func blockedConvScratchIsCounted(channels: Int, kernel: Int, height: Int, width: Int, expected: Int) throws {
        let network = Network(
            name: "scratch", input: InputSpec(shape: Shape(channels: channels, height: height, width: width)),
            initialization: Initialization(scheme: .he, seed: 2), nodes: [PlanTestNodes.conv("conv", 32, kernel)])
        let blocked = try InferencePlan(network: network, layout: .blocked)
        #expect(blocked.steps.map(\.runsBlocked) == [false, true, false])
        #expect(blocked.memory.scratchBytes == 4 * expected * KernelThreads.count)
        // the planar plan counts the conv's planar working floats, and the budget the larger of both
        let planar = try InferencePlan(network: network, layout: .planar)
        let working = try Conv(outChannels: 32, kernel: Size2(kernel), padding: .same).workingFloats(blocked.shapes.io(at: .top(0)))
        #expect(planar.memory.scratchBytes == 4 * working.perThread * KernelThreads.count)
        #expect(blocked.shapes.memory.scratch == 4 * working.perThread * KernelThreads.count)
    }

    /// `chainHeads`: each node of a conv's fused chain (folded batch norms, activations, residual adds and what follows
    /// them) mapped to its conv, on `InferencePlanTests.fusion`.
    @Test func chainHeadsMapFusedNodesToTheirConv() throws {
        let network = InferencePlanTests.fusion
        let builder = InferencePlanBuilder(network: network, shapes: try network.inferShapes(), layout: .planar)
        let named = Dictionary(
            uniqueKeysWithValues: builder.chainHeads.map { (network.node(at: $0.key)!.name, network.node(at: $0.value)!.name) })
        #expect(
            named == [
                "stem_bn": "stem", "relu6": "stem", "dw_bn": "dw", "dw_relu": "dw", "a1_bn": "a1", "res_a": "a1",
                "res_a_relu": "a1", "b1_bn": "b1", "res_b": "b1", "mix_relu": "mix", "after_relu": "mix",
            ])
    }

    /// A blocked value every reader of which reads planar goes planar right after its writer (not before its first
    /// reader), so it dies there: input 8×12×10 → concat of [a (16 channels, blocked)], [b (16, blocked)], [c (12:
    /// planar)] (planar: c is not in whole blocks) → head (44 channels in: planar). a's and b's reorders follow their
    /// convs, before c, and the outputs are the planar plan's.
    @Test func blockedValuesGoPlanarRightAfterTheirWriter() throws {
        let network = Network(
            name: "branches", input: InputSpec(shape: Shape(channels: 8, height: 12, width: 10)),
            initialization: Initialization(scheme: .he, seed: 6),
            nodes: [
                Node(
                    "cat",
                    parallel: ParallelBlock(
                        branches: [[PlanTestNodes.conv("a", 16, 3)], [PlanTestNodes.conv("b", 16, 3)], [PlanTestNodes.conv("c", 12, 3)]],
                        merge: .concat)),
                PlanTestNodes.conv("head", 8, 1),
            ])
        let plan = try Self.expectBlockedMatches(network, ReferenceNetworks.randomInput(for: network), "branches")
        #expect(plan.steps.map { network.node(at: $0.path)!.name } == ["a", "a", "a", "b", "b", "c", "cat", "head"])
        #expect(plan.steps.map(\.reorder) == [.blocked, nil, .planar, nil, .planar, nil, nil, nil])
        #expect(Self.output(plan, network, "a")?.layout == .blocked && Self.output(plan, network, "a")?.lastStep == 2)
        #expect(Self.output(plan, network, "b")?.lastStep == 4)
    }
}
