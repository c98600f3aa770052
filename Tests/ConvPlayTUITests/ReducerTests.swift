import ConvEngine
import Testing

@testable import ConvPlayTUI

@Suite struct ReducerTests {
    @Test func spaceStepsAndSelectsTheComputedNode() {
        var driver = Driver(Fixture.state())
        driver.press(.character(" "))
        #expect(driver.state.session.computedCount == 1)
        #expect(driver.state.selected == .top(0))
        driver.press(.character("n"))
        #expect(driver.state.session.computedCount == 2)
        #expect(driver.state.selected == .top(1))
        driver.press(.character("b"))
        #expect(driver.state.session.computedCount == 1)
        #expect(driver.state.selected == .top(0))
        driver.press(.character("R"))
        #expect(driver.state.session.computedCount == 0)
        #expect(driver.state.selected == nil)
        driver.press(.character("r"))
        #expect(driver.state.session.computedCount == 2)
    }

    @Test func stepsPressedWhileComputingAreQueuedNotLost() {
        var state = Fixture.state()
        let first = reduce(&state, .step(.forward))
        #expect(state.job != nil)
        #expect(reduce(&state, .step(.forward)).isEmpty)
        #expect(state.pendingSteps == 1)
        guard case .compute(let job, var session, _) = first[0] else {
            Issue.record("expected a compute effect")
            return
        }
        session.stepForward()
        let next = reduce(&state, .event(.computeFinished(job: job, session: session)))
        #expect(state.session.computedCount == 1)
        guard case .compute(let nextJob, _, .step) = next.first else {
            Issue.record("expected the queued step to start")
            return
        }
        #expect(nextJob != job)
        #expect(state.pendingSteps == 0)
    }

    @Test func staleResultsAfterAnEditAreDropped() {
        var state = Fixture.state()
        let effects = reduce(&state, .step(.forward))
        guard case .compute(let job, var session, _) = effects[0] else {
            Issue.record("expected a compute effect")
            return
        }
        _ = reduce(&state, .navigate(.moveSelection(1)))
        _ = reduce(&state, .edit(.delete))  // an edit cancels the running step
        #expect(state.job == nil)
        session.stepForward()
        _ = reduce(&state, .event(.computeFinished(job: job, session: session)))
        #expect(state.session.computedCount == 0)
        #expect(state.network.nodes.count == 1)
    }

    @Test func addAOneByOneConvAfterTheSelectionThenUndoAndRedo() {
        var driver = Driver(Fixture.state())
        let before = driver.state.network
        driver.press(.down)  // select "mix"
        driver.press(.character("a"))
        #expect(driver.state.mode.kind == .list)
        driver.press(.down, .enter)  // "conv 1×1"
        #expect(driver.state.mode.kind == .form)
        #expect(driver.state.form?.fields.first?.text == "cccp1")
        driver.press(.enter)
        #expect(driver.state.mode == .normal)
        #expect(driver.state.network.nodes.map(\.name) == ["mix", "cccp1", "relu"])
        #expect(driver.state.selected == .top(1))
        #expect(driver.state.dirty)
        // conv 1×1 2 → 1 (half the channels): 2 weights + 1 bias on top of the 4 params of "mix".
        #expect(driver.state.session.costs.total.params == 7)
        driver.press(.character("u"))
        #expect(driver.state.network == before)
        driver.press(.control("r"))
        #expect(driver.state.network.nodes.map(\.name) == ["mix", "cccp1", "relu"])
    }

    @Test func anEditRecomputesBackToTheCursorAndKeepsTheSelection() {
        var driver = Driver(Fixture.state())
        driver.press(.character("r"))  // both nodes computed
        #expect(driver.state.session.isComplete)
        driver.press(.up)  // from "relu" (selected by the run) to "mix"
        driver.press(.character("a"), .down, .enter, .enter)  // add a 1×1 conv after it
        // The edit invalidated everything from the new node on; the catch-up recomputed it.
        #expect(driver.state.session.isComplete)
        #expect(driver.state.session.computedCount == 3)
        #expect(driver.state.selected == .top(1))
        guard
            case .compute(_, _, .catchUp(to: 3))? = driver.effects.last(where: {
                if case .compute = $0 { return true } else { return false }
            })
        else {
            Issue.record("expected a catch-up computation")
            return
        }
        driver.press(.character("u"))  // undo also recomputes back to the end
        #expect(driver.state.session.isComplete && driver.state.session.computedCount == 2)
    }

