import ConvEngine
import Foundation
import Testing

@testable import ConvPlayTUI

/// What the panes draw for the things the playground teaches: flat maps, resampling, the lessons, classifier
/// outputs, the zoom's receptive field and dot product, and what a plain-ASCII terminal gets.
@Suite struct PanesTests {
    /// relu(−x) is all zero: its tile is the bottom of the sequential scale everywhere (not a mid-scale colour
    /// that looks alive), blank in ASCII, and labelled dead.
    @Test func aDeadChannelLooksDead() throws {
        var driver = Driver(Fixture.state())
        driver.press(.character("r"))
        let frame = Frame(driver.state, size: large)
        guard case .grid(let grid) = frame.mapsView else { throw Failure("expected a grid") }
        let (x, y) = grid.origin(of: 1, in: frame.mapsArea)
        let screen = render(driver.state, size: large)
        let bottom = Colormap.sequential.color(level: 0)
        for dy in 0..<grid.tileRows {
            for dx in 0..<grid.tilePixelWidth {
                #expect(screen[x + dx, y + dy].foreground == bottom && screen[x + dx, y + dy].background == bottom)
            }
        }
        #expect(screen.line(y + grid.tileRows).contains("ch 1 · dead"))
        driver.state.display = DisplayCapabilities(colorHeatmaps: false, unicode: true)
        let ascii = render(driver.state, size: large)
        #expect((0..<grid.tileRows).allSatisfy { dy in (0..<grid.tilePixelWidth).allSatisfy { ascii[x + $0, y + dy].character == " " } })
    }

