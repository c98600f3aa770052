import ConvEngine
import Testing

@testable import ConvPlayTUI

@Suite struct RenderTests {
    /// The input row selected, maps pane focused on the 4×4 ramp (0…15).
    @Test(arguments: [large, small])
    func headerShowsNameFileTotalsAndStep(size: Size) {
        let screen = render(Fixture.state(), size: size)
        // conv 1×1 1 → 2: 2 weights + 2 biases; 2 MACs per position × 16 positions.
        #expect(screen.line(0).hasPrefix(" convplay · tiny · tiny.json"))
        #expect(screen.line(0).contains("params 4 · 32 MACs · step 0/2"))
        #expect(!screen.line(0).contains("unsaved"))
    }

    @Test func unsavedMarkerAppearsAfterAnEdit() {
        var driver = Driver(Fixture.state())
        driver.press(.down, .character("d"))
        let screen = render(driver.state, size: large)
        #expect(screen.line(0).contains("● unsaved"))
        let x = screen.line(0).distance(from: screen.line(0).startIndex, to: screen.line(0).firstIndex(of: "●")!)
        #expect(screen[x, 0].foreground == Theme.warning)
    }

    @Test(arguments: [large, small])
    func layerRowsShowSpecShapeAndParams(size: Size) {
        var driver = Driver(Fixture.state())
        driver.press(.character(" "))
        let screen = render(driver.state, size: size)
        let row = screen.row(containing: "▶ mix")!
        let line = screen.line(row)
        #expect(line.contains("▶ mix"))
        #expect(line.contains("conv 1×1 → 2"))
        #expect(line.contains("2×4×4"))
        #expect(line.contains(" 4│"))  // params, right-aligned against the border
        #expect(screen[2, row].background == Theme.selectionBackground)
        #expect(screen.line(row + 1).contains("relu") && !screen.line(row + 1).contains("✓"))
    }

    @Test func branchesAreDrawnAsATree() {
        let screen = render(Fixture.state(Fixture.branched), size: large)
        #expect(screen.line(3).contains("▼ block"))
        #expect(screen.line(4).contains("├─┬ a"))
        #expect(screen.line(5).contains("│ └ b"))
        #expect(screen.line(6).contains("└── c"))
        #expect(screen.line(3).contains("5×4×4"))  // concat of 2 + 3 channels
    }

    /// The 4×4 ramp is one channel, upscaled by a whole factor to fill the maps pane: cell (0, 0) shows source
    /// row 0 twice, and each source row takes factor / 2 cell rows.
    @Test func heatmapCellsCarryTheColormapLevelOfTheirValues() {
        let state = Fixture.state()
        let screen = render(state, size: large)
        let frame = Frame(state, size: large)
        guard case .grid(let grid) = frame.mapsView else {
            Issue.record("expected a grid")
            return
        }
        let area = frame.mapsArea
        let factor = grid.tilePixelWidth / 4
        #expect(factor >= 4 && grid.tilePixelWidth == 4 * factor)
        // Input ≥ 0 → sequential; per-channel range 0…15; level = ⌊v / 15 · 64⌋ clamped to 63.
        let viridis = Colormap.sequential
        let origin = screen[area.x, area.y]
        #expect(origin.character == "▀")
        #expect(origin.foreground == viridis.color(level: 0) && origin.background == viridis.color(level: 0))
        let second = screen[area.x, area.y + factor / 2]  // source (1, 0) = 4 → level 17
        #expect(second.foreground == viridis.color(level: 17) && second.background == viridis.color(level: 17))
        let last = screen[area.x + 4 * factor - 1, area.y + 2 * factor - 1]  // source (3, 3) = 15 → level 63
        #expect(last.foreground == viridis.color(level: 63))
        #expect(screen.line(area.y + grid.tileRows).contains("ch 0 · 0…15"))
    }

    @Test func signedMapsUseTheDivergingColormapCentredOnZero() {
        var driver = Driver(Fixture.state())
        driver.press(.character(" "))  // "mix": channel 0 = x, channel 1 = −x
        let screen = render(driver.state, size: large)
        let area = Frame(driver.state, size: large).mapsArea
        // Per-channel range of ch 0 is 0…15, centred: −15…15; v = 0 → ⌊15/30 · 64⌋ = 32.
        #expect(screen[area.x, area.y].foreground == Colormap.diverging.color(level: 32))
        #expect(screen.line(1).contains("diverging"))
    }