    @Test func anImpossibleEditIsRefusedWithTheReasonAndNothingIsLost() {
        var driver = Driver(Fixture.state())
        driver.press(.down, .character("e"))
        #expect(driver.state.mode.kind == .form)
        driver.press(.tab, .tab)  // kernel
        driver.press(.backspace, .backspace, .backspace)
        driver.type("9")
        driver.press(.down, .down, .down, .down, .down, .down)  // weights: explicit → initialiser (so only the kernel is wrong)
        driver.press(.right)
        driver.press(.enter)
        #expect(driver.state.mode.kind == .form)  // still editing: the typed values stay
        #expect(driver.state.form?.text("kernel") == "9")
        #expect(driver.state.network == Fixture.tiny)
        let message = driver.state.status?.text ?? ""
        #expect(driver.state.status?.isError == true)
        #expect(message.contains("layers[0] (mix): kernel 9×9 is larger than its padded input 4×4"))
    }

    @Test func formFieldsThatAreNotNumbersAreNamed() {
        var driver = Driver(Fixture.state())
        driver.press(.down, .character("e"), .tab)
        driver.type("x")
        driver.press(.enter)
        #expect(driver.state.status?.text == "out channels: “2x” is not a whole number — fix the field and press Enter")
    }

    @Test func deleteAndMoveLayers() {
        var driver = Driver(Fixture.state())
        driver.press(.down, .character("J"))
        #expect(driver.state.network.nodes.map(\.name) == ["relu", "mix"])
        #expect(driver.state.selected == .top(1))
        driver.press(.character("K"))
        #expect(driver.state.network.nodes.map(\.name) == ["mix", "relu"])
        driver.press(.character("d"))
        #expect(driver.state.network.nodes.map(\.name) == ["relu"])
        driver.press(.character("u"), .character("u"), .character("u"))
        #expect(driver.state.network == Fixture.tiny)
    }

    @Test func editsInsideABranchStayInThatBranch() {
        var driver = Driver(Fixture.state(Fixture.branched))
        func names(_ branch: Int) -> [String]? { driver.state.network.nodes[0].block?.branches[branch].map(\.name) }
        driver.press(.down, .down, .down)  // b, the second node of branch 0
        #expect(driver.state.selected == NodePath([0, 0, 1]))
        driver.press(.character("K"))
        #expect(names(0) == ["b", "a"])
        #expect(driver.state.selected == NodePath([0, 0, 0]))
        driver.press(.down, .character("d"))  // a, now second: the selection falls back to the node before it
        #expect(names(0) == ["b"])
        #expect(driver.state.selected == NodePath([0, 0, 0]))
        driver.press(.character("d"))  // the branch's only node: the selection falls back to the block
        #expect(names(0) == [])
        #expect(driver.state.selected == .top(0))
        driver.press(.end, .character("a"), .down, .enter, .enter)  // after c: a conv 1×1 with the form's defaults
        #expect(names(1)?.count == 2 && names(1)?.first == "c")
        #expect(driver.state.selected == NodePath([0, 1, 1]))
    }

    @Test func branchesCanBeAddedAndRemoved() {
        var driver = Driver(Fixture.state(Fixture.branched))
        driver.press(.down)  // the block
        driver.press(.character("B"))
        #expect(driver.state.network.nodes[0].block?.branches.count == 3)
        #expect(driver.state.selected == NodePath([0, 2, 0]))
        // concat of 2 + 3 + 16 channels
        #expect(driver.state.session.shapes.output(of: .top(0)) == Shape(channels: 21, height: 4, width: 4))
        driver.press(.character("X"))
        #expect(driver.state.network == Fixture.branched)
    }

    @Test func quitAsksWhenThereAreUnsavedEdits() {
        var driver = Driver(Fixture.state())
        driver.press(.character("q"))
        #expect(driver.state.wantsQuit)
        var edited = Driver(Fixture.state())
        edited.press(.down, .character("d"), .character("q"))
        #expect(edited.state.mode.kind == .confirm)
        #expect(!edited.state.wantsQuit)
        edited.press(.character("n"))
        #expect(edited.state.mode == .normal && !edited.state.wantsQuit)
        edited.press(.character("q"), .character("q"))  // q is not an answer: the question stays
        #expect(edited.state.question == .quitUnsaved && !edited.state.wantsQuit)
        edited.press(.character("y"))
        #expect(edited.state.wantsQuit)
    }

    @Test func savingAShippedPresetAsksForANameAndNeverOverwritesSilently() {
        var driver = Driver(Fixture.state(file: "presets/tiny.json", shipped: true))
        driver.services.existing = ["tiny-edited.json"]
        driver.press(.character("w"))
        #expect(driver.state.mode.kind == .prompt)
        #expect(driver.state.prompt?.text == "tiny-edited.json")
        driver.press(.enter)
        #expect(driver.state.mode.kind == .confirm)
        #expect(driver.services.saved.isEmpty)
        driver.press(.character("y"))
        #expect(driver.services.saved.map(\.1) == ["tiny-edited.json"])
        #expect(driver.state.file == "tiny-edited.json")
        #expect(!driver.state.isShipped && !driver.state.dirty)
        driver.press(.character("w"))  // now a user file: saved in place
        #expect(driver.services.saved.map(\.1) == ["tiny-edited.json", "tiny-edited.json"])
    }

