import ConvEngine
import Testing

@testable import ConvPlayTUI

/// The inspector's depthwise-separable lesson words the engine's comparison.
struct SeparableLessonTests {
    static let network = Network(
        name: "separable", input: InputSpec(shape: Shape(channels: 8, height: 10, width: 10)),
        nodes: [
            Node("dw", Conv(outChannels: 8, kernel: Size2(3), padding: .explicit(Size2(1)), groups: 8, hasBias: false)),
            Node("bn", BatchNorm()), Node("relu6", Clip()),
            Node("pw", Conv(outChannels: 16, kernel: Size2(1), hasBias: false)),
        ])

    @Test func aDepthwiseConvComparesItsPairWithAFullConv() {
        let input = Tensor(shape: Self.network.input.shape, repeating: 1)
        let state = try! AppState(preset: PlaygroundPreset(network: Self.network, file: "separable.json", isShipped: false, input: input))
        // dw 8·9 = 72 weights, pw 16·8 = 128; at 10×10: 7,200 + 12,800 = 20,000 MACs; full 3×3 8 → 16: 1,152 weights
        #expect(
            separableLessons(state.session, path: .top(0)) == [
                "depthwise 3×3: one filter per channel", "+ the 1×1 after it = separable conv:", "20.0 k MACs, 200 weights",
                "a full 3×3 conv: 115.2 k MACs,", "1,152 weights — 5.8× the MACs",
            ])
        #expect(separableLessons(state.session, path: .top(3)).isEmpty)
    }
}
