import Testing

@testable import ConvEngine

@Suite struct ForwardTimingTests {
    /// Every node gets a time (the numbers are for people; here only that they exist and are sane), and the
    /// session ends complete with the same output as an untimed pass: the planar plan's bits (an automatic plan may
    /// run blocked convs, which sum the same products in another order).
    @Test func everyNodeIsTimedAndTheSessionEndsComplete() throws {
        let network = try Preset.load(path: PresetFixtures.path("inception-3a")).network
        let input = Tensor(shape: network.input.shape, repeating: 0.5)
        var session = try ForwardSession(network: network, input: input)
        let times = session.timePerNode(runs: 2)
        #expect(Set(times.keys) == Set(session.order))
        #expect(times.values.allSatisfy { $0 >= 0 && $0.isFinite })
        #expect(session.isComplete)
        var planar = try InferencePlan(network: network, layout: .planar)
        #expect(session.finalOutput == planar.run(input))
    }
}
