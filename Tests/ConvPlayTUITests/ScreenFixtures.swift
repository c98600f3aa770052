import ConvEngine

@testable import ConvPlayTUI

/// The key screens, as states reached by pressing keys on the fixtures: what the whole-screen tests draw.
enum ScreenFixtures {
    static func driven(_ state: AppState, size: Size, _ keys: [Key]) -> AppState {
        var driver = Driver(state)
        driver.timesComparisons = false
        driver.state.size = size
        for key in keys { driver.press(key) }
        return driver.state
    }

    static func all(size: Size = large) -> [(String, AppState)] {
        [
            ("start", driven(Fixture.state(), size: size, [])),
            ("run", driven(Fixture.state(), size: size, [.character("r")])),
            ("mix", driven(Fixture.state(), size: size, [.character("r"), .up])),
            ("zoom", driven(Fixture.state(), size: size, [.character("r"), .up, .character("z"), .right])),
            ("help", driven(Fixture.state(), size: size, [.character("?")])),
            ("form", driven(Fixture.state(), size: size, [.down, .character("e")])),
            ("quit", driven(Fixture.state(), size: size, [.down, .character("d"), .character("q")])),
            ("branched", driven(Fixture.state(Fixture.branched), size: size, [.character("r"), .home, .down])),
            ("folded", driven(Fixture.state(Fixture.branched), size: size, [.character("r"), .home, .down, .left])),
            ("compare", driven(Fixture.state(), size: size, [.down, .character("d"), .character("C"), .enter])),
            ("error", driven(Fixture.state(), size: size, [.down, .character("e"), .tab, .character("x"), .enter])),
            ("named classes", driven(Fixture.state(Fixture.shapesClassifier, input: Fixture.shapesInput), size: size, [.character("r")])),
        ]
    }
}
