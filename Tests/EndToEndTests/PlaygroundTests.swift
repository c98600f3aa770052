import Foundation
import Testing

/// The playground driven end to end: the real (release) binary in a private tmux server, keys sent as a
/// user types them, the screen read back with capture-pane. Every test starts its own tmux socket.
@Suite(.serialized)
struct PlaygroundTests {
    // nin-cifar10's published total (NIN Caffe model zoo; also checked by CLITests.summaryJSONTotals).
    static let ninParams = 966_986
    // The 1×1 conv the edit tests add after pool3: pool3 has 10 channels (cccp6 → 10), the new layer maps
    // them to 16 with a 1×1 kernel and a bias: 10·16 weights + 16 biases.
    static let addedParams = 10 * 16 + 16
    static let editedParams = ninParams + addedParams

    /// "966,986" — the header's digit grouping.
    static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(d)
        }
        return out
    }

    static func open(
        _ arguments: [String], columns: Int = 120, rows: Int = 40,
        environment: [String: String] = [:]
    ) throws -> TmuxSession {
        try TmuxSession([BinaryRunner.binaryPath] + arguments, columns: columns, rows: rows, environment: environment)
    }

    /// Waits until the playground is up: the alternate screen and the header's params total.
    @discardableResult
    static func waitForPlayground(_ session: TmuxSession, params: Int = ninParams) throws -> String {
        try session.waitFor("the playground with params \(grouped(params))") {
            $0.contains("convplay ·") && $0.contains("params \(grouped(params))")
        }
    }

    /// Asserts the program has exited with `status` and left the terminal as it found it.
    static func expectExitedAndRestored(
        _ session: TmuxSession, status expected: Int32?,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let status = try session.waitForExit()
        if let expected {
            #expect(status == expected, "exit status; screen:\n\(session.lastScreen)", sourceLocation: sourceLocation)
        }
        #expect(try !session.alternateScreen(), "alternate screen left on (status \(status))", sourceLocation: sourceLocation)
        #expect(try session.cursorVisible(), "cursor left hidden (status \(status))", sourceLocation: sourceLocation)
    }

    /// From the running nin-cifar10 with pool3 selected: `a`, pick "conv 1×1", out 16, kernel 1, Enter.
    static func addPointwiseConvAfterPool3(_ session: TmuxSession) throws {
        try session.press("a")
        try session.waitFor(text: "pick a type")
        try session.press("j", "Enter")  // the list: conv, conv 1×1, …
        try session.waitFor(text: "add conv 1×1")
        try session.press("Tab", "BSpace", "BSpace", "BSpace")  // out channels (default: half the input's)
        try session.type("16")
        try session.press("Tab", "BSpace", "BSpace", "BSpace", "BSpace")  // kernel
        try session.type("1")
        try session.press("Enter")
        try waitForPlayground(session, params: editedParams)
    }

    /// Opens nin-cifar10, runs to the end and selects pool3 (one row above the last node).
    static func openNINAtPool3() throws -> TmuxSession {
        let session = try open(["nin-cifar10"])
        try waitForPlayground(session)
        try session.press("r")
        try session.waitFor(text: "step 24/24")
        try session.press("k")
        try session.waitFor(text: "Inspector · pool3")
        return session
    }

    @Test func stepsNINToTheEndAndShowsTheLastShape() throws {
        let session = try Self.open(["nin-cifar10"])
        defer { session.kill() }
        let first = try Self.waitForPlayground(session)
        #expect(first.contains("step 0/24"), "nothing computed at start:\n\(first)")
        #expect(try session.alternateScreen())
        try session.press("r")
        let screen = try session.waitFor("step 24/24 with softmax selected") {
            $0.contains("step 24/24") && $0.contains("softmax · 10×1×1") && $0.contains("Inspector · softmax")
        }
        #expect(screen.contains("▶ softmax"), "the step cursor is on the last node:\n\(screen)")
        try session.press("q")
        try Self.expectExitedAndRestored(session, status: 0)
    }

    @Test func addingAPointwiseConvChangesTheTotalAndUndoRedoFollow() throws {
        let session = try Self.openNINAtPool3()
        defer { session.kill() }
        try Self.addPointwiseConvAfterPool3(session)
        let edited = try session.waitFor(text: "cccp7")
        #expect(edited.contains("conv 1×1 → 16"), "the new row's spec:\n\(edited)")
        #expect(edited.contains("16×1×1"), "the new row's shape:\n\(edited)")
        #expect(edited.contains("● unsaved"))
        try session.press("u")
        let undone = try Self.waitForPlayground(session, params: Self.ninParams)
        #expect(!undone.contains("cccp7"), "undo removed the layer:\n\(undone)")
        try session.press("C-r")
        let redone = try Self.waitForPlayground(session, params: Self.editedParams)
        #expect(redone.contains("cccp7"), "redo put the layer back:\n\(redone)")
    }

    @Test func savingAShippedPresetAsksForANameAndTheFileReopens() throws {
        let session = try Self.openNINAtPool3()
        defer { session.kill() }
        try Self.addPointwiseConvAfterPool3(session)
        let path = session.directory + "/edited.json"
        try session.press("w")
        let prompt = try session.waitFor(text: "save as")
        #expect(prompt.contains("-edited.json"), "a suggested name, never the shipped file:\n\(prompt)")
        try session.press(Array(repeating: "BSpace", count: 40))
        try session.type(path)
        try session.press("Enter")
        let saved = try session.waitFor(text: "saved \(path)")
        #expect(!saved.contains("unsaved"), "the unsaved marker is gone:\n\(saved)")
        try session.press("q")  // nothing unsaved: quits at once
        try Self.expectExitedAndRestored(session, status: 0)

        let summary = try BinaryRunner.run(["summary", path])
        #expect(summary.status == 0, "\(summary.stderr)")
        #expect(summary.stdout.contains("\(Self.grouped(Self.editedParams)) params"), "\(summary.stdout)")
        let shipped = try BinaryRunner.run(["summary", "nin-cifar10"])
        #expect(shipped.stdout.contains("\(Self.grouped(Self.ninParams)) params"), "the shipped preset is untouched")

        let reopened = try Self.open([path])
        defer { reopened.kill() }
        let screen = try Self.waitForPlayground(reopened, params: Self.editedParams)
        let row = screen.split(separator: "\n").first { $0.contains("cccp7") }
        #expect(row?.contains("conv 1×1 → 16") == true, "the added row after reopening:\n\(screen)")
        try reopened.press("q")
        try Self.expectExitedAndRestored(reopened, status: 0)
    }

    @Test func quittingWithUnsavedEditsAsksFirst() throws {
        let session = try Self.open(["nin-cifar10"])
        defer { session.kill() }
        try Self.waitForPlayground(session)
        try session.press(Array(repeating: "j", count: 8))  // input, conv1, …, pool1, drop3
        try session.waitFor(text: "Inspector · drop3")
        try session.press("d")
        try session.waitFor(text: "● unsaved")
        try session.press("q")
        try session.waitFor(text: "quit without saving")
        try session.press("n")
        let kept = try session.waitFor("the question to close") { !$0.contains("quit without saving") }
        #expect(kept.contains("● unsaved"), "the edit is still there:\n\(kept)")
        #expect(session.stillRunning(), "answering no keeps the playground running")
        #expect(try session.alternateScreen())
        // Ctrl-C is a quit key like q (the terminal is in raw mode): it asks too, and loses nothing.
        try session.press("C-c")
        try session.waitFor(text: "quit without saving")
        try session.press("n")
        try session.waitFor("the question to close") { !$0.contains("quit without saving") }
        #expect(session.stillRunning(), "Ctrl-C with unsaved edits asks instead of quitting")
        try session.press("q")
        try session.waitFor(text: "quit without saving")
        try session.press("y")
        try Self.expectExitedAndRestored(session, status: 0)
    }

    /// Ways the playground can be stopped from outside, and the exit status each gives.
    struct Interruption: CustomTestStringConvertible, Sendable {
        var name: String
        var key: String?
        var signal: Int32?
        /// The status the shell reports; nil when any non-zero status will do (ncurses' own handlers
        /// decide it for SIGINT and SIGTERM).
        var status: Int32?
        var environment: [String: String] = [:]
        var testDescription: String { name }
    }

    // Fault signals are sent with the Swift backtracer off so the chain ends in the default action (a real
    // fault re-faults after the backtracer; a sent signal would not): 128 + signal number.
    static let interruptions: [Interruption] = [
        Interruption(name: "Ctrl-C with nothing unsaved: a plain quit", key: "C-c", status: 0),
        Interruption(name: "SIGINT", signal: SIGINT),
        Interruption(name: "SIGTERM", signal: SIGTERM),
        Interruption(name: "SIGSEGV (crash)", signal: SIGSEGV, status: 128 + SIGSEGV, environment: ["SWIFT_BACKTRACE": "enable=no"]),
        Interruption(
            name: "SIGILL (a Swift trap on x86-64)", signal: SIGILL, status: 128 + SIGILL, environment: ["SWIFT_BACKTRACE": "enable=no"]),
        Interruption(name: "SIGABRT", signal: SIGABRT, status: 128 + SIGABRT, environment: ["SWIFT_BACKTRACE": "enable=no"]),
    ]

    @Test(arguments: interruptions)
    func interruptionsRestoreTheTerminal(_ interruption: Interruption) throws {
        let session = try Self.open(["nin-cifar10"], environment: interruption.environment)
        defer { session.kill() }
        try Self.waitForPlayground(session)
        #expect(try session.alternateScreen())
        #expect(try !session.cursorVisible(), "the playground hides the cursor")
        if let key = interruption.key { try session.press(key) }
        if let signal = interruption.signal {
            let pid = try #require(try session.programPID(), "the playground's pid")
            #expect(Foundation.kill(pid, signal) == 0)
        }
        let status = try session.waitForExit()
        if let expected = interruption.status {
            #expect(status == expected)
        } else {
            #expect(status != 0, "an interruption is not a normal quit")
        }
        #expect(try !session.alternateScreen(), "alternate screen left on; screen:\n\(session.lastScreen)")
        #expect(try session.cursorVisible(), "cursor left hidden; screen:\n\(session.lastScreen)")
    }

    @Test func aSmallTerminalAsksToEnlargeThenReflows() throws {
        let session = try Self.open(["nin-cifar10"], columns: 70, rows: 20)
        defer { session.kill() }
        let small = try session.waitFor(text: "enlarge the terminal to at least 80×24")
        #expect(small.contains("70×20"), "says the current size:\n\(small)")
        try session.resize(columns: 120, rows: 40)
        let full = try session.waitFor("the full layout at 120×40") {
            $0.contains("params 966,986") && $0.contains("┌ Layers") && $0.contains("Inspector") && !$0.contains("enlarge")
        }
        #expect(full.split(separator: "\n", omittingEmptySubsequences: false).count >= 40, "fills 40 rows")
        try session.press("q")
        try Self.expectExitedAndRestored(session, status: 0)
    }

    /// The maps pane's interior rows, found from its title "┌ input · …" on the second row.
    static func mapsPane(_ screen: String) -> [String] {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        guard lines.count > 2, let titleLine = lines.dropFirst().first,
            let start = String(titleLine).range(of: "┌ input")
        else { return [] }
        let x = String(titleLine).distance(from: String(titleLine).startIndex, to: start.lowerBound)
        var rows: [String] = []
        for line in lines.dropFirst(2) {
            guard line.count > x, line[x] != "└" else { break }
            let end = line[(x + 1)...].firstIndex(of: "│") ?? line.count
            rows.append(String(line[(x + 1)..<end]))
        }
        return rows
    }

    @Test func noColorDrawsTheASCIIRamp() throws {
        let plain = try Self.open(["nin-cifar10"], environment: ["NO_COLOR": "1"])
        defer { plain.kill() }
        let screen = try Self.waitForPlayground(plain)
        let colored = try plain.capture(colors: true)
        #expect(!colored.contains("38;5;") && !colored.contains("48;5;"), "no 256-colour escapes with NO_COLOR:\n\(colored)")
        let maps = Self.mapsPane(screen)
        #expect(maps.count > 10, "found the maps pane:\n\(screen)")
        let ramp = Set(" .:-=+*#%@")
        let heat = maps.filter { !$0.contains("ch ") }  // the channel labels
        #expect(heat.allSatisfy { $0.allSatisfy(ramp.contains) }, "only ramp characters:\n\(heat.joined(separator: "\n"))")
        #expect(heat.joined().contains { $0 != " " }, "the ramp shows something")
        #expect(screen.contains("ascii"), "the maps title names the ascii ramp")

        // The control: the same screen with colours has half blocks with 256-colour pairs.
        let color = try Self.open(["nin-cifar10"])
        defer { color.kill() }
        let colorScreen = try Self.waitForPlayground(color)
        #expect(Self.mapsPane(colorScreen).joined().contains("▀"))
        #expect(try color.capture(colors: true).contains("48;5;"))
    }
}
