import Testing

@testable import ConvEngine

struct CostTests {
    /// The deeplearning.ai bottleneck example: 28×28×192 → 32 maps of 5×5, direct vs through a 1×1 to 16.
    @Test func bottleneckExample() throws {
        let input = InputSpec(shape: Shape(channels: 192, height: 28, width: 28))
        let direct = Network(
            name: "direct", input: input,
            nodes: [
                Node("5x5", Layer(Conv(outChannels: 32, kernel: Size2(5), padding: .explicit(Size2(2)))))
            ])
        let reduced = Network(
            name: "reduced", input: input,
            nodes: [
                Node("1x1", Layer(Conv(outChannels: 16, kernel: Size2(1)))),
                Node("5x5", Layer(Conv(outChannels: 32, kernel: Size2(5), padding: .explicit(Size2(2))))),
            ])
        let d = try direct.cost().total, r = try reduced.cost().total
        #expect(d.macs == 120_422_400)
        #expect(d.weights == 153_600 && d.biases == 32)
        #expect(r.macs == 12_443_648)
        #expect(r.weights == 15_872 && r.biases == 48)
        #expect(d.flops == 2 * d.macs)
    }

    @Test func receptiveFieldGrowsWithJump() throws {
        // conv 3×3 (rf 3, jump 1) → pool 2×2/2 (rf 4, jump 2) → conv 3×3 (rf 4 + 2·2 = 8, jump 2).
        let net = Network(
            name: "rf", input: InputSpec(shape: Shape(channels: 1, height: 16, width: 16)),
            nodes: [
                Node("c1", Layer(Conv(outChannels: 1, kernel: Size2(3)))),
                Node("p", Layer(Pool(kind: .max, kernel: Size2(2), stride: Size2(2)))),
                Node("c2", Layer(Conv(outChannels: 1, kernel: Size2(3)))),
            ])
        let cost = try net.cost()
        #expect(cost[.top(0)].receptiveField == Size2(3))
        #expect(cost[.top(1)].receptiveField == Size2(4) && cost[.top(1)].jump == Size2(2))
        #expect(cost[.top(2)].receptiveField == Size2(8) && cost[.top(2)].jump == Size2(2))
    }

    @Test func blockCostIsSumOfBranches() throws {
        let net = Network(
            name: "b", input: InputSpec(shape: Shape(channels: 4, height: 6, width: 6)),
            nodes: [
                Node(
                    "blk",
                    parallel: ParallelBlock(branches: [
                        // a: 8 w + 2 b, 8·36 MACs; b: 108 w, 108·36 MACs
                        [Node("a", Layer(Conv(outChannels: 2, kernel: Size2(1))))],
                        [Node("b", Layer(Conv(outChannels: 3, kernel: Size2(3), padding: .explicit(Size2(1)), hasBias: false)))],
                    ]))
            ])
        let cost = try net.cost()
        #expect(cost[.top(0)].weights == 116 && cost[.top(0)].biases == 2)
        #expect(cost[.top(0)].macs == 116 * 36)
        #expect(cost.total.params == 118)
        #expect(cost[.top(0)].receptiveField == Size2(3))
    }

    @Test func lateralCostsNSquared() throws {
        let net = single(Layer(Lateral()), input: Shape(channels: 5, height: 2, width: 3))
        let cost = try net.cost().total
        #expect(cost.weights == 25 && cost.biases == 0 && cost.macs == 25 * 6)
    }
}
