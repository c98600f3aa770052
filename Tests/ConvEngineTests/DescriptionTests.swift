import Testing

@testable import ConvEngine

struct DescriptionTests {
    @Test(arguments: [
        (Layer(Conv(outChannels: 192, kernel: Size2(5), padding: .explicit(Size2(2)))), "conv 5×5/1 p2 → 192"),
        (Layer(Conv(outChannels: 16, kernel: Size2(1))), "conv 1×1 → 16"),
        (
            Layer(Conv(outChannels: 8, kernel: Size2(3), stride: Size2(2), padding: .same, dilation: Size2(2), groups: 2)),
            "conv 3×3/2 same d2 g2 → 8"
        ),
        (Layer(Pool(kind: .max, kernel: Size2(3), stride: Size2(2), rounding: .ceil)), "max 3×3/2 ceil"),
        (Layer(Pool(kind: .average, kernel: Size2(3), stride: Size2(1), padding: Size2(1))), "avg 3×3/1 p1"),
        (Layer(Dense(outFeatures: 1000)), "dense → 1000"),
        (Layer(LocalResponseNorm()), "lrn 5"),
    ])
    func specText(_ layer: Layer, _ expected: String) { #expect(layer.specText == expected) }

    @Test(arguments: [
        (0, "0"), (999, "999"), (14_592, "14.6k"), (1_930, "1.93k"), (966_986, "967.0k"),
        (6_998_552, "7.00M"), (222_486_528, "222.5M"), (1_582_671_872, "1.58G"),
    ])
    func compact(_ value: Int, _ expected: String) { #expect(formatCompact(value) == expected) }

    @Test func grouped() {
        #expect(formatGrouped(966_986) == "966,986")
        #expect(formatGrouped(1_582_671_872) == "1,582,671,872")
        #expect(formatGrouped(12) == "12")
        #expect(formatFixed(0.125, digits: 2) == "0.13" || formatFixed(0.125, digits: 2) == "0.12")
        #expect(formatFixed(-3.5, digits: 1) == "-3.5")
        #expect(formatFixed(2.05, digits: 3) == "2.050")
    }
}
