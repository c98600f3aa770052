@testable import ConvEngine

/// Node builders the inference-plan tests share (`InferencePlanTests.fusion`, `InferencePlanBlockedTests`).
enum PlanTestNodes {
    /// A `size`×`size` conv of `k` output channels, "same" padding.
    static func conv(_ name: String, _ k: Int, _ size: Int, stride: Int = 1, groups: Int = 1, bias: Bool = true) -> Node {
        Node(
            name,
            Layer(Conv(outChannels: k, kernel: Size2(size), stride: Size2(stride), padding: .same, groups: groups, hasBias: bias)))
    }

    /// A batch norm of `c` channels whose statistics `rng` draws: means N(0, 0.3²), variances and scales in
    /// [0.5, 1.5), shifts N(0, 0.2²), ε 1e-3.
    static func batchNorm(_ name: String, _ c: Int, rng: inout SplitMix64) -> Node {
        let mean = (0..<c).map { _ in rng.nextNormal() * 0.3 }, variance = (0..<c).map { _ in 0.5 + rng.nextUnit() }
        let scale = (0..<c).map { _ in 0.5 + rng.nextUnit() }, shift = (0..<c).map { _ in rng.nextNormal() * 0.2 }
        return Node(
            name,
            Layer(BatchNorm(epsilon: 1e-3, statistics: BatchNorm.Statistics(mean: mean, variance: variance, scale: scale, shift: shift))))
    }

    /// `batchNorm` with statistics drawn from a generator of its own, seeded `seed`.
    static func batchNorm(_ name: String, _ c: Int, seed: UInt64) -> Node {
        var rng = SplitMix64(seed: seed)
        return batchNorm(name, c, rng: &rng)
    }
}
