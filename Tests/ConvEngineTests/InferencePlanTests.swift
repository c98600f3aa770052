import Testing

@testable import ConvEngine

/// The inference plan against the playground's pass (every node computed and kept): the same final output
/// within float rounding, batch norm folded exactly, chains written once, memory reused after the last reader.
@Suite struct InferencePlanTests {
    /// A network of every fusion the plan does: conv + bn folded + relu6 in place, a depthwise conv + bn + relu,
    /// a residual add fused as branch 0 and as branch 1 (the chain's own value read after the other part), a
    /// value a chain passes on that another node still reads (the chain keeps it and goes on in a new buffer),
    /// a batch norm after a relu (an affine step, not folded), and an add merge that no conv fuses.
    static let fusion: Network = {
        var rng = SplitMix64(seed: 7)
        func bn(_ name: String, _ c: Int) -> Node { PlanTestNodes.batchNorm(name, c, rng: &rng) }
        return Network(
            name: "fusion", input: InputSpec(shape: Shape(channels: 6, height: 9, width: 21)),
            initialization: Initialization(scheme: .he, seed: 3),
            nodes: [
                PlanTestNodes.conv("stem", 8, 3, bias: false), bn("stem_bn", 8), Node("relu6", Layer(Clip(minimum: 0, maximum: 6))),
                PlanTestNodes.conv("dw", 8, 3, groups: 8), bn("dw_bn", 8), Node("dw_relu", Layer(ReLU())),
                Node(
                    "res_a",
                    parallel: ParallelBlock(branches: [[PlanTestNodes.conv("a1", 8, 1), bn("a1_bn", 8)], []], merge: .add)),
                Node("res_a_relu", Layer(ReLU())),
                Node(
                    "res_b",
                    parallel: ParallelBlock(branches: [[], [PlanTestNodes.conv("b1", 8, 3), bn("b1_bn", 8)]], merge: .add)),
                PlanTestNodes.conv("mix", 8, 1), Node("mix_relu", Layer(ReLU())),
                Node(
                    "split",
                    parallel: ParallelBlock(branches: [[bn("after_relu", 8)], [PlanTestNodes.conv("side", 8, 1)]], merge: .concat)),
                Node(
                    "plain_add",
                    parallel: ParallelBlock(
                        branches: [[Node("pool", Layer(Pool(kind: .max, kernel: Size2(3), stride: Size2(1), padding: Size2(1))))], []],
                        merge: .add)),
                Node("head", Layer(Conv(outChannels: 5, kernel: Size2(1)))),
            ])
    }()

    static func fullModeOutput(_ network: Network, _ input: Tensor) throws -> Tensor {
        var session = try ForwardSession(network: network, input: input)
        session.runToEnd()
        return session.finalOutput!
    }

    static func expectSameOutput(_ network: Network, _ input: Tensor, _ label: String) throws {
        let full = try fullModeOutput(network, input)
        var plan = try InferencePlan(network: network)
        let inferred = plan.run(input)
        let again = plan.run(input)
        let scale = max(1, full.data.map(abs).max() ?? 0)
        let difference = largestDifference(inferred.data, full.data)
        #expect(inferred.shape == full.shape)
        #expect(difference <= 1e-4 * scale, "\(label): largest difference \(difference) (scale \(scale))")
        #expect(again == inferred, "\(label): a second run of the same plan differs")
    }

    @Test func fusionNetworkMatchesFullMode() throws {
        try Self.expectSameOutput(Self.fusion, ReferenceNetworks.randomInput(for: Self.fusion), "fusion")
    }

    @Test func everyLayerNetworkMatchesFullMode() throws {
        try Self.expectSameOutput(
            ReferenceNetworks.everyLayer, ReferenceNetworks.randomInput(for: ReferenceNetworks.everyLayer), "every-layer")
    }

    /// Every shipped preset up to 400 M MACs (the larger ones run in the benchmark, not in a debug build).
    @Test(arguments: ShippedPresets.names)
    func shippedPresetMatchesFullMode(_ name: String) throws {
        let (network, input) = try ShippedPresets.load(name)
        let shapes = try network.inferShapes()
        guard try network.cost(shapes: shapes).total.macs <= 400_000_000 else { return }
        try Self.expectSameOutput(network, input, name)
    }

    /// ResNet-50 on a 64×64 input (4 G MACs at 224×224, too slow for a debug build; MobileNetV2 runs whole above):
    /// its convs store the residual add and ReLU after them themselves, and the plan still gives the forward
    /// session's output.
    @Test func resNet50WithFusedResidualAddsMatchesFullMode() throws {
        var network = try ShippedPresets.load("resnet50").network
        network.input.shape = Shape(channels: 3, height: 64, width: 64)
        try Self.expectSameOutput(network, ReferenceNetworks.randomInput(for: network), "resnet50 on 64×64")
    }

