import Testing

@testable import ConvEngine

@Suite struct PointwiseBreakdownTests {
    /// Input 3×2×2 holding c·10 + 2y + x; a 1×1 conv 3 → 2 with weights [[1, 2, 3], [0, −1, 0.5]] and
    /// biases [0.5, −1]. At (1, 0) the input vector is x = [2, 12, 22]: y₀ = 2 + 24 + 66 + 0.5 = 92.5,
    /// y₁ = −12 + 11 − 1 = −2.
    @Test func spellsOutOneOutputValue() throws {
        let shape = Shape(channels: 3, height: 2, width: 2)
        let input = Tensor(shape: shape, data: (0..<3).flatMap { c in (0..<4).map { Float(c * 10 + $0) } })
        let conv = Conv(
            outChannels: 2, kernel: Size2(1), parameters: ExplicitParameters(weights: [1, 2, 3, 0, -1, 0.5], biases: [0.5, -1]))
        var session = try ForwardSession(
            network: Network(name: "p", input: InputSpec(shape: shape), nodes: [Node("mix", conv)]), input: input)
        session.runToEnd()
        let first = try #require(session.pointwiseBreakdown(at: .top(0), channel: 0, row: 1, column: 0))
        #expect(first.inputs == [2, 12, 22] && first.weights == [1, 2, 3] && first.bias == 0.5)
        #expect(first.products == [2, 24, 66])
        #expect(first.value == 92.5 && first.value == session.output(of: .top(0))![0, 1, 0])
        let second = try #require(session.pointwiseBreakdown(at: .top(0), channel: 1, row: 1, column: 0))
        #expect(second.value == -2 && second.value == session.output(of: .top(0))![1, 1, 0])
        #expect(second.inputChannels == 0..<3)
    }

    /// Groups: output channel 3 of a 4 → 4 conv with 2 groups reads input channels 2 and 3 only.
    @Test func aGroupedConvReadsItsGroupsChannels() throws {
        let shape = Shape(channels: 4, height: 1, width: 1)
        let conv = Conv(outChannels: 4, kernel: Size2(1), groups: 2, parameters: ExplicitParameters(weights: [1, 2, 3, 4, 5, 6, 7, 8]))
        var session = try ForwardSession(
            network: Network(name: "g", input: InputSpec(shape: shape), nodes: [Node("g", conv)]),
            input: Tensor(shape: shape, data: [1, 10, 100, 1000]))
        session.runToEnd()
        let b = try #require(session.pointwiseBreakdown(at: .top(0), channel: 3, row: 0, column: 0))
        #expect(b.inputChannels == 2..<4 && b.inputs == [100, 1000] && b.weights == [7, 8])
        #expect(b.value == 8700 && b.value == session.output(of: .top(0))![3, 0, 0])
    }

    /// Only a 1×1 conv whose input is computed has a breakdown.
    @Test func otherLayersAndUncomputedInputsHaveNone() throws {
        let shape = Shape(channels: 1, height: 4, width: 4)
        let network = Network(
            name: "n", input: InputSpec(shape: shape),
            nodes: [
                Node("k3", Conv(outChannels: 1, kernel: Size2(3))), Node("relu", ReLU()), Node("p", Conv(outChannels: 1, kernel: Size2(1))),
            ])
        var session = try ForwardSession(network: network, input: Tensor(shape: shape, repeating: 1))
        #expect(session.pointwiseBreakdown(at: .top(0), channel: 0, row: 0, column: 0) == nil)
        #expect(session.pointwiseBreakdown(at: .top(2), channel: 0, row: 0, column: 0) == nil)  // relu not computed
        session.runToEnd()
        #expect(session.pointwiseBreakdown(at: .top(2), channel: 0, row: 0, column: 0) != nil)
        #expect(session.pointwiseBreakdown(at: .top(2), channel: 0, row: 2, column: 0) == nil)  // off the 2×2 map
    }
}
