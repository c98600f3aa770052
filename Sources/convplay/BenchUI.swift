import ArgumentParser
import ConvEngine
import ConvPlayTUI
import Foundation

/// `convplay bench-ui PRESET`: how long the playground takes from a key to a finished frame, without a
/// terminal. Loads the preset as the playground does, computes the whole forward pass once, then feeds a
/// fixed sequence of navigation, paging, zoom, colormap and scaling keys through the reducer and `render`
/// and prints per-key timings against the 16 ms frame budget.
struct BenchUI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-ui",
        abstract: "Time key → frame in the playground (reducer + render into the cell buffer) against the 16 ms budget.",
        discussion: """
            The forward pass is computed once first (its time is printed but not counted). The keys then walk \
            the layer stack (j, Home/End), focus the maps and page and move the tile cursor (Tab, PgDn/PgUp, \
            arrows), scroll the inspector, zoom a channel and move its cursor (z, arrows, ]: the receptive \
            field and the 1×1 dot product are drawn each time), cycle colormaps and scaling (c, s), fold and \
            unfold every block (f) and open and close help (?). Timed per key: the reducer and a full render at \
            --size. Not timed: copying the frame to the terminal (ncurses writes only the changed cells).
            """)

    @Argument(help: "A shipped preset name (e.g. googlenet) or a path to a preset .json file.")
    var preset: String

    @Option(help: ArgumentHelp("The terminal size to render at, COLUMNSxROWS, each at most \(Self.largestSide).", valueName: "size"))
    var size: String = "120x40"

    @Option(name: .customLong("keys"), parsing: .unconditional, help: ArgumentHelp("How many keys to time.", valueName: "keys"))
    var keysText = "300"

    /// Largest columns or rows `--size` takes: a 1000×1000 screen is already larger than any terminal.
    static let largestSide = 1000

    @Flag(help: "Render heatmaps with the ASCII ramp (as under NO_COLOR) instead of 256 colours.")
    var ascii = false

    @Flag(help: "Time the training view's keys while it trains (on the data the preset names, else digits).")
    var training = false

    /// The frame budget at 60 frames per second.
    static let budgetMs = 16.0

    /// The `--size` screen, checked: at least 80×24, at most `largestSide` either way.
    func screenSize() throws(CommandError) -> Size {
        guard let parsed = Self.parseSize(size) else {
            throw .badNumber(flag: "--size", text: size, requirement: "write it as COLUMNSxROWS, e.g. 120x40")
        }
        guard parsed.columns >= 80, parsed.rows >= 24 else {
            throw .badNumber(
                flag: "--size", text: size, requirement: "the playground needs at least 80x24 (smaller sizes only show the enlarge message)"
            )
        }
        guard parsed.columns <= Self.largestSide, parsed.rows <= Self.largestSide else {
            throw .badNumber(flag: "--size", text: size, requirement: "columns and rows must each be at most \(Self.largestSide)")
        }
        return parsed
    }

    /// "120x40" or "120×40" → a size.
    static func parseSize(_ text: String) -> Size? {
        let parts = text.split(whereSeparator: { $0 == "x" || $0 == "X" || $0 == "×" }).map { Int($0) }
        guard parts.count == 2, let columns = parts[0], let rows = parts[1] else { return nil }
        return Size(columns: columns, rows: rows)
    }

    func run() throws {
        let screenSize = try screenSize()
        let keys = try wholeNumber(keysText, flag: "--keys", 1...1_000_000, what: "the number of keys")
        let loaded = try Preset.load(nameOrPath: preset)
        let playground: PlaygroundPreset
        do { playground = try PlaygroundPreset(loaded) } catch { throw CommandError.unreadableInput(preset: preset, error) }
        var state: AppState
        do { state = try AppState(preset: playground) } catch { throw CommandError.impossibleNetwork(preset: preset, error) }
        state.display = DisplayCapabilities(colorHeatmaps: !ascii, unicode: true)
        state.size = screenSize
        if training { return try runTraining(playground, size: screenSize, keys: keys) }

        let passStart = DispatchTime.now().uptimeNanoseconds
        Self.dispatch(.step(.runToEnd), into: &state)
        let passMs = Double(DispatchTime.now().uptimeNanoseconds - passStart) / 1e6
        guard state.session.isComplete else { throw CommandError.incompleteForwardPass(preset: preset) }
        _ = render(state, size: screenSize)  // warm-up frame

        var timings: [String: [Double]] = [:]
        var order: [String] = []
        var all: [Double] = []
        var cpu: [Double] = []
        var walk = KeyWalk()
        for _ in 0..<keys {
            let (name, key) = walk.next(state)
            let start = DispatchTime.now().uptimeNanoseconds, startCPU = Self.threadCPUNanoseconds()
            if let action = KeyBindings.action(for: key, in: state.mode.kind, focus: state.focus) { Self.dispatch(action, into: &state) }
            let frame = render(state, size: screenSize)
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            cpu.append(Double(Self.threadCPUNanoseconds() - startCPU) / 1e6)
            withExtendedLifetime(frame) {}
            if timings[name] == nil { order.append(name) }
            timings[name, default: []].append(ms)
            all.append(ms)
        }

        print(
            "\(loaded.network.name) · key → frame (reduce + render) at \(screenSize.columns)×\(screenSize.rows)"
                + "\(ascii ? " · ascii" : "") · \(keys) keys · forward pass first: \(formatFixed(passMs, digits: 0)) ms (not counted)")
        print(
            "key".padding(toLength: 8, withPad: " ", startingAt: 0) + leftPad("count", 6)
                + leftPad("min ms", 9) + leftPad("median", 9) + leftPad("p95", 9) + leftPad("p99", 9) + leftPad("max ms", 9))
        for name in order + ["all"] {
            let values = name == "all" ? all : timings[name]!
            let sorted = values.sorted()
            print(
                name.padding(toLength: 8, withPad: " ", startingAt: 0) + leftPad("\(values.count)", 6)
                    + leftPad(formatFixed(sorted.first!, digits: 2), 9) + leftPad(formatFixed(Self.percentile(sorted, 0.5), digits: 2), 9)
                    + leftPad(formatFixed(Self.percentile(sorted, 0.95), digits: 2), 9)
                    + leftPad(formatFixed(Self.percentile(sorted, 0.99), digits: 2), 9) + leftPad(formatFixed(sorted.last!, digits: 2), 9))
        }
        // On a shared machine the wall clock also counts time the thread waited for a core; its own CPU time
        // is the work a frame takes.
        let sortedCPU = cpu.sorted()
        print(
            "thread CPU per key (work without waiting for a core): median \(formatFixed(Self.percentile(sortedCPU, 0.5), digits: 2)) ms, "
                + "p99 \(formatFixed(Self.percentile(sortedCPU, 0.99), digits: 2)) ms, max \(formatFixed(sortedCPU.last!, digits: 2)) ms")
        let over = all.filter { $0 > Self.budgetMs }.count
        print(
            "frame budget \(formatFixed(Self.budgetMs, digits: 0)) ms: \(over) of \(all.count) frames over "
                + "(\(formatFixed(100 * Double(over) / Double(all.count), digits: 1)) %)")
    }

    /// Runs an action and its effects synchronously, as the runtime would (computations in line).
    static func dispatch(_ action: Action, into state: inout AppState) {
        var pending = [action]
        while !pending.isEmpty {
            for effect in reduce(&state, pending.removeFirst()) {
                if case .compute(let job, var session, let task) = effect {
                    task.perform(on: &session)
                    pending.append(.event(.computeFinished(job: job, session: session)))
                }
            }
        }
    }

    /// CPU time the calling thread has used, in nanoseconds.
    static func threadCPUNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// The value at fraction `p` of sorted values (nearest rank).
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
    }
}

