import ConvEngine
import Testing

@testable import ConvPlayTUI

@Suite struct ReducerNavigationTests {
    /// conv 1×1 → 40 channels on the 4×4 ramp: more channels than a page holds at 80×24.
    static var wide: Network {
        Network(name: "wide", input: InputSpec(shape: Fixture.ramp.shape), nodes: [Node("wide", Conv(outChannels: 40, kernel: Size2(1)))])
    }

    /// PgDn moves the tile cursor a page on; Enter zooms the channel under it — on the page you are on.
    @Test func zoomOpensTheChannelOnThePageYouAreOn() {
        var driver = Driver(Fixture.state(Self.wide))
        driver.state.size = small
        driver.press(.character("r"), .tab)
        let perPage = Frame(driver.state, size: small).page(driver.state).perPage
        #expect(perPage > 1 && perPage < 40)
        driver.press(.pageDown)
        #expect(driver.state.channel == perPage)
        #expect(Frame(driver.state, size: small).page(driver.state).page == 1)
        driver.press(.right, .enter)
        #expect(driver.state.mode.kind == .zoom && driver.state.channel == perPage + 1)
        #expect(render(driver.state, size: small).line(1).contains("ch \(perPage + 1) zoomed"))
    }

    /// `g` and a number jump to a channel, in the grid and while zoomed; a number off the map is refused.
    @Test func gJumpsToAChannel() {
        var driver = Driver(Fixture.state(Self.wide))
        driver.press(.character("r"), .character("g"))
        driver.type("37")
        driver.press(.enter)
        #expect(driver.state.channel == 37 && driver.state.mode == .normal && driver.state.focus == .maps)
        driver.press(.character("z"), .character("g"))
        driver.type("40")
        driver.press(.enter)
        #expect(driver.state.status?.text == "“40” is not a channel — type a number from 0 to 39")
        #expect(driver.state.mode.kind == .prompt)
        driver.press(.control("u"))
        driver.type("5")
        driver.press(.enter)
        #expect(driver.state.mode.kind == .zoom && driver.state.channel == 5)
    }

    /// ← folds the selected block (▶), → unfolds it and then enters it, ← from inside goes back to the block,
    /// f folds every block and unfolds them again.
    @Test func blocksFoldAndUnfold() {
        var driver = Driver(Fixture.state(Fixture.branched))
        driver.press(.down)
        #expect(driver.state.rows.count == 5)
        driver.press(.left)
        #expect(driver.state.collapsed == ["block"] && driver.state.rows == [nil, .top(0)])
        #expect(render(driver.state, size: large).row(containing: "▶ block") != nil)
        driver.press(.right)
        #expect(driver.state.collapsed.isEmpty && driver.state.selected == .top(0))
        driver.press(.right)
        #expect(driver.state.selected == NodePath([0, 0, 0]))
        driver.press(.left)
        #expect(driver.state.selected == .top(0))
        driver.press(.down, .character("f"))
        #expect(driver.state.collapsed == ["block"] && driver.state.selected == .top(0))
        driver.press(.character("f"))
        #expect(driver.state.collapsed.isEmpty)
    }

    /// Stepping into a folded block selects the block (its row stands for the node computed inside).
    @Test func steppingInsideAFoldedBlockSelectsTheBlock() {
        var driver = Driver(Fixture.state(Fixture.branched))
        driver.press(.down, .left, .character(" "))
        #expect(driver.state.session.computedCount == 1)
        #expect(driver.state.selected == .top(0))
        #expect(stackRows(driver.state)[1].mark == "▸")
    }

    /// While a pass runs, moving the selection stops it from following the step cursor.
    @Test func aRunningPassLeavesTheSelectionToTheUser() {
        var state = Fixture.state()
        guard case .compute(let job, var session, _)? = reduce(&state, .step(.runToEnd)).first else {
            Issue.record("expected a compute effect")
            return
        }
        session.stepForward()
        _ = reduce(&state, .event(.computeProgress(job: job, session: session)))
        #expect(state.selected == .top(0))
        _ = reduce(&state, .navigate(.moveSelection(-1)))
        #expect(state.selected == nil)
        session.stepForward()
        _ = reduce(&state, .event(.computeFinished(job: job, session: session)))
        #expect(state.selected == nil && state.session.isComplete)
    }

    /// At 80×24 the ReLU's inspector has more lines than rows: focused, it scrolls to the last and no further.
    @Test func theInspectorScrollsWhenFocused() {
        var driver = Driver(Fixture.state())
        driver.state.size = small
        driver.press(.character("r"), .tab, .tab)
        #expect(driver.state.focus == .inspector)
        let most = Frame(driver.state, size: small).inspectorMaxScroll
        #expect(most > 0)
        for _ in 0..<(most + 3) { driver.press(.down) }
        #expect(driver.state.inspectorScroll == most)
        #expect(render(driver.state, size: small).row(containing: "layers[1]") != nil)
    }
}
