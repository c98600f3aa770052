import ConvEngine
import Testing

@testable import ConvPlayTUI

@Suite struct ReducerViewTests {
    /// `W` does something at every size: beside the inspector it hides the weights (the inspector takes the
    /// width); on a narrow screen it shows them in the maps' place.
    @Test func wTogglesTheWeightsAtEverySize() {
        var driver = Driver(Fixture.state())
        driver.press(.down)
        #expect(Frame(driver.state, size: large).weights != nil)
        driver.press(.character("W"))
        #expect(Frame(driver.state, size: large).weights == nil && Frame(driver.state, size: large).inspector.maxX == large.columns)
        driver.press(.character("W"))
        driver.state.size = small
        #expect(!Frame(driver.state, size: small).weightsInMaps)
        driver.press(.character("W"))
        #expect(Frame(driver.state, size: small).weightsInMaps)
        #expect(render(driver.state, size: small).row(containing: "1×1: 2 out × 1 in") != nil)
    }

    /// A message longer than the message area keeps its first lines and says where the rest is; `m` shows it whole.
    @Test func aLongMessageIsNeverLost() {
        var state = Fixture.state()
        let words = (1...60).map { "word\($0)" }.joined(separator: " ")
        state.status = StatusMessage(words + " — the end", isError: true)
        let lines = messageLines(state, width: small.columns)
        #expect(lines.count == messageAreaLines && lines.last!.hasSuffix("… m shows the rest"))
        var driver = Driver(state)
        driver.press(.character("m"))
        #expect(driver.state.mode == .message(scroll: 0))
        #expect(render(driver.state, size: small).row(containing: "— the end") != nil)
    }

    /// On a diagonal 1×1 conv the lesson is relative magnitude: the scale is per layer until the user picks
    /// one, so ×2 and ×0.5 of equal inputs look different; per channel they would look the same.
    @Test func theRescaleLessonScalesPerLayer() {
        var driver = Driver(Fixture.state(Fixture.rescale, input: Fixture.rescaleInput))
        driver.press(.character("r"))
        #expect(driver.state.scalingChoice == nil && driver.state.scaling == .perLayer)
        #expect(render(driver.state, size: large).line(1).contains("auto per-layer"))
        func levels(_ state: AppState) -> (Int16, Int16) {
            let screen = render(state, size: large), frame = Frame(state, size: large)
            guard case .grid(let grid) = frame.mapsView else { return (0, 0) }
            let (x0, y0) = grid.origin(of: 0, in: frame.mapsArea), (x1, y1) = grid.origin(of: 1, in: frame.mapsArea)
            return (
                screen[x0 + grid.tilePixelWidth - 1, y0 + grid.tileRows - 1].foreground,
                screen[x1 + grid.tilePixelWidth - 1, y1 + grid.tileRows - 1].foreground
            )
        }
        // Per layer (0…2): 2 → level 63, 0.5 → level 16; per channel both are their map's top, level 63.
        #expect(levels(driver.state) == (Colormap.sequential.color(level: 63), Colormap.sequential.color(level: 16)))
        driver.state.scalingChoice = .perChannel
        #expect(levels(driver.state) == (Colormap.sequential.color(level: 63), Colormap.sequential.color(level: 63)))
    }
}