    /// The plan of the fusion network: which nodes fold, run in place, get a buffer of their own or none.
    @Test func fusionPlanFoldsAndWritesInPlace() throws {
        let plan = try InferencePlan(network: Self.fusion)
        let byName = Dictionary(uniqueKeysWithValues: plan.steps.map { (Self.fusion.node(at: $0.path)!.name, $0) })
        func epilogue(_ name: String) -> [PlannedEpilogueStep]? {
            if case .layer(_, _, _, _, _, _, let epilogue) = byName[name]?.work { epilogue } else { nil }
        }
        func output(_ name: String) -> Int? {
            if case .layer(_, _, _, _, _, let output, _) = byName[name]?.work { output } else { nil }
        }
        // stem: bn folded, relu6 in place; dw: bn folded, relu in place
        #expect(epilogue("stem")?.map(\.operation) == [.activation(.clip(minimum: 0, maximum: 6))])
        #expect(epilogue("stem")?.map(\.output) == [output("stem")!])
        #expect(epilogue("dw")?.map(\.operation) == [.activation(.relu)])
        // a1: bn folded, the add (part 0 of 2) and the relu after the block in place
        #expect(epilogue("a1")?.map(\.operation) == [.add(at: 0, count: 2), .activation(.relu)])
        #expect(epilogue("a1")?.allSatisfy { $0.output == output("a1")! } == true)
        #expect(epilogue("b1")?.map(\.operation) == [.add(at: 1, count: 2)])
        // mix_relu's value is read by after_relu (fused) and by side: the affine step gets a buffer of its own
        #expect(epilogue("mix")?.map(\.operation).count == 2)
        #expect(epilogue("mix")?.first?.output == output("mix"))
        #expect(epilogue("mix")?.last?.output != output("mix"))
        #expect(byName["mix"]?.fused.count == 2)
        // no step of their own: folded or fused nodes
        for name in ["stem_bn", "relu6", "dw_bn", "dw_relu", "a1_bn", "res_a", "res_a_relu", "b1_bn", "res_b", "mix_relu", "after_relu"] {
            #expect(byName[name] == nil, "\(name) has a step of its own")
        }
        #expect(byName["plain_add"] != nil && byName["split"] != nil)
    }

    /// Concat parts written in place, on input 3×4×4 (planes of 16 floats): stem (4 channels) → cat = concat of
    /// [p (2 channels)], [] (the stem's own value, read by p too), [q (3) + relu in place] and [inner = concat of
    /// [r (2)], [t (1)]] → cat2 = concat of [], [], [u (2)] → head. Every part of cat moves into cat's value at its
    /// channel offset (inner whole, with its parts inside it), so cat lives from the stem's step on; cat2's two
    /// copies of cat stay where they are (one value cannot be in two places) while u moves in after them.
    @Test func concatPartsAreWrittenWhereTheConcatPutsThem() throws {
        func conv(_ name: String, _ k: Int) -> Node { Node(name, Layer(Conv(outChannels: k, kernel: Size2(1)))) }
        let inner = Node("inner", parallel: ParallelBlock(branches: [[conv("r", 2)], [conv("t", 1)]], merge: .concat))
        let network = Network(
            name: "concat", input: InputSpec(shape: Shape(channels: 3, height: 4, width: 4)),
            initialization: Initialization(scheme: .he, seed: 5),
            nodes: [
                conv("stem", 4),
                Node(
                    "cat",
                    parallel: ParallelBlock(
                        branches: [[conv("p", 2)], [], [conv("q", 3), Node("q_relu", Layer(ReLU()))], [inner]], merge: .concat)),
                Node("cat2", parallel: ParallelBlock(branches: [[], [], [conv("u", 2)]], merge: .concat)),
                conv("head", 5),
            ])
        let plan = try InferencePlan(network: network)
        var valueOf: [String: Int] = [:]
        for step in plan.steps {
            switch step.work {
            case .layer(_, _, _, _, _, let output, _): valueOf[network.node(at: step.path)!.name] = output
            case .merge(_, _, _, let output): valueOf[network.node(at: step.path)!.name] = output
            case .blockedConv, .blockedPool, .reorder: Issue.record("a planar plan has a blocked step")
            }
        }
        func place(_ name: String) -> PlannedValue.Place { plan.values[valueOf[name]!].place }
        let (cat, cat2) = (valueOf["cat"]!, valueOf["cat2"]!)
        #expect(place("p") == .within(value: cat, offset: 0))
        #expect(place("stem") == .within(value: cat, offset: 2 * 16))
        #expect(place("q") == .within(value: cat, offset: (2 + 4) * 16))
        #expect(place("inner") == .within(value: cat, offset: (2 + 4 + 3) * 16))
        #expect(place("r") == .within(value: valueOf["inner"]!, offset: 0))
        #expect(place("t") == .within(value: valueOf["inner"]!, offset: 2 * 16))
        #expect(place("u") == .within(value: cat2, offset: 2 * 12 * 16))
        if case .arena = place("cat") {} else { Issue.record("cat (twice a part of cat2) is not in the arena: \(place("cat"))") }
        #expect(plan.values[cat].firstStep == plan.values[valueOf["stem"]!].firstStep)
        #expect(plan.values[cat].floats == 12 * 16 && plan.values[cat2].floats == 26 * 16)
        // the arena holds cat and cat2 at once, nothing of the parts apart (each 64-byte aligned)
        #expect(plan.memory.peakLiveBytes == 4 * (12 + 26) * 16)
        // the benchmark's traffic: cat and inner copy nothing, cat2 reads and writes its two copies of cat (2 × 12 channels)
        #expect(plan.concatFloatsInPlace == [.top(1): 12 * 16, .top(1).child(branch: 3, index: 0): 3 * 16, .top(2): 2 * 16])
        let input = ReferenceNetworks.randomInput(for: network)
        let bytes = try ForwardSession(network: network, input: input).bytesMoved(
            writingEveryNode: false, concatFloatsInPlace: plan.concatFloatsInPlace)
        #expect(bytes[.top(1)] == 0 && bytes[.top(2)] == 4 * 2 * 24 * 16)
        try Self.expectSameOutput(network, input, "concat")
    }

