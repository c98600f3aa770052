import ConvEngine
import Testing

@testable import ConvPlayTUI

@Suite struct ReducerModalTests {
    @Test func homeAndEndInLists() {
        var driver = Driver(Fixture.state())
        driver.press(.character("o"), .end)
        #expect(driver.state.picker?.index == 1)
        driver.press(.home)
        #expect(driver.state.picker?.index == 0)
        driver.press(.escape, .character("a"), .end)
        #expect(driver.state.mode == .pickType(TypeList(insertBefore: false).with(index: NodeTemplate.all.count - 1)))
    }

    @Test func ctrlUClearsAFieldAndAPrompt() {
        var driver = Driver(Fixture.state())
        driver.press(.down, .character("e"), .control("u"))
        #expect(driver.state.form?.text("name") == "")
        driver.type("renamed")
        driver.press(.enter)
        #expect(driver.state.network.nodes[0].name == "renamed")
        driver.press(.character("S"), .control("u"))
        #expect(driver.state.prompt?.text == "")
    }

    @Test func helpScrollsToItsEndAndCloses() {
        var driver = Driver(Fixture.state())
        driver.state.size = small
        driver.press(.character("?"))
        #expect(render(driver.state, size: small).row(containing: "more ─") != nil)
        driver.press(.end)
        #expect(driver.state.mode == .help(scroll: HelpOverlay.maxScroll(small)))
        #expect(render(driver.state, size: small).row(containing: "above ─") != nil)
        driver.press(.pageDown, .character("q"))
        #expect(driver.state.mode == .normal)
    }

    /// A typed image path is taken from the working directory; a missing file says so.
    @Test func aTypedImagePathResolvesFromTheWorkingDirectory() {
        var driver = Driver(Fixture.state())
        driver.press(.character("I"), .end, .enter)
        #expect(driver.state.prompt?.purpose == .imagePath)
        driver.type("missing.ppm")
        driver.press(.enter)
        #expect(
            driver.state.status?.text
                == "missing.ppm: no such file (looked for /work/missing.ppm) — type a path from the working directory, or an absolute one")
        driver.press(.character("I"), .end, .enter)
        driver.type("cat.pgm")
        driver.press(.enter)
        #expect(driver.state.network.input.source == .image(path: "/work/cat.pgm"))
    }

    /// Numbers too large for the field, and edits whose weights would not fit in memory, are refused with the
    /// reason; the form stays open with what was typed.
    @Test func editsThatWouldOverflowOrExhaustMemoryAreRefused() {
        var driver = Driver(Fixture.state())
        driver.press(.down, .character("e"), .tab, .control("u"))
        driver.type("99999999999999999999")
        driver.press(.enter)
        #expect(
            driver.state.status?.text
                == "out channels: “99999999999999999999” is not a whole number this size can hold (it is too large) — fix the field and press Enter"
        )
        #expect(driver.state.mode.kind == .form)
        driver.press(.escape, .down, .character("a"))
        let dense = NodeTemplate.all.firstIndex { $0.label == "dense" }!
        for _ in 0..<dense { driver.press(.down) }
        driver.press(.enter, .tab, .control("u"))
        driver.type("16777216")
        driver.press(.enter)
        // 16,777,216 outputs (the most a size setting takes) × 32 inputs + 16,777,216 biases, 4 bytes each: shape
        // inference counts them with the activations and scratch against the one budget.
        #expect(
            driver.state.status?.text
                == "the network would need 2.1 GiB (activations 64.0 MiB, parameters 2.1 GiB, kernel scratch 8.3 MiB), over the "
                + "memory cap of 2.0 GiB — use a smaller input or fewer channels, or raise the cap (--memory-cap)")
        #expect(driver.state.mode.kind == .form && driver.state.network == Fixture.tiny)
    }
}

extension TypeList {
    func with(index: Int) -> TypeList {
        var list = self
        list.index = index
        return list
    }
}
