import ConvEngine
import Testing

@testable import ConvPlayTUI

@Suite struct ReducerFilesTests {
    /// "● unsaved" follows the network, not the history: undoing back to the saved state clears it.
    @Test func undoingBackToTheSavedNetworkIsNotUnsaved() {
        var driver = Driver(Fixture.state())
        driver.press(.down, .character("d"))
        #expect(driver.state.dirty)
        driver.press(.character("u"))
        #expect(!driver.state.dirty && !render(driver.state, size: large).line(0).contains("unsaved"))
        driver.press(.control("r"))
        #expect(driver.state.dirty)
    }

    /// With unsaved edits, `C` offers the saved file first; the view lines the two up and times them.
    @Test func compareTheSavedFileWithTheEdits() {
        var driver = Driver(Fixture.state())
        driver.press(.down, .character("d"), .character("C"))
        #expect(driver.state.picker?.items.first?.isSavedVersion == true)
        driver.press(.enter)
        let view = try! #require(driver.state.compareView)
        #expect(view.comparison.rows.map(\.change) == [.removed, .changed])
        #expect(view.timingJob == nil && view.comparison.first.milliseconds != nil && view.comparison.second.milliseconds != nil)
        #expect(render(driver.state, size: large).row(containing: "compare · saved file → unsaved edits") != nil)
        driver.press(.escape)
        #expect(driver.state.mode == .normal)
    }

    /// Without edits the list holds the presets; picking one compares it with this network.
    @Test func compareWithAnotherPreset() {
        var driver = Driver(Fixture.state())
        driver.press(.character("C"))
        #expect(driver.state.picker?.items.map(\.nameOrPath) == ["branched", "tiny"])
        driver.press(.enter)
        let view = try! #require(driver.state.compareView)
        #expect(view.comparison.first.name == "branched" && view.comparison.second.name == "tiny")
        #expect(view.title == "branched → tiny (this network)")
    }

    /// A crashed session's network is offered at start: yes opens it as unsaved edits to its file.
    @Test func theRecoveredNetworkOpensAsUnsaved() {
        var state = Fixture.state()
        state.mode = .confirm(.openRecovered(source: "/work/branched.json"))
        #expect(render(state, size: small).row(containing: "convplay stopped unexpectedly with unsaved") != nil)
        var driver = Driver(state)
        driver.press(.character("y"))
        #expect(driver.state.network == Fixture.branched && driver.state.file == "/work/branched.json")
        #expect(driver.state.dirty)
        #expect(driver.state.status?.text == "recovered the unsaved edits — w saves them")
    }

    @Test func noSetsTheRecoveredNetworkAside() {
        var state = Fixture.state()
        state.mode = .confirm(.openRecovered(source: nil))
        var driver = Driver(state)
        driver.press(.character("n"))
        #expect(driver.state.network == Fixture.tiny)
        #expect(driver.state.status?.text == "the recovered network is kept at /state/recovery-1.json")
    }
}
