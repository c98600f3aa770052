import Testing

@testable import ConvEngine

@Suite struct InputSyntheticTests {
    static let shapes: [Shape] = [
        Shape(channels: 1, height: 1, width: 1), Shape(channels: 3, height: 1, width: 17),
        Shape(channels: 1, height: 28, width: 28), Shape(channels: 3, height: 7, width: 50),
        Shape(channels: 2, height: 64, width: 5), Shape(channels: 5, height: 32, width: 32),
    ]

    @Test(arguments: SyntheticPattern.allCases)
    func sameSeedGivesTheSameTensorAndValuesStayInRange(pattern: SyntheticPattern) {
        for shape in Self.shapes {
            let first = SyntheticInput.make(pattern, shape: shape, seed: 7)
            let second = SyntheticInput.make(pattern, shape: shape, seed: 7)
            #expect(first.shape == shape)
            #expect(first.data == second.data, "\(pattern) at \(shape) is not deterministic")
            #expect(
                first.data.allSatisfy { $0 >= 0 && $0 <= 1 && $0.isFinite },
                "\(pattern) at \(shape): min \(first.data.min()!) max \(first.data.max()!)")
        }
    }

    /// Pictures must mean something at any size: more than one value, and channels that differ.
    @Test(arguments: SyntheticPattern.allCases)
    func picturesAreNotFlatAndChannelsDiffer(pattern: SyntheticPattern) {
        for shape in [Shape(channels: 3, height: 1, width: 64), Shape(channels: 3, height: 32, width: 48)] {
            let tensor = SyntheticInput.make(pattern, shape: shape, seed: 3)
            for c in 0..<3 {
                let plane = Array(tensor.plane(c))
                #expect(plane.max()! - plane.min()! > 0.2, "\(pattern) at \(shape) channel \(c) is nearly flat")
            }
            #expect(Array(tensor.plane(0)) != Array(tensor.plane(1)), "\(pattern) at \(shape): channels 0 and 1 equal")
            #expect(Array(tensor.plane(1)) != Array(tensor.plane(2)), "\(pattern) at \(shape): channels 1 and 2 equal")
        }
    }

    @Test(arguments: [SyntheticPattern.noise, .shapes, .digit])
    func differentSeedsDiffer(pattern: SyntheticPattern) {
        let shape = Shape(channels: 3, height: 24, width: 24)
        #expect(
            SyntheticInput.make(pattern, shape: shape, seed: 1).data
                != SyntheticInput.make(pattern, shape: shape, seed: 2).data)
    }

    @Test(arguments: [SyntheticPattern.gradient, .checkerboard])
    func seedDoesNotChangeFixedPictures(pattern: SyntheticPattern) {
        let shape = Shape(channels: 2, height: 9, width: 9)
        #expect(
            SyntheticInput.make(pattern, shape: shape, seed: 1).data
                == SyntheticInput.make(pattern, shape: shape, seed: 99).data)
    }

    struct Pixel: CustomTestStringConvertible, Sendable {
        var name: String, c: Int, y: Int, x: Int, expected: Float
        var testDescription: String { name }
    }

    /// Channel c ramps along diagonal c mod 4; channel 4 has two smooth bands, 0.5 − 0.5·cos(2π·ramp).
    static let gradientPixels: [Pixel] = [
        Pixel(name: "ch0 top-left", c: 0, y: 0, x: 0, expected: 0),
        Pixel(name: "ch0 top-right", c: 0, y: 0, x: 4, expected: 0.5),
        Pixel(name: "ch0 bottom-left", c: 0, y: 4, x: 0, expected: 0.5),
        Pixel(name: "ch0 bottom-right", c: 0, y: 4, x: 4, expected: 1),
        Pixel(name: "ch0 (1, 2)", c: 0, y: 1, x: 2, expected: 0.375),
        Pixel(name: "ch1 top-left", c: 1, y: 0, x: 0, expected: 0.5),
        Pixel(name: "ch1 top-right", c: 1, y: 0, x: 4, expected: 0),
        Pixel(name: "ch1 bottom-left", c: 1, y: 4, x: 0, expected: 1),
        Pixel(name: "ch2 top-right", c: 2, y: 0, x: 4, expected: 1),
        Pixel(name: "ch2 bottom-left", c: 2, y: 4, x: 0, expected: 0),
        Pixel(name: "ch3 top-left", c: 3, y: 0, x: 0, expected: 1),
        Pixel(name: "ch3 bottom-right", c: 3, y: 4, x: 4, expected: 0),
        Pixel(name: "ch4 top-left", c: 4, y: 0, x: 0, expected: 0),
        Pixel(name: "ch4 centre", c: 4, y: 2, x: 2, expected: 1),
        Pixel(name: "ch4 bottom-right", c: 4, y: 4, x: 4, expected: 0),
        Pixel(name: "ch4 (0, 2): ramp 1/4", c: 4, y: 0, x: 2, expected: 0.5),
    ]

    @Test(arguments: gradientPixels)
    func gradientPixel(_ pixel: Pixel) {
        let tensor = SyntheticInput.make(.gradient, shape: Shape(channels: 5, height: 5, width: 5), seed: 0)
        let difference = abs(tensor[pixel.c, pixel.y, pixel.x] - pixel.expected)
        #expect(difference < 1e-6, "maxdiff = \(difference)")
    }

    @Test func oneRowGradientIsTheMiddleRow() {
        // v = 0.5: channel 0 is (u + 0.5)/2, channel 1 is (1 − u + 0.5)/2.
        let tensor = SyntheticInput.make(.gradient, shape: Shape(channels: 2, height: 1, width: 5), seed: 0)
        let expected: [Float] = [0.25, 0.375, 0.5, 0.625, 0.75, 0.75, 0.625, 0.5, 0.375, 0.25]
        let difference = inputMaxDifference(tensor.data, expected)
        #expect(difference < 1e-6, "maxdiff = \(difference)")
    }

    /// 16×16: base cell 16/8 = 2; odd channels inverted; channel 2 cells of 4.
    static let checkerPixels: [Pixel] = [
        Pixel(name: "ch0 top-left is white", c: 0, y: 0, x: 0, expected: 1),
        Pixel(name: "ch0 (1, 1) same cell", c: 0, y: 1, x: 1, expected: 1),
        Pixel(name: "ch0 (0, 2) next cell", c: 0, y: 0, x: 2, expected: 0),
        Pixel(name: "ch0 (3, 1) cell below", c: 0, y: 3, x: 1, expected: 0),
        Pixel(name: "ch0 (2, 2) diagonal cell", c: 0, y: 2, x: 2, expected: 1),
        Pixel(name: "ch1 top-left inverted", c: 1, y: 0, x: 0, expected: 0),
        Pixel(name: "ch1 (0, 2)", c: 1, y: 0, x: 2, expected: 1),
        Pixel(name: "ch2 (0, 3) still first cell", c: 2, y: 0, x: 3, expected: 1),
        Pixel(name: "ch2 (0, 4)", c: 2, y: 0, x: 4, expected: 0),
        Pixel(name: "ch2 (5, 5)", c: 2, y: 5, x: 5, expected: 1),
    ]

    @Test(arguments: checkerPixels)
    func checkerboardPixel(_ pixel: Pixel) {
        let tensor = SyntheticInput.make(.checkerboard, shape: Shape(channels: 3, height: 16, width: 16), seed: 0)
        #expect(tensor[pixel.c, pixel.y, pixel.x] == pixel.expected)
    }

    @Test func oneRowCheckerboardUsesTheWidth() {
        // 1×1×32: cell 32/8 = 4.
        let tensor = SyntheticInput.make(.checkerboard, shape: Shape(channels: 1, height: 1, width: 32), seed: 0)
        #expect(Array(tensor.data[0..<12]) == [1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1])
    }

    /// SplitMix64 from seed 0 gives 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F
    /// (the reference C implementation, checked with an independent Python transcription).
    @Test func splitMixMatchesTheReference() {
        var random = SplitMix64(seed: 0)
        #expect(
            [random.next(), random.next(), random.next()]
                == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
    }

    @Test func noiseIsUniformInTheUnitInterval() {
        let tensor = SyntheticInput.make(.noise, shape: Shape(channels: 3, height: 64, width: 64), seed: 5)
        let mean = tensor.data.reduce(0, +) / Float(tensor.data.count)
        #expect(abs(mean - 0.5) < 0.02, "mean \(mean)")
        #expect(tensor.data.allSatisfy { $0 >= 0 && $0 < 1 })
        let lowQuarter = tensor.data.filter { $0 < 0.25 }.count
        #expect(abs(Float(lowQuarter) / Float(tensor.data.count) - 0.25) < 0.02)
    }

    @Test func shapesHaveBackgroundAndFigures() {
        for seed: UInt64 in 0..<8 {
            let shape = Shape(channels: 3, height: 40, width: 40)
            let tensor = SyntheticInput.make(.shapes, shape: shape, seed: seed)
            let background = SyntheticInput.shapesBackground(channel: 0)
            let plane = Array(tensor.plane(0))
            let backgroundShare = Float(plane.filter { $0 == background }.count) / Float(plane.count)
            #expect(backgroundShare > 0.1 && backgroundShare < 0.95, "seed \(seed): background covers \(backgroundShare)")
        }
    }

    @Test func shapesLayoutDoesNotDependOnTheChannelCount() {
        let one = SyntheticInput.figures(Shape(channels: 1, height: 30, width: 40), seed: 11)
        let five = SyntheticInput.figures(Shape(channels: 5, height: 30, width: 40), seed: 11)
        #expect(one.map(\.centreX) == five.map(\.centreX) && one.map(\.centreY) == five.map(\.centreY))
        #expect(one.map(\.radius) == five.map(\.radius))
    }

    @Test func figureContainsItsCentreAndNotFarPoints() {
        for kind in [SyntheticInput.Figure.Kind.circle, .rectangle, .triangle] {
            let figure = SyntheticInput.Figure(
                kind: kind, centreX: 10, centreY: 10, radius: 4, aspectX: 1,
                aspectY: 1, rotation: 0.3, colour: [1])
            #expect(figure.contains(10, 10), "\(kind) misses its centre")
            #expect(!figure.contains(10, 15), "\(kind) reaches past its radius")
            #expect(!figure.contains(4, 10), "\(kind) reaches past its radius")
        }
    }

    @Test(arguments: 0..<10)
    func everyDigitIsDrawnWithInkAndBackground(digit: Int) {
        let tensor = SyntheticInput.make(.digit, shape: Shape(channels: 1, height: 28, width: 28), seed: UInt64(digit))
        let inked = Float(tensor.data.filter { $0 > 0.5 }.count) / Float(tensor.data.count)
        #expect(inked > 0.04 && inked < 0.4, "digit \(digit): ink covers \(inked)")
        #expect(tensor.data.min()! == 0 && tensor.data.max()! == 1)
        // The glyph is centred: ink's centre of mass within a fifth of the middle.
        var sumX: Float = 0, sumY: Float = 0, total: Float = 0
        for y in 0..<28 {
            for x in 0..<28 {
                let v = tensor[0, y, x]
                sumX += v * Float(x)
                sumY += v * Float(y)
                total += v
            }
        }
        #expect(abs(sumX / total - 13.5) < 5.6 && abs(sumY / total - 13.5) < 5.6, "digit \(digit) is off centre")
        // A one-row picture crosses the middle of the glyph and still meets ink.
        let row = SyntheticInput.make(.digit, shape: Shape(channels: 1, height: 1, width: 64), seed: UInt64(digit))
        #expect(row.data.max()! > 0.5 && row.data.min()! < 0.1, "digit \(digit): one row misses the ink")
    }

    @Test func digitsDifferFromEachOther() {
        let shape = Shape(channels: 1, height: 28, width: 28)
        let pictures = (0..<10).map { SyntheticInput.make(.digit, shape: shape, seed: UInt64($0)).data }
        for a in 0..<10 { for b in (a + 1)..<10 { #expect(pictures[a] != pictures[b], "digits \(a) and \(b) look the same") } }
    }

    @Test func distanceToSegment() {
        let cases: [(Double, Double, Double)] = [(5, 3, 3), (-3, 4, 5), (0, 0, 0), (14, 0, 4)]
        for (px, py, expected) in cases {
            let d = SyntheticInput.distance(px, py, (0, 0), (10, 0))
            #expect(abs(d - expected) < 1e-12, "(\(px), \(py)): \(d)")
        }
    }

    @Test func emptyShapeGivesAnEmptyTensor() {
        #expect(SyntheticInput.make(.digit, shape: Shape(channels: 0, height: 4, width: 4), seed: 0).data.isEmpty)
    }
}