    @Test func withoutColoursHeatmapsUseTheAsciiRamp() {
        var state = Fixture.state()
        state.display = DisplayCapabilities(colorHeatmaps: false, unicode: true)
        let screen = render(state, size: large)
        let frame = Frame(state, size: large)
        guard case .grid(let grid) = frame.mapsView else {
            Issue.record("expected a grid")
            return
        }
        let area = frame.mapsArea, factor = grid.tilePixelWidth / 4
        // Ramp " .:-=+*#%@": 0 → " ", 4 → ⌊4/15 · 10⌋ = 2 → ":", 15 → "@".
        #expect(screen[area.x, area.y].character == " ")
        #expect(screen[area.x, area.y + factor / 2].character == ":")
        #expect(screen[area.x + 4 * factor - 1, area.y + 2 * factor - 1].character == "@")
        #expect(screen[area.x, area.y + factor / 2].foreground == -1 && screen[area.x, area.y + factor / 2].background == -1)
    }

    @Test func zoomShowsTheValueUnderTheCursor() {
        var driver = Driver(Fixture.state())
        driver.press(.tab, .enter, .left, .down)  // from the centre (2, 2) to (3, 1)
        let screen = render(driver.state, size: large)
        #expect(screen.row(containing: "ch 0 · (y 3, x 1) = 13") != nil)  // 4·3 + 1
        #expect(screen.line(1).contains("ch 0 zoomed"))
    }

    @Test func inspectorNamesDiagonalOneByOneConvsAsRescales() {
        let network = Network(
            name: "rescale", input: InputSpec(shape: Shape(channels: 2, height: 2, width: 2)),
            nodes: [
                Node("scale", Layer(Conv(outChannels: 2, kernel: Size2(1), parameters: ExplicitParameters(weights: [2, 0, 0, 3]))))
            ])
        var state = try! AppState(
            preset: PlaygroundPreset(
                network: network, file: nil, isShipped: false,
                input: Tensor(shape: network.input.shape, repeating: 1)))
        state.selected = .top(0)
        let screen = render(state, size: large)
        #expect(screen.row(containing: "diagonal: each channel only rescaled") != nil)
    }

    @Test func inspectorShowsTheDeadFractionAfterRelu() {
        var driver = Driver(Fixture.state())
        driver.press(.character("r"))
        let screen = render(driver.state, size: large)
        // relu(x) has one zero (x = 0), relu(−x) sixteen: 17 of 32.
        // relu(−x) is all zero: a dead channel, as its tile says.
        #expect(screen.row(containing: "zeros 53 % of values · dead channels 1 of 2 (all zero)") != nil)
    }

    @Test func weightsPaneShowsTheChannelMixingMatrix() {
        var state = Fixture.state()
        state.selected = .top(0)
        #expect(render(state, size: large).row(containing: "1×1: 2 out × 1 in") != nil)
        #expect(render(state, size: small).row(containing: "1×1: 2 out") == nil)  // behind W at 80×24
        state.weightsToggled = true
        #expect(render(state, size: small).row(containing: "1×1: 2 out × 1 in") != nil)
    }

    @Test func aRowWithoutParametersGivesTheInspectorTheWholeBottom() {
        var state = Fixture.state()
        state.selected = .top(1)  // the ReLU: nothing to draw in a weights pane
        #expect(render(state, size: large).row(containing: "Weights") == nil)
        #expect(Frame(state, size: large).weights == nil)
        #expect(Frame(state, size: large).inspector.maxX == large.columns)
        state.selected = .top(0)  // the 1×1 conv keeps its matrix beside the inspector
        #expect(Frame(state, size: large).inspector.maxX < large.columns)
        #expect(render(state, size: large).row(containing: "1×1: 2 out × 1 in") != nil)
    }

    @Test func tooSmallTerminalsGetAMessage() {
        let screen = render(Fixture.state(), size: Size(columns: 79, rows: 24))
        #expect(screen.row(containing: "enlarge the terminal to at least 80×24") != nil)
        #expect(screen.row(containing: "(now 79×24)") != nil)
    }