/// The benchmark's keys: a repeating pattern that walks down the layer stack while paging and moving the
/// tile cursor, scrolling the inspector, zooming, recolouring, rescaling and folding; at the last row it
/// jumps back with Home, End, Home and walks again.
struct KeyWalk {
    static let pattern: [(String, Key)] = [
        ("j", .character("j")), ("Tab", .tab), ("PgDn", .pageDown), ("→", .right), ("↓", .down), ("PgUp", .pageUp),
        ("Tab", .tab), ("↓", .down), ("Tab", .tab), ("j", .character("j")), ("c", .character("c")), ("j", .character("j")),
        ("s", .character("s")), ("j", .character("j")), ("z", .character("z")), ("→", .right), ("↓", .down), ("]", .character("]")),
        ("z", .character("z")), ("Tab", .tab), ("Tab", .tab), ("j", .character("j")), ("?", .character("?")), ("?", .character("?")),
        ("f", .character("f")), ("j", .character("j")), ("f", .character("f")),
    ]
    private var index = 0
    private var queued: [(String, Key)] = []

    mutating func next(_ state: AppState) -> (String, Key) {
        if queued.isEmpty, state.mode == .normal, state.focus == .layers, state.selectedRow == state.rows.count - 1 {
            queued = [("End", .end), ("Home", .home)]
            return ("Home", .home)
        }
        if !queued.isEmpty { return queued.removeFirst() }
        defer { index += 1 }
        return Self.pattern[index % Self.pattern.count]
    }
}
