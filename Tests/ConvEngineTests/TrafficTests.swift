import Testing

@testable import ConvEngine

@Suite struct TrafficTests {
    /// Bytes moved per node, counted by hand on a 4×10×10 input: a depthwise conv heads a chain that writes the
    /// batch norm's and ReLU6's outputs too in the playground's session (their inputs never read again) and only
    /// its last value, in place, in the inference plan; a pool reads and writes its own, and a concat block's
    /// merge reads its parts and writes its output.
    @Test func bytesMovedFollowTheInferencePlan() throws {
        let shape = Shape(channels: 4, height: 10, width: 10)
        let bn = BatchNorm(
            statistics: .init(mean: [0, 0.1, 0.2, 0.3], variance: [1, 1, 2, 2], scale: [1, 2, 1, 2], shift: [0, 0, 1, 1]))
        let network = Network(
            name: "traffic", input: InputSpec(shape: shape),
            nodes: [
                Node("dwise", Layer(Conv(outChannels: 4, kernel: Size2(3), padding: .same, groups: 4))),
                Node("dwise/bn", Layer(bn)),
                Node("dwise/relu6", Layer(Clip())),
                Node("pool", Layer(Pool(kind: .max, kernel: Size2(2)))),
                Node(
                    "mix",
                    parallel: ParallelBlock(branches: [[Node("reduce", Layer(Conv(outChannels: 2, kernel: Size2(1))))], []])),
            ])
        let session = try ForwardSession(network: network, input: Tensor(shape: shape, data: [Float](repeating: 1, count: 400)))
        let bytes = session.bytesMoved(writingEveryNode: true)
        // 400 values in, 4·9 weights + 4 biases, then three 400-value outputs (conv, batch norm, ReLU6); the batch
        // norm's parameters count as its 4 scales and 4 shifts
        #expect(bytes[.top(0)] == 4 * (400 + 40 + 400 + (8 + 400) + 400))
        #expect(session.bytesMoved(writingEveryNode: false)[.top(0)] == 4 * (400 + 40 + 400 + 8))
        #expect(bytes[.top(1)] == 0)
        #expect(bytes[.top(2)] == 0)
        #expect(bytes[.top(3)] == 4 * (400 + 100))  // 2×2/2: 4×5×5 out
        let reduce = NodePath.top(4).child(branch: 0, index: 0)
        #expect(bytes[reduce] == 4 * (100 + 4 * 2 + 2 + 50))
        #expect(bytes[.top(4)] == 4 * (150 + 150))  // parts 4 + 2 channels of 5×5 read, 6×5×5 written
    }
}