    @Test(arguments: [large, small])
    func footerShowsTheHintsOfTheMode(size: Size) {
        var state = Fixture.state()
        #expect(render(state, size: size).line(size.rows - 1).hasPrefix(" space step  b back  r run"))
        state.mode = .confirm(.quitUnsaved)
        let screen = render(state, size: size)
        #expect(screen.line(size.rows - 1).hasPrefix(" y yes  n no"))
        #expect(screen.row(containing: "quit without saving your edits?") != nil)
    }

    @Test func helpListsEveryKeyOfEveryMode() {
        var state = Fixture.state()
        state.mode = .help(scroll: 0)
        var text = ""
        // Scrolled page by page, the overlay shows every help text of the key table.
        for scroll in Array(stride(from: 0, to: HelpOverlay.maxScroll(large), by: 10)) + [HelpOverlay.maxScroll(large)] {
            state.mode = .help(scroll: scroll)
            text += render(state, size: large).text.joined(separator: "\n")
        }
        for section in KeyBindings.sections {
            #expect(text.contains(section.title), "help is missing the section “\(section.title)”")
            for binding in section.bindings where !text.contains(binding.help) { Issue.record("help is missing “\(binding.help)”") }
        }
        #expect(text.contains("Ctrl-R"))
    }

    @Test func formShowsFieldsWithDefaults() {
        var driver = Driver(Fixture.state())
        driver.press(.down, .character("a"), .down, .enter)
        let screen = render(driver.state, size: small)
        #expect(screen.row(containing: "add conv 1×1") != nil)
        let kernel = screen.row(containing: "kernel (k or kh×kw)")!
        #expect(screen.line(kernel).contains("1×1"))
        #expect(screen.row(containing: "out channels") != nil)
    }

    @Test func errorsShowOnTheStatusRowInRed() {
        var driver = Driver(Fixture.state())
        driver.press(.down, .character("e"), .tab)
        driver.type("x")
        driver.press(.enter)
        let screen = render(driver.state, size: large)
        let row = screen.row(containing: "out channels: “2x” is not a whole number")!
        #expect(row == large.rows - 2)  // the message area, right above the footer
        #expect(screen[1, row].foreground == Theme.error)
    }

    @Test func oneDimensionalMapsAreStrips() {
        let network = Network(name: "1d", input: InputSpec(shape: Shape(channels: 2, height: 1, width: 8)), nodes: [])
        let input = Tensor(shape: network.input.shape, data: (0..<16).map(Float.init))
        let state = try! AppState(preset: PlaygroundPreset(network: network, file: nil, isShipped: false, input: input))
        let screen = render(state, size: large)
        #expect(screen.line(2).contains("ch 0 █"))
        #expect(screen.line(3).contains("ch 1 █"))
        // Channel 0 holds 0…7 (per-channel range): its first cell is level 0, its last level 63.
        let start = screen.line(2).distance(from: screen.line(2).startIndex, to: screen.line(2).firstIndex(of: "█")!)
        #expect(screen[start, 2].foreground == Colormap.sequential.color(level: 0))
        let end = screen.line(2).distance(from: screen.line(2).startIndex, to: screen.line(2).lastIndex(of: "█")!)
        #expect(screen[end, 2].foreground == Colormap.sequential.color(level: 63))
    }
}

@Suite struct RenderPolishTests {
    /// 3×32×32 → conv 5×5 p2 → 192 → relu, the NIN opening, named as long as NIN's own.
    static var ninOpening: Network {
        Network(
            name: "nin", input: InputSpec(shape: Shape(channels: 3, height: 32, width: 32)),
            nodes: [
                Node("conv_first", Layer(Conv(outChannels: 192, kernel: Size2(5), padding: .explicit(Size2(2))))),
                Node("relu_conv1", Layer(ReLU())),
            ])
    }

    /// At 80 columns the stack gets 36 columns (34 inside): names and specs of 10 do not fit beside shapes and
    /// counts, so the counts give way (mark 2 + name 10 + 1 + spec 11 + 1 + shape 9), names stay whole and
    /// "conv 5×5/1 p2 → 192" shortens to "5×5 p2→192".
    @Test func narrowStackKeepsNamesWholeAndShortensSpecs() {
        var state = try! AppState(
            preset: PlaygroundPreset(
                network: Self.ninOpening, file: nil, isShipped: false, input: Tensor(shape: Self.ninOpening.input.shape, repeating: 1)))
        state.selected = nil
        let screen = render(state, size: small)
        #expect(screen.line(3).hasPrefix("│  conv_first 5×5 p2→192  192×32×32│"), "\(screen.line(3))")
        #expect(screen.line(4).hasPrefix("│  relu_conv1 relu        192×32×32│"), "\(screen.line(4))")
    }