    @Test func openPicksAPresetAndAsksFirstWhenUnsaved() {
        var driver = Driver(Fixture.state())
        driver.press(.character("o"))
        #expect(driver.state.mode.kind == .list)
        driver.press(.enter)
        #expect(driver.state.network.name == "branched")
        #expect(driver.state.file == "presets/branched.json")
        driver.press(.down, .character("d"), .character("o"), .enter)
        #expect(driver.state.mode.kind == .confirm)
        driver.press(.character("y"))
        #expect(driver.state.network == Fixture.branched)
    }

    @Test func pickingAnInputIsAnUndoableEdit() {
        var driver = Driver(Fixture.state())
        driver.press(.character("I"), .down, .enter)  // checkerboard
        #expect(driver.state.network.input.source == .synthetic(.checkerboard, seed: 0))
        #expect(driver.state.session.input.data.allSatisfy { $0 == 1 })
        driver.press(.character("u"))
        #expect(driver.state.network.input.source == Fixture.tiny.input.source)
    }

    @Test func zoomCursorStartsAtTheCentreAndStaysInsideTheMap() {
        var driver = Driver(Fixture.state())
        driver.press(.tab, .enter)
        #expect(driver.state.mode == .zoom(ZoomCursor(row: 2, column: 2)))
        driver.press(.right, .right, .right, .right, .right, .down, .down, .down)
        #expect(driver.state.zoomCursor == ZoomCursor(row: 3, column: 3))
        driver.press(.escape)
        #expect(driver.state.mode == .normal)
    }

    /// The ramp input is non-negative, so auto already draws viridis: the first `c` goes to diverging, and
    /// every press changes what is drawn.
    @Test func everyColormapPressChangesTheMaps() {
        var driver = Driver(Fixture.state())
        var seen = [shownColormap(driver.state)]
        for _ in 0..<3 {
            driver.press(.character("c"))
            #expect(shownColormap(driver.state) != seen.last, "c after \(seen.last!) changed nothing")
            seen.append(shownColormap(driver.state))
        }
        #expect(seen == ["viridis", "diverging", "gray", "viridis"])
        #expect(driver.state.colormap == .auto)
    }

    @Test func scalingCyclesThroughAutoAndSkipsWhatLooksTheSame() {
        var driver = Driver(Fixture.state())
        #expect(driver.state.scalingChoice == nil && driver.state.scaling == .perChannel)
        driver.press(.character("s"))  // per-channel would look like auto here: skipped
        #expect(driver.state.scalingChoice == .perLayer)
        driver.press(.character("s"))
        #expect(driver.state.scalingChoice == .global)
        driver.press(.character("s"))
        #expect(driver.state.scalingChoice == nil)
    }

    @Test func globalScalingKeepsTheRangeOfEveryActivation() {
        var driver = Driver(Fixture.state())
        driver.press(.character("r"))
        #expect(driver.state.globalValueRange == nil)  // only kept while scaling is global
        driver.state.scalingChoice = .global
        // input 0…15; mix: [x, −x] → −15…15; relu → 0…15: the global range is −15…15.
        #expect(driver.state.globalValueRange == ValueRange(low: -15, high: 15))
        driver.press(.character("R"))  // reset: only the input is left
        #expect(driver.state.globalValueRange == ValueRange(low: 0, high: 15))
    }

    /// Each output's range is kept as the output arrives (what `s` and the per-layer legend read, so a key passes
    /// over no activation), and dropped when the input or the network changes.
    @Test func outputRangesArriveWithOutputsAndFollowTheInput() throws {
        var driver = Driver(Fixture.state())
        driver.press(.character("r"))
        let session = driver.state.session
        for path in session.order {
            #expect(driver.state.outputRanges.range(at: path) == range(of: session.output(of: path)!.data[...]))
        }
        #expect(driver.state.outputRanges.range(at: session.order[0]) == ValueRange(low: -15, high: 15))  // mix: [x, −x]
        // The same network on a doubled input: every kept range is dropped and taken again.
        var doubled = session
        try doubled.update(network: session.network, input: Tensor(shape: Fixture.ramp.shape, data: Fixture.ramp.data.map { 2 * $0 }))
        doubled.runToEnd()
        driver.state.session = doubled
        #expect(driver.state.outputRanges.range(at: nil) == ValueRange(low: 0, high: 30))
        #expect(driver.state.outputRanges.range(at: session.order[0]) == ValueRange(low: -30, high: 30))
        driver.state.scalingChoice = .global
        #expect(driver.state.globalValueRange == ValueRange(low: -30, high: 30))
    }
}