    /// Batch norm folded into a conv by its own formula, against values computed by hand:
    /// w' = w · γ/√(σ² + ε), b' = (b − μ) · γ/√(σ² + ε) + β with γ = (2, 0.5), β = (1, −1), μ = (0.5, 2), σ² = (3, 0.25),
    /// ε = 1 (so √(σ² + ε) = (2, 1.118034)).
    @Test func batchNormFoldsIntoConvWeightsAndBias() throws {
        let conv = Conv(outChannels: 2, kernel: Size2(1), hasBias: true)
        let parameters = LayerParameters(weight: [1, -2, 3, 4, 0.5, -6], weightShape: [2, 3, 1, 1], bias: [0.25, -1])
        let bn = BatchNorm(
            epsilon: 1, statistics: BatchNorm.Statistics(mean: [0.5, 2], variance: [3, 0.25], scale: [2, 0.5], shift: [1, -1]))
        guard
            case .affine(let gain, let offset) = bn.epilogueOperation({
                LayerParameters(weight: [2, 0.5], weightShape: [2], bias: [1, -1], runningMean: [0.5, 2], runningVariance: [3, 0.25])
            }), let folded = conv.absorbingAffine(gain: gain, offset: offset, into: parameters)
        else {
            Issue.record("batch norm gave no affine map, or the conv refused it")
            return
        }
        // channel 0: gain 2/2 = 1; channel 1: gain 0.5/1.118034 = 0.4472136
        let expectedWeight: [Float] = [1, -2, 3, 4 * 0.4472136, 0.5 * 0.4472136, -6 * 0.4472136]
        let expectedBias: [Float] = [(0.25 - 0.5) * 1 + 1, (-1 - 2) * 0.4472136 - 1]  // 0.75, −2.3416408
        #expect(largestDifference(folded.weight, expectedWeight) < 1e-6, "weight \(folded.weight)")
        #expect(largestDifference(folded.bias!, expectedBias) < 1e-6, "bias \(folded.bias!)")
        // a conv without bias gets one: β − μ · gain
        var unbiased = parameters
        unbiased.bias = nil
        let foldedUnbiased = Conv(outChannels: 2, kernel: Size2(1), hasBias: false).absorbingAffine(
            gain: gain, offset: offset, into: unbiased)
        #expect(largestDifference(foldedUnbiased!.bias!, [-0.5 + 1, -2 * 0.4472136 - 1]) < 1e-6)
        // layers that cannot absorb a map say so
        #expect(ReLU().absorbingAffine(gain: gain, offset: offset, into: parameters) == nil)
    }