    @Test(arguments: [
        (spec: "conv 5×5/1 p2 → 192", variants: ["conv 5×5/1 p2 → 192", "conv 5×5 p2 → 192", "conv 5×5 p2→192", "5×5 p2→192"]),
        (spec: "conv 1×1 → 160", variants: ["conv 1×1 → 160", "conv 1×1→160", "1×1→160"]),
        (spec: "max 3×3/2 ceil", variants: ["max 3×3/2 ceil", "max 3×3/2"]),
        (spec: "relu", variants: ["relu"]),
    ])
    func specsShortenStepByStep(_ c: (spec: String, variants: [String])) {
        #expect(specVariants(c.spec) == c.variants)
    }

    @Test(arguments: [
        (room: 40, note: "page 1/14 · viridis · per-channel"),
        (room: 31, note: "1/14 · viridis · per-channel"),
        (room: 20, note: "1/14 · per-channel"),
        (room: 9, note: "1/14"),
        (room: 3, note: ""),
    ])
    func mapsNoteTakesTheLongestFormThatFits(_ c: (room: Int, note: String)) {
        #expect(MapsPane.note(page: 0, pages: 14, colormap: "viridis", scaling: "per-channel", room: c.room) == c.note)
    }

    @Test func footerKeepsHelpAndQuitOnANarrowScreen() {
        let screen = render(Fixture.state(), size: small)
        let footer = screen.line(small.rows - 1)
        #expect(footer.contains("? help  q quit"), "\(footer)")
    }

    /// The ramp input is 1×4×4; conv 1×1 → 2 augments 1 → 2 channels for 2 weights + 2 biases.
    @Test func inspectorSaysA1x1ConvMixesChannelsPerPixel() {
        var state = Fixture.state()
        state.selected = .top(0)
        let screen = render(state, size: large)
        #expect(screen.row(containing: "1×1 conv = per-pixel channel mixing") != nil)
        #expect(screen.row(containing: "1→2 channels, 4×4 kept") != nil)
        #expect(screen.row(containing: "an augmentation: costs 4 params") != nil)
    }

    /// conv 1×1 → 2, lateral (2×2 M, 4 weights), relu, lateral, lrn: the first lateral folds and saves its 4
    /// weights; the second follows a ReLU and does not fold.
    @Test func inspectorTellsWhichLateralLayersFold() {
        let m = ExplicitParameters(weights: [0, 1, 1, 0])
        let network = Network(
            name: "lateral", input: InputSpec(shape: Fixture.ramp.shape),
            nodes: [
                Node("conv", Layer(Conv(outChannels: 2, kernel: Size2(1)))),
                Node("before", Layer(Lateral(parameters: m))),
                Node("relu", Layer(ReLU())),
                Node("after", Layer(Lateral(parameters: m))),
                Node("lrn", Layer(LocalResponseNorm(size: 3))),
            ])
        var state = try! AppState(preset: PlaygroundPreset(network: network, file: nil, isShipped: false, input: Fixture.ramp))
        state.selected = .top(1)
        var screen = render(state, size: large)
        #expect(screen.row(containing: "folds into the layer before it:") != nil)
        #expect(screen.row(containing: "4 params fewer") != nil)
        state.selected = .top(3)
        screen = render(state, size: large)
        #expect(screen.row(containing: "no fold: it follows a non-linearity,") != nil)
        state.selected = .top(4)
        screen = render(state, size: large)
        #expect(screen.row(containing: "across 3 neighbouring channels,") != nil)
    }

    @Test func wrapBreaksAtSpaces() {
        #expect(wrap("1×1 conv = per-pixel channel mixing", width: 20) == ["1×1 conv = per-pixel", "channel mixing"])
        #expect(wrap("short", width: 20) == ["short"])
        #expect(wrap("could not open /a/very/long/path.json", width: 12) == ["could not", "open", "/a/very/long", "/path.json"])
    }
}
