import Testing

@testable import ConvEngine

/// Side pads worked out by hand: bottom/right = (O − 1)·s + (K − 1)·d + 1 − I − lead pad, at least 0.
struct ExportConvGeometryPadsTests {
    static let cases: [(name: String, conv: Conv, input: Shape, pads: [Int])] = [
        // 3×3 pad 1 on 8×8: out 8, (7 + 2 + 1) − 8 − 1 = 1.
        (
            "symmetric", Conv(outChannels: 1, kernel: Size2(3), padding: .explicit(Size2(1))), Shape(channels: 1, height: 8, width: 8),
            [1, 1, 1, 1]
        ),
        // same, stride 2 on 7×8: out 4×4; total pad H = max(3·2 + 3 − 7, 0) = 2 → 1/1; W = 3·2 + 3 − 8 = 1 → 0/1.
        (
            "same stride 2", Conv(outChannels: 1, kernel: Size2(3), stride: Size2(2), padding: .same),
            Shape(channels: 1, height: 7, width: 8), [1, 0, 1, 1]
        ),
        // 2×2 stride 2 on 5×6: out 2×3; H: 2 + 1 + 1 − 5 = −1 → 0 (the last row is never reached); W: 4 + 2 − 6 = 0.
        (
            "stride skips last row", Conv(outChannels: 1, kernel: Size2(2), stride: Size2(2)), Shape(channels: 1, height: 5, width: 6),
            [0, 0, 0, 0]
        ),
        // 3×3 dilation 2 pad 2 on 6×6: reach 5, out 6; 5 + 4 + 1 − 6 − 2 = 2.
        (
            "dilated", Conv(outChannels: 1, kernel: Size2(3), padding: .explicit(Size2(2)), dilation: Size2(2)),
            Shape(channels: 1, height: 6, width: 6), [2, 2, 2, 2]
        ),
    ]

    @Test(arguments: cases.map(\.name))
    func sidePadsMatchHandValues(name: String) throws {
        let c = Self.cases.first { $0.name == name }!
        let network = Network(name: name, input: InputSpec(shape: c.input), nodes: [Node("conv", Layer(c.conv))])
        let geometry = try #require(try network.inferShapes().convGeometry(at: .top(0)))
        #expect(geometry.sidePads == c.pads)
    }
}
