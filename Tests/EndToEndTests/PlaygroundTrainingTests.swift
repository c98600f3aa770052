import Foundation
import Testing

/// The training view of the real binary through tmux: NIN trained on the shipped digits, the loss falling and
/// the accuracy rising on screen, paused, and the question quitting asks about the trained weights.
@Suite(.serialized)
struct PlaygroundTrainingTests {
    static let ninDigitsParams = 57_962

    /// The figure printed under a sparkline's label ("loss" → "2.295", "acc" → "22.2"), read from the training
    /// pane (the text after the "││" where the stack's border meets the pane's).
    static func figure(under label: String, in screen: String) -> Double? {
        let lines = screen.components(separatedBy: "\n")
        guard let row = lines.firstIndex(where: { $0.contains("││\(label) ") }), row + 1 < lines.count else { return nil }
        let pane = lines[row + 1].components(separatedBy: "││").dropFirst().first ?? ""
        guard let range = pane.range(of: #"^\d+(\.\d+)?"#, options: .regularExpression) else { return nil }
        return Double(pane[range])
    }

    /// Polls (without waiting for a settled screen: a running view redraws every report) until `predicate` holds.
    static func poll(_ session: TmuxSession, timeout: Double = 90, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let screen = try session.capture()
            if predicate(screen) { return screen }
            if Date() > deadline { throw TmuxSession.Timeout(awaited: "the running view", seconds: timeout, screen: screen) }
            usleep(100_000)
        }
    }

    @Test func trainsNINOnDigitsWatchedLiveThenAsksToSaveOnQuit() throws {
        let session = try PlaygroundTests.open(["nin-digits"])
        defer { session.kill() }
        try PlaygroundTests.waitForPlayground(session, params: Self.ninDigitsParams)
        try session.press("T")
        let ready = try session.waitFor(text: "1,442 training images, 355 held out")
        #expect(ready.contains("Training · digits"), "\(ready)")
        #expect(!ready.contains("● unsaved"), "nothing trained yet:\n\(ready)")

        try session.press("n")
        let first = try session.waitFor(text: "batch 1/46")
        let firstLoss = try #require(Self.figure(under: "loss", in: first), "the loss after one batch:\n\(first)")
        let firstAccuracy = try #require(Self.figure(under: "acc", in: first), "the accuracy after one batch:\n\(first)")
        #expect(first.contains("● unsaved"), "trained weights are unsaved:\n\(first)")

        try session.press("Space")
        let running = try Self.poll(session) { $0.contains("▶ training") }
        #expect(running.contains("img/s"), "\(running)")
        _ = try Self.poll(session) { $0.contains("after epoch 3") }
        try session.press("Space")
        let paused = try session.waitFor(text: "‖ paused")
        let loss = try #require(Self.figure(under: "loss", in: paused), "\(paused)")
        let accuracy = try #require(Self.figure(under: "acc", in: paused), "\(paused)")
        #expect(loss < firstLoss * 0.8, "loss \(firstLoss) → \(loss):\n\(paused)")
        #expect(accuracy > firstAccuracy + 20, "accuracy \(firstAccuracy) % → \(accuracy) %:\n\(paused)")
        let heldOut = try #require(paused.range(of: #"held-out \d+\.\d %"#, options: .regularExpression).map { paused[$0] })
        #expect(Double(heldOut.dropFirst(9).dropLast(2))! > 50, "\(heldOut) after three epochs:\n\(paused)")
        #expect(paused.contains("rows: true class · columns: predicted") || paused.contains("confusion after epoch"), "\(paused)")

        // The selected layer's maps and weights are the trained network's on the watched image.
        try session.press("Home", "j")
        let conv1 = try session.waitFor(text: "conv1 · 64×8×8")
        #expect(conv1.contains("kernels 64×1×3×3"), "conv1's kernels beside the pane:\n\(conv1)")

        try session.press("q")
        try session.waitFor(text: "the trained weights are not saved")
        try session.press("Escape")
        let stayed = try session.waitFor(text: "‖ paused")
        #expect(!stayed.contains("the trained weights are not saved"))
        try session.press("q")
        try session.waitFor(text: "the trained weights are not saved — save them to nin-digits-trained/")
        try session.press("y")
        try PlaygroundTests.expectExitedAndRestored(session, status: 0)
        let folder = session.directory + "/nin-digits-trained"
        #expect(FileManager.default.fileExists(atPath: folder + "/preset.json"))
        #expect(FileManager.default.fileExists(atPath: folder + "/weights/manifest.json"))
    }

    /// A crash after training in the playground, before the weights were saved: the recovery file names the
    /// trained weights, written beside it, so they come back — `run` on it differs from the untrained network's.
    @Test func aCrashAfterTrainingKeepsTheTrainedWeights() throws {
        let session = try PlaygroundTests.open(["nin-digits"], environment: ["SWIFT_BACKTRACE": "enable=no"])
        defer { session.kill() }
        try PlaygroundTests.waitForPlayground(session, params: Self.ninDigitsParams)
        try session.press("T")
        try session.waitFor(text: "1,442 training images, 355 held out")
        try session.press("n")
        try session.waitFor(text: "batch 1/46")
        usleep(300_000)  // the next loop turn writes the weights and hands the network to the crash handler
        let pid = try #require(try session.programPID())
        #expect(kill(pid, SIGSEGV) == 0)
        #expect(try session.waitForExit() == 128 + SIGSEGV)
        let state = session.directory + "/state/convplay"
        let recovered = state + "/recovery.json"
        let text = try String(contentsOfFile: recovered, encoding: .utf8)
        #expect(text.contains(#""weights": "\#(state)/recovery.safetensors""#), "\(text.prefix(400))")
        #expect(FileManager.default.fileExists(atPath: state + "/recovery.safetensors"))
        func topLine(_ preset: String) throws -> String {
            let result = try BinaryRunner.run(["run", preset])
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout.split(separator: "\n").last { $0.hasPrefix("output top-3") }.map(String.init) ?? ""
        }
        let trained = try topLine(recovered), untrained = try topLine("nin-digits")
        #expect(!trained.isEmpty && trained != untrained, "trained: \(trained), untrained: \(untrained)")
    }
}
