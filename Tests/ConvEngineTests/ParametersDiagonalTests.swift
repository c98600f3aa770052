import Testing

@testable import ConvEngine

/// `LayerParameters.isDiagonalChannelMix(groups:)`: which 1×1 weights only rescale their channels.
struct ParametersDiagonalTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let weight: [Float]
        let shape: [Int]
        var groups = 1
        let expected: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "3×3 diagonal", weight: [2, 0, 0, 0, -1, 0, 0, 0, 0.5], shape: [3, 3, 1, 1], expected: true),
        Case(name: "identity 1×1", weight: [1], shape: [1, 1, 1, 1], expected: true),
        Case(name: "a zero on the diagonal drops a channel, mixes nothing", weight: [3, 0, 0, 0], shape: [2, 2, 1, 1], expected: true),
        Case(name: "negative zero off the diagonal is zero", weight: [1, -0.0, -0.0, 1], shape: [2, 2, 1, 1], expected: true),
        Case(name: "one entry off the diagonal mixes", weight: [1, 0, 0, 0, 1, 1e-7, 0, 0, 1], shape: [3, 3, 1, 1], expected: false),
        Case(name: "lower triangle", weight: [1, 0, 4, 1], shape: [2, 2, 1, 1], expected: false),
        Case(name: "reduction K < C", weight: [1, 0, 0, 0, 1, 0], shape: [2, 3, 1, 1], expected: false),
        Case(name: "augmentation K > C", weight: [1, 0, 0], shape: [3, 1, 1, 1], expected: false),
        Case(name: "3×3 kernel", weight: [Float](repeating: 0, count: 9), shape: [1, 1, 3, 3], expected: false),
        Case(name: "dense weights", weight: [1, 0, 0, 1], shape: [2, 2], expected: false),
        Case(name: "two groups", weight: [1, 0, 0, 1], shape: [2, 2, 1, 1], groups: 2, expected: false),
    ]

    @Test(arguments: cases)
    func diagonalOnlyWhenNothingMixes(_ c: Case) {
        let parameters = LayerParameters(weight: c.weight, weightShape: c.shape, bias: nil)
        #expect(parameters.isDiagonalChannelMix(groups: c.groups) == c.expected)
    }

    /// The one-by-one preset's rescale layer is drawn diagonal; its neighbours mix.
    @Test func theOneByOnePresetRescalesOnlyAtItsDiagonalLayer() throws {
        let (network, input) = try ShippedPresets.load("one-by-one")
        var session = try ForwardSession(network: network, input: input)
        session.runToEnd()
        let diagonal = session.network.executionOrder.filter { path in
            guard let conv = session.network.node(at: path)?.layer?.as(Conv.self), let p = session.parameters(of: path) else {
                return false
            }
            return p.isDiagonalChannelMix(groups: conv.groups)
        }
        #expect(diagonal.map { session.network.node(at: $0)!.name } == ["rescale_diagonal"])
    }
}