    @Test func aFlatMapSitsAtTheBottomOrTheCentre() {
        #expect(HeatScale(minimum: 0.31, maximum: 0.31, colormap: .sequential).level(0.31) == 0)
        #expect(HeatScale(minimum: 0, maximum: 0, colormap: .diverging).level(0) == Colormap.levels / 2)
        #expect(
            MapsPane.tileLabels(channel: 3, extremes: ChannelExtremes(minimum: 0.31, maximum: 0.31), perChannel: true)[0]
                == "ch 3 · const 0.31")
        #expect(
            MapsPane.tileLabels(channel: 3, extremes: ChannelExtremes(minimum: -1, maximum: 2.5), perChannel: true)[0] == "ch 3 · −1…2.5")
        #expect(MapsPane.tileLabels(channel: 3, extremes: ChannelExtremes(minimum: -1, maximum: 2.5), perChannel: false) == ["ch 3", "3"])
    }

    /// 0…15 in a 4×4 shown at 2×2: each pixel the mean (or the max) of its 2×2 block.
    @Test func shrinkingAveragesOrTakesTheMaximum() {
        let plane = (0..<16).map(Float.init)[...]
        func pixels(_ mode: Downsampling) -> [Float] {
            let map = Resampled(plane: plane, height: 4, width: 4, pixelHeight: 2, pixelWidth: 2, mode: mode)
            return [map.value(0, 0), map.value(0, 1), map.value(1, 0), map.value(1, 1)]
        }
        #expect(pixels(.mean) == [2.5, 4.5, 10.5, 12.5])
        #expect(pixels(.max) == [5, 7, 13, 15])
    }

    /// Two 1×1 convs with nothing between them are one linear map, not an MLP; with a ReLU between, an MLP.
    @Test func theMLPLessonNeedsANonLinearity() {
        func lessonText(_ middle: [Node]) -> String {
            let network = Network(
                name: "n", input: InputSpec(shape: Shape(channels: 4, height: 2, width: 2)),
                nodes: [Node("a", Conv(outChannels: 3, kernel: Size2(1)))] + middle + [Node("b", Conv(outChannels: 2, kernel: Size2(1)))])
            let state = Fixture.state(network, input: Tensor(shape: network.input.shape, repeating: 1))
            return (state.derived.lessons[.top(0)] ?? []).joined(separator: " ")
        }
        #expect(
            lessonText([]) == "1×1 conv = per-pixel channel mixing 4→3 channels, 2×2 kept a reduction, for 15 params "
                + "a → b: 2 convs with nothing non-linear between them — not an MLP: they fold into one linear map 4→2 (convplay verify)")
        #expect(lessonText([Node("r", ReLU())]).hasSuffix("mlpconv a → b: an MLP 4-3-2 slid over every 1×1 patch"))
    }

    /// `Fixture.classifier` (cat, dog, bird) run to the end on a 2×2 input whose channel c is `means[c]` everywhere.
    static func classifierRun(means: [Float]) -> Driver {
        let input = Tensor(shape: Shape(channels: 3, height: 2, width: 2), data: means.flatMap { [Float](repeating: $0, count: 4) })
        var driver = Driver(Fixture.state(Fixture.classifier, input: input))
        driver.press(.character("r"))
        return driver
    }

    /// A softmax shows its five best classes by the preset's names: the input's channel means are 1, 3 and 2,
    /// so dog leads, then bird, then cat.
    @Test func aClassifierShowsItsTopClassesByName() {
        let screen = render(Self.classifierRun(means: [1, 3, 2]).state, size: large)
        #expect(screen.row(containing: "top 5 classes (probability)") != nil)
        let first = screen.row(containing: "1. dog")!, second = screen.row(containing: "2. bird")!,
            third = screen.row(containing: "3. cat")!
        #expect(second == first + 1 && third == first + 2)
        // softmax([1, 3, 2]): e³ / (e + e³ + e²) = 0.6652.
        #expect(screen.line(first).contains("0.6652"))
    }

    /// A probability too small for the score column is written shorter, never cut: class means 0, 8 and 20 give
    /// dog e⁻¹² / (1 + e⁻¹² + e⁻²⁰) = 6.1442e−6 and cat e⁻²⁰ / (…) = 2.0612e−9, both over 8 characters as "%.4g".
    @Test func tinyProbabilitiesKeepTheirExponent() {
        let driver = Self.classifierRun(means: [0, 8, 20])
        for size in [small, large] {
            let screen = render(driver.state, size: size)
            #expect(screen.line(screen.row(containing: "2. dog") ?? 0).contains(" 6.14e−6 "), "\(size)")
            #expect(screen.line(screen.row(containing: "3. cat") ?? 0).contains(" 2.06e−9 "), "\(size)")
        }
        #expect(Format.number(0.6652, width: 8) == "0.6652")
        #expect(Format.number(-6.1442e-6, width: 8) == "−6.14e−6")
        #expect(Format.number(-1.2345e-12, width: 8) == "−1.2e−12")
        #expect(Format.number(123_456_792, width: 5) == "1e+8")
    }

    /// Before anything is computed the maps pane says so in a whole sentence, wrapped to the pane at 80×24.
    @Test func theNotComputedMessageIsWrappedNotCut() {
        var driver = Driver(Fixture.state())
        driver.press(.end)
        let state = driver.state, total = state.session.order.count
        let screen = render(state, size: small)
        let inner = Frame(state, size: small).maps.inner
        let shown = (inner.y..<inner.maxY).map { row in
            String(Array(screen.line(row)).dropFirst(inner.x).prefix(inner.width)).trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        #expect(inner.width < 50 && shown.count > 1, "a pane narrower than the sentence: \(shown)")
        #expect(shown.joined(separator: " ") == "not computed yet — press space to step (0/\(total) done)", "\(shown)")
    }

    /// Zoomed on a 1×1 conv: the unit sees one input pixel, and its value is spelled out as w · x + b.
    @Test func zoomSpellsOutAOneByOneConv() {
        var driver = Driver(Fixture.state())
        driver.press(.character("r"), .up, .character("z"), .character("]"))  // mix, channel 1 (= −x)
        let screen = render(driver.state, size: large)
        #expect(screen.row(containing: "ch 1 · (y 2, x 2) = −10") != nil)
        #expect(screen.row(containing: "sees 1×1 of the input: rows 2…2 · columns 2…2") != nil)
        #expect(screen.row(containing: "y = w·x + b = −1·10 + b 0 = −10") != nil)
    }

    /// A 3×3 conv with padding 1 sees 3×3 of the input around the cursor (and reaches into the padding at a corner).
    @Test func zoomShowsTheReceptiveFieldOfAThreeByThree() {
        let network = Network(
            name: "k3", input: InputSpec(shape: Fixture.ramp.shape),
            nodes: [Node("k3", Conv(outChannels: 1, kernel: Size2(3), padding: .explicit(Size2(1))))])
        var driver = Driver(Fixture.state(network))
        driver.press(.character("r"), .character("z"))
        #expect(render(driver.state, size: large).row(containing: "sees 3×3 of the input: rows 1…3 · columns 1…3") != nil)
        driver.press(.up, .up, .left, .left)
        #expect(
            render(driver.state, size: large).row(containing: "sees 3×3 of the input: rows -1…1 · columns -1…1 (part in the padding)")
                != nil)
    }

    /// Without UTF-8, every cell is ASCII: box lines, marks and heatmap blocks have stand-ins, a cut ends in
    /// "...", and nothing is "?".
    @Test func aPlainASCIITerminalGetsOnlyASCII() {
        var driver = Driver(Fixture.state(Fixture.branched))
        driver.press(.character("r"))
        driver.state.display = DisplayCapabilities(colorHeatmaps: false, unicode: false)
        let screen = render(driver.state, size: small)
        let text = screen.text.joined()
        #expect(text.allSatisfy { $0.isASCII })
        #expect(!text.replacingOccurrences(of: "? help", with: "").contains("?"))
        #expect(text.contains("...") && text.contains("+-"))
    }

    @Test func transliterationKeepsWidthsAndTellsCutsFromRanges() {
        var screen = Screen(size: Size(columns: 24, rows: 1))
        screen.put("namesak… │ 0…15 ✓ −2×3", x: 0, y: 0)
        #expect(screen.transliterated().line(0) == "names... | 0~15 * -2x3  ")
    }

    /// A note that does not fit whole beside a box's title is left out, never cut into "…ridis".
    @Test func aBoxNoteIsWholeOrAbsent() {
        var screen = Screen(size: Size(columns: 30, rows: 3))
        screen.box(Rect(x: 0, y: 0, width: 30, height: 3), title: "a rather long title here", note: "viridis")
        #expect(screen.line(0) == "┌ a rather long title here ──┐")
        screen.box(Rect(x: 0, y: 0, width: 30, height: 3), title: "short", note: "viridis")
        #expect(screen.line(0) == "┌ short ──────────── viridis ┐")
    }

    /// Too small for the playground, the quit question is still drawn and answerable.
    @Test func theQuitQuestionShowsOnATooSmallScreen() {
        var driver = Driver(Fixture.state())
        driver.press(.down, .character("d"), .character("q"))
        let screen = render(driver.state, size: Size(columns: 60, rows: 16))
        #expect(screen.row(containing: "quit without saving your edits?") != nil)
        #expect(screen.row(containing: "y yes · n no") != nil)
        driver.press(.character("y"))
        #expect(driver.state.wantsQuit)
    }
}
