import Foundation
import Testing

/// The playground's views and flows end to end, through tmux: zoom on a page, the receptive field, compare,
/// folding, a mouse click, a plain-ASCII terminal, and the recovery file a crash leaves.
@Suite(.serialized)
struct PlaygroundViewsTests {
    static func open(_ arguments: [String], columns: Int = 120, rows: Int = 40, environment: [String: String] = [:]) throws -> TmuxSession {
        try PlaygroundTests.open(arguments, columns: columns, rows: rows, environment: environment)
    }

    /// The first "ch N" tile label on the screen.
    static func firstTileChannel(_ screen: String) -> Int? {
        guard let range = screen.range(of: #"ch \d+"#, options: .regularExpression) else { return nil }
        return Int(screen[range].dropFirst(3))
    }

    @Test func zoomOpensTheChannelOfThePageYouAreOn() throws {
        let session = try Self.open(["nin-cifar10"])
        defer { session.kill() }
        try PlaygroundTests.waitForPlayground(session)
        try session.press("r")
        try session.waitFor(text: "step 24/24")
        try session.press("Home", "j")  // conv1: 192 channels
        try session.waitFor(text: "Inspector · conv1")
        try session.press("Tab", "PageDown")
        let paged = try session.waitFor("the second page") { $0.contains("page 2/") || $0.contains(" 2/") }
        let channel = try #require(Self.firstTileChannel(paged), "a tile label:\n\(paged)")
        #expect(channel > 0)
        try session.press("Enter")
        try session.waitFor(text: "ch \(channel) zoomed")
    }

    /// conv1 is 5×5 with padding 2, cccp1 a 1×1 after its ReLU: both units see 5×5 of the input, cccp1 one
    /// pixel of its own input; the windows are outlined in the cursor colour on the earlier maps.
    @Test func theZoomCursorShowsItsReceptiveField() throws {
        let session = try Self.open(["nin-cifar10"])
        defer { session.kill() }
        try PlaygroundTests.waitForPlayground(session)
        try session.press("r")
        try session.waitFor(text: "step 24/24")
        try session.press("Home", "j", "z")
        try session.waitFor(text: "sees 5×5 of the input: rows 14…18 · columns 14…18")
        try session.press("Escape", "Tab", "Tab", "j", "j")  // maps → inspector → stack; relu_conv1, cccp1
        try session.waitFor(text: "Inspector · cccp1")
        try session.press("z")
        let zoomed = try session.waitFor(text: "on its own input (relu_conv1): 1×1 · rows 16…16 · columns 16…16")
        #expect(zoomed.contains("sees 5×5 of the input"), "\(zoomed)")
        #expect(zoomed.contains("y = w·x + b ="), "the 1×1 conv's dot product:\n\(zoomed)")
        #expect(try session.capture(colors: true).contains("38;5;214"), "the windows are drawn in the cursor colour")
    }

    /// The showcase: inception(3a) against its naive form, matched node by node and timed.
    @Test func compareInceptionWithItsNaiveForm() throws {
        let session = try Self.open(["inception-3a"])
        defer { session.kill() }
        try PlaygroundTests.waitForPlayground(session, params: 163_696)
        try session.press("C")
        try session.waitFor(text: "compare GoogLeNet inception(3a) with")
        // The picker lists the shipped presets by name; walk down to inception-3a-naive wherever it sorts.
        let shipped = try FileManager.default.contentsOfDirectory(atPath: BinaryRunner.packageRoot.path + "/presets")
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
        let steps = try #require(shipped.firstIndex(of: "inception-3a-naive"))
        for _ in 0..<steps { try session.press("j") }
        try session.press("Enter")
        let screen = try session.waitFor("the timed comparison") { $0.contains("compare ·") && $0.contains("time ") }
        #expect(screen.contains("second / first: params 0.42× · MACs 0.42×"), "\(screen)")
        let reduce = screen.split(separator: "\n").first { $0.contains("3x3_reduce") }
        #expect(reduce?.contains("+") == true, "the reduction is only in the second network:\n\(screen)")
        try session.press("Escape")
        try session.waitFor("the playground again") { $0.contains("Inspector") && !$0.contains("compare ·") }
    }

    @Test func googlenetFoldsToItsInceptionModules() throws {
        let session = try Self.open(["googlenet"])
        defer { session.kill() }
        try PlaygroundTests.waitForPlayground(session, params: 6_998_552)
        try session.press("f")
        let folded = try session.waitFor(text: "9 blocks folded")
        #expect(folded.contains("▶ inception_5b"), "\(folded)")
        #expect(!folded.contains("pool_proj"), "no branch rows while folded:\n\(folded)")
        try session.press("f")
        try session.waitFor(text: "every block unfolded")
    }

    /// A click (sent as the terminal's mouse report) selects the row under it.
    @Test func aMouseClickSelectsALayer() throws {
        let session = try Self.open(["nin-cifar10"])
        defer { session.kill() }
        let screen = try PlaygroundTests.waitForPlayground(session)
        let row = try #require(screen.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(" cccp1 ") })
        // X10 mouse report: ESC [ M, then button 0, column and row, each + 32 (1-based).
        let report: [UInt8] = [27, 91, 77, 32, UInt8(32 + 6), UInt8(32 + row + 1)]
        try session.type(String(decoding: report, as: UTF8.self))
        try session.waitFor(text: "Inspector · cccp1")
    }

    /// LANG=C: no UTF-8, so every cell is ASCII and nothing reads "?" but the help key.
    @Test func aPlainASCIILocaleNeverShowsQuestionMarks() throws {
        let session = try Self.open(["nin-cifar10"], environment: ["LANG": "C", "LC_ALL": "C"])
        defer { session.kill() }
        let screen = try session.waitFor("the playground in ASCII") { $0.contains("convplay .") && $0.contains("966,986") }
        #expect(!screen.replacingOccurrences(of: "? help", with: "").contains("?"), "\(screen)")
        #expect(screen.contains("+ Layers") && screen.contains("..."), "\(screen)")
    }

    /// Shrunk below 80×24 with unsaved edits, q still asks — and the question is readable there.
    @Test func theQuitQuestionShowsOnATooSmallTerminal() throws {
        let session = try Self.open(["nin-cifar10"])
        defer { session.kill() }
        try PlaygroundTests.waitForPlayground(session)
        try session.press(Array(repeating: "j", count: 8))
        try session.waitFor(text: "Inspector · drop3")
        try session.press("d")
        try session.waitFor(text: "● unsaved")
        try session.resize(columns: 60, rows: 16)
        try session.waitFor(text: "enlarge the terminal")
        try session.press("q")
        let screen = try session.waitFor(text: "quit without saving your edits?")
        #expect(screen.contains("y yes · n no"), "\(screen)")
        try session.press("y")
        try PlaygroundTests.expectExitedAndRestored(session, status: 0)
    }

    /// The playground honours --memory-cap as the other commands do: checked before any screen is drawn.
    @Test func theMemoryCapIsCheckedBeforeTheScreen() throws {
        let zero = try BinaryRunner.run(["nin-cifar10", "--memory-cap", "0"], in: "/")
        #expect(zero.status == 2 && zero.stderr.contains("--memory-cap 0"), "\(zero.stderr)")
        let tight = try BinaryRunner.run(["nin-cifar10", "--memory-cap", "1"], in: "/")
        #expect(tight.status == 2 && tight.stderr.contains("over the memory cap of 1.0 MiB"), "\(tight.stderr)")
    }

    /// A crash with unsaved edits restores the terminal and leaves the network in the recovery file; the
    /// next start asks whether to open it, and yes brings the edits back as unsaved.
    @Test func aCrashLeavesTheUnsavedNetworkForTheNextStart() throws {
        try BinaryRunner.withTemporaryDirectory { state in
            let environment = ["XDG_STATE_HOME": state, "SWIFT_BACKTRACE": "enable=no"]
            let first = try Self.open(["nin-cifar10"], environment: environment)
            defer { first.kill() }
            try PlaygroundTests.waitForPlayground(first)
            try first.press(Array(repeating: "j", count: 8))
            try first.waitFor(text: "Inspector · drop3")
            try first.press("d")
            try first.waitFor(text: "step 0/23")
            usleep(200_000)  // the next loop turn hands the edited network to the crash handler
            let pid = try #require(try first.programPID())
            #expect(kill(pid, SIGSEGV) == 0)
            #expect(try first.waitForExit() == 128 + SIGSEGV)
            #expect(try !first.alternateScreen() && first.cursorVisible(), "the terminal is restored")
            let recovered = state + "/convplay/recovery.json"
            #expect(FileManager.default.fileExists(atPath: recovered))
            let summary = try BinaryRunner.run(["summary", recovered])
            #expect(summary.status == 0 && !summary.stdout.contains("drop3"), "\(summary.stdout)\(summary.stderr)")

            let second = try Self.open(["nin-cifar10"], environment: environment)
            defer { second.kill() }
            try second.waitFor(text: "convplay stopped unexpectedly with unsaved edits to")
            try second.press("y")
            let screen = try second.waitFor(text: "recovered the unsaved edits")
            #expect(screen.contains("step 0/23") && screen.contains("● unsaved"), "\(screen)")
            #expect(!FileManager.default.fileExists(atPath: recovered), "offered once, then gone")
            try second.press("q")
            try second.waitFor(text: "quit without saving")
            try second.press("y")
            try PlaygroundTests.expectExitedAndRestored(second, status: 0)
        }
    }
}