    /// Liveness on a hand-built chain, input 1×4×4 (16 floats): a (2 channels, 32 floats, its relu in place) →
    /// b (4 channels, 64) → block [c (4 channels, 64) + b, relu], both in c's buffer → d (1 channel, the output).
    /// a lives over steps 0–1, b over 1–2, c over 2–3: the most alive at once is b + c = 128 floats = 512 bytes, and
    /// a and c share memory (a is dead when c is written).
    @Test func activationsAreFreedAfterTheirLastReader() throws {
        func conv(_ name: String, _ k: Int) -> Node { Node(name, Layer(Conv(outChannels: k, kernel: Size2(1)))) }
        let network = Network(
            name: "liveness", input: InputSpec(shape: Shape(channels: 1, height: 4, width: 4)),
            initialization: Initialization(scheme: .he, seed: 1),
            nodes: [
                conv("a", 2), Node("a_relu", Layer(ReLU())), conv("b", 4),
                Node("block", parallel: ParallelBlock(branches: [[conv("c", 4)], []], merge: .add)),
                Node("relu", Layer(ReLU())), conv("d", 1),
            ])
        let plan = try InferencePlan(network: network)
        #expect(plan.steps.map { network.node(at: $0.path)!.name } == ["a", "b", "c", "d"])
        #expect(plan.values.map(\.floats) == [16, 32, 64, 64, 16])
        #expect(plan.values.map { [$0.firstStep, $0.lastStep] } == [[0, 0], [0, 1], [1, 2], [2, 3], [3, 3]])
        #expect(plan.memory.peakLiveBytes == 512)
        #expect(plan.memory.arenaBytes == 512)
        #expect(plan.values[1].place == plan.values[3].place, "a's memory is reused for c")
        #expect(plan.values[4].place == .output)
        // 64 + 16 weights and biases, packed or plain, all kept once
        #expect(plan.memory.parameterBytes + plan.memory.packedBytes >= 4 * (2 + 2 + 8 + 4 + 16 + 4 + 4 + 1))
        try Self.expectSameOutput(network, ReferenceNetworks.randomInput(for: network), "liveness")
    }

    /// A residual sum written over the add's other part, input 4×8×8 (planes of 64 floats): stem (8 channels) →
    /// block [c1 (3×3, `middle` channels) + relu, c2 (1×1, 8 channels)] + the stem's value, relu → head. The stem's
    /// value is last read by c2's add, so with c2's K in one block (8) it moves into c2's value, which then lives
    /// from step 0 on: the arena holds c1's and c2's values only. With K = 300 (two blocks, partial sums stored in
    /// the output between them) it keeps a place of its own and all three are alive at c2's step.
    @Test(arguments: [8, 300])
    func residualSumIsWrittenOverItsDyingPart(middle: Int) throws {
        let network = Network(
            name: "sum over part", input: InputSpec(shape: Shape(channels: 4, height: 8, width: 8)),
            initialization: Initialization(scheme: .he, seed: 9),
            nodes: [
                Node("stem", Layer(Conv(outChannels: 8, kernel: Size2(3), padding: .same))),
                Node(
                    "block",
                    parallel: ParallelBlock(
                        branches: [
                            [
                                Node("c1", Layer(Conv(outChannels: middle, kernel: Size2(3), padding: .same))),
                                Node("c1_relu", Layer(ReLU())), Node("c2", Layer(Conv(outChannels: 8, kernel: Size2(1)))),
                            ],
                            [],
                        ], merge: .add)),
                Node("relu", Layer(ReLU())),
                Node("head", Layer(Conv(outChannels: 5, kernel: Size2(1)))),
            ])
        let plan = try InferencePlan(network: network)
        #expect(plan.steps.map { network.node(at: $0.path)!.name } == ["stem", "c1", "c2", "head"])
        let (stem, c1, c2) = (1, 2, 3)
        #expect(plan.values.map(\.floats) == [4 * 64, 8 * 64, middle * 64, 8 * 64, 5 * 64])
        if middle == 8 {
            #expect(plan.values[stem].place == .within(value: c2, offset: 0))
            #expect(plan.values[c2].firstStep == 0)
            #expect(plan.memory.arenaBytes == 4 * (8 + 8) * 64)
        } else {
            if case .arena = plan.values[stem].place {} else { Issue.record("the stem's value moved: \(plan.values[stem].place)") }
            #expect(plan.memory.arenaBytes == 4 * (8 + middle + 8) * 64)
        }
        #expect(plan.values[c1].firstStep == 1)
        try Self.expectSameOutput(network, ReferenceNetworks.randomInput(for: network), "sum over part, \(middle) channels")
    }
}
