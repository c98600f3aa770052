import ConvEngine
import Testing

@testable import ConvPlayTUI

/// Clicks and the wheel, at the same places the screen draws things (`Frame`).
@Suite struct ReducerMouseTests {
    @Test func aClickSelectsALayerRow() {
        var driver = Driver(Fixture.state())
        let inner = Frame(driver.state, size: large).layers.inner
        driver.press(.tab)
        driver.click(x: inner.x + 4, y: inner.y + 2)
        #expect(driver.state.selected == .top(1) && driver.state.focus == .layers)
        driver.click(x: inner.x + 4, y: inner.y + 2, .wheelUp)
        #expect(driver.state.selected == nil)
    }

    /// A click on a tile moves the tile cursor there; a second click zooms it, where a click moves the cursor.
    @Test func aClickSelectsATileAndASecondZoomsIt() throws {
        var driver = Driver(Fixture.state())
        driver.press(.character("r"), .up)  // mix: two channels
        let frame = Frame(driver.state, size: large)
        guard case .grid(let grid) = frame.mapsView else { throw Failure("expected a grid") }
        let (x, y) = grid.origin(of: 1, in: frame.mapsArea)
        driver.click(x: x + 1, y: y + 1)
        #expect(driver.state.channel == 1 && driver.state.focus == .maps && driver.state.mode == .normal)
        driver.click(x: x + 1, y: y + 1)
        #expect(driver.state.mode.kind == .zoom)
        let layout = ZoomLayout(driver.state, shape: driver.state.selectedShape, rect: Frame(driver.state, size: large).right)
        driver.click(x: layout.mapX, y: layout.mapY)
        #expect(driver.state.zoomCursor == ZoomCursor(row: 0, column: 0))
    }

    @Test func aClickOnTheFoldGlyphFoldsTheBlock() {
        var driver = Driver(Fixture.state(Fixture.branched))
        let frame = Frame(driver.state, size: large)
        let glyphX = frame.layers.inner.x + frame.stackColumns.mark
        driver.click(x: glyphX, y: frame.layers.inner.y + 1)
        #expect(driver.state.collapsed == ["block"] && driver.state.selected == .top(0))
        driver.click(x: glyphX, y: frame.layers.inner.y + 1)
        #expect(driver.state.collapsed.isEmpty)
    }

    @Test func theWheelScrollsTheHelp() {
        var driver = Driver(Fixture.state())
        driver.state.size = small
        driver.press(.character("?"))
        driver.click(x: 40, y: 10, .wheelDown)
        #expect(driver.state.mode == .help(scroll: 3))
    }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
