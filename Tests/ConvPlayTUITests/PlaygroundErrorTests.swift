import ConvEngine
import Testing

@testable import ConvPlayTUI

/// Why the playground could not start: the sentence a user reads, and that the preset's own problems are
/// found before the terminal is touched.
@Suite struct PlaygroundErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let error: PlaygroundError
        let message: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "unreadable input", error: .unreadableInput(preset: "net.json", .fileNotFound(path: "./cat.ppm")),
            message: "net.json: ./cat.ppm: no such file — check the image path (it is relative to the preset's folder)"),
        Case(
            name: "impossible network",
            error: .impossibleNetwork(.kernelTooLarge(path: .top(0), name: "big", kernel: Size2(11), paddedInput: Size2(4))),
            message: "layers[0] (big): kernel 11×11 is larger than its padded input 4×4 — "
                + "use a smaller kernel, more padding, or remove a downsampling layer before it"),
        Case(
            name: "not a terminal", error: .notATerminal,
            message: "the playground needs a terminal, but stdin or stdout is not one — run it from an interactive shell, "
                + "or use `convplay summary PRESET` / `convplay run PRESET` for text output"),
        Case(
            name: "unknown terminal", error: .unknownTerminal("vt9000"),
            message: "cannot drive the terminal type \"vt9000\" — set TERM to one your system knows (e.g. xterm-256color)"),
    ]

    @Test(arguments: cases)
    func saysWhatToChange(_ c: Case) {
        #expect(c.error.description == c.message)
    }

    @Test func anImpossibleNetworkStopsBeforeTheTerminal() {
        var network = Fixture.tiny
        network.nodes = [Node("big", Layer(Conv(outChannels: 2, kernel: Size2(11))))]
        #expect(
            throws: PlaygroundError.impossibleNetwork(.kernelTooLarge(path: .top(0), name: "big", kernel: Size2(11), paddedInput: Size2(4)))
        ) {
            try runPlayground(Fixture.preset(network), services: FakeServices())
        }
    }

    @Test func aMissingInputImageNamesThePreset() {
        var network = Fixture.tiny
        network.input.source = .image(path: "missing.ppm")
        let loaded = LoadedPreset(network: network, path: "/nonexistent/net.json")
        #expect(throws: PlaygroundError.unreadableInput(preset: "/nonexistent/net.json", .fileNotFound(path: "/nonexistent/missing.ppm"))) {
            try runPlayground(preset: loaded, services: FakeServices())
        }
    }
}
