import Foundation

/// Runs a command in a detached session of a private tmux server (its own socket, no config), so a test
/// can type keys and read the screen as a user would. The command runs under a tiny `sh` wrapper that
/// records its exit status in a file and then keeps the pane open: tmux's own "Pane is dead" banner
/// would hide the cursor, so the cursor and alternate-screen flags are read while the pane is still alive
/// and show exactly what the program left behind.
final class TmuxSession {
    /// Why a wait gave up: what was awaited and the last screen captured.
    struct Timeout: Error, CustomStringConvertible {
        var awaited: String
        var seconds: Double
        var screen: String
        var description: String { "timed out after \(seconds) s waiting for \(awaited); last screen:\n\(screen)" }
    }

    /// A tmux command that failed (tmux missing, bad arguments).
    struct CommandFailed: Error, CustomStringConvertible {
        var arguments: [String]
        var status: Int32
        var output: String
        var description: String { "tmux \(arguments.joined(separator: " ")) exited \(status): \(output)" }
    }

    /// Something the session needs is not installed or built.
    struct Missing: Error, CustomStringConvertible {
        var what: String
        var fix: String
        var description: String { "\(what) not found: \(fix)" }
    }

    /// How long `waitFor` polls before giving up.
    static let defaultTimeout = 20.0

    let socket: String
    /// A fresh folder owned by this session: the command's working directory and the exit-status file.
    let directory: String
    private let statusFile: String
    private(set) var lastScreen = ""
    private var killed = false

    /// Starts `arguments` (the program then its arguments) in a `columns`×`rows` window, with TERM
    /// tmux-256color, LANG C.UTF-8, no interactive Swift backtracer, convplay's state folder (its crash
    /// recovery file) inside the session's own folder, and `environment` on top.
    init(_ arguments: [String], columns: Int = 120, rows: Int = 40, environment: [String: String] = [:]) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.tmuxPath) else { throw Missing(what: "tmux", fix: "run `make deps`") }
        if let program = arguments.first, program.hasPrefix("/"), !FileManager.default.isExecutableFile(atPath: program) {
            throw Missing(what: program, fix: "build it with `swift build -c release --product convplay` (or `make test`)")
        }
        socket = "convplay-e2e-\(getpid())-\(UUID().uuidString.prefix(8))"
        directory = try BinaryRunner.makeTemporaryDirectory()
        statusFile = directory + "/exit-status"
        var env = ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "SWIFT_BACKTRACE": "interactive=no", "XDG_STATE_HOME": directory + "/state"]
        for (key, value) in environment { env[key] = value }
        let script = #"status=$1; shift; trap : INT TERM; "$@"; echo $? > "$status.tmp"; mv "$status.tmp" "$status"; exec sleep 3600"#
        var command = [
            "start-server", ";",
            "set-option", "-g", "default-terminal", "tmux-256color", ";",
            "set-option", "-g", "remain-on-exit", "on", ";",
            "set-option", "-g", "status", "off", ";",
            "new-session", "-d", "-s", "e2e", "-x", "\(columns)", "-y", "\(rows)", "-c", directory,
        ]
        for (key, value) in env.sorted(by: { $0.key < $1.key }) { command += ["-e", "\(key)=\(value)"] }
        command += ["--", "sh", "-c", script, "sh", statusFile] + arguments
        try tmux(command)
    }

    deinit { kill() }

    /// Kills the tmux server and everything in it (safe to call twice).
    func kill() {
        guard !killed else { return }
        killed = true
        _ = try? tmux(["kill-server"])
        try? FileManager.default.removeItem(atPath: directory)
        // The server leaves its socket file behind.
        let folder = ProcessInfo.processInfo.environment["TMUX_TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        try? FileManager.default.removeItem(atPath: "\(folder)/tmux-\(getuid())/\(socket)")
    }

    // MARK: input

    /// Sends tmux key names: "j", "Enter", "BSpace", "PageDown", "C-r", "Escape"…
    func press(_ keys: String...) throws { try press(keys) }

    func press(_ keys: [String]) throws { try tmux(["send-keys", "-t", "e2e"] + keys) }

    /// Types `text` literally, character by character.
    func type(_ text: String) throws { try tmux(["send-keys", "-t", "e2e", "-l", text]) }

    /// Resizes the window as a terminal resize would.
    func resize(columns: Int, rows: Int) throws {
        try tmux(["resize-window", "-t", "e2e", "-x", "\(columns)", "-y", "\(rows)"])
    }

    // MARK: output

    /// The visible screen as text; with `colors`, SGR escapes included (`ESC[38;5;Nm` …).
    @discardableResult
    func capture(colors: Bool = false) throws -> String {
        let screen = try tmux(["capture-pane", "-p", "-t", "e2e"] + (colors ? ["-e"] : []))
        lastScreen = screen
        return screen
    }

    /// A tmux format evaluated for the pane, e.g. "#{alternate_on}".
    func format(_ format: String) throws -> String {
        try tmux(["display-message", "-p", "-t", "e2e", format]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// True while the pane shows the alternate screen (a curses program is running in it).
    func alternateScreen() throws -> Bool { try format("#{alternate_on}") == "1" }

    /// True when the pane's cursor is visible.
    func cursorVisible() throws -> Bool { try format("#{cursor_flag}") == "1" }

    /// The pid of the program under test (the wrapper shell's child), or nil once it has exited.
    func programPID() throws -> pid_t? {
        let shell = try format("#{pane_pid}")
        let children = (try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)) ?? ""
        return children.split(separator: " ").first.flatMap { pid_t($0) }
    }

    /// Polls the screen every 50 ms until `predicate` holds on a settled screen — two captures in a row that
    /// agree, so a frame the terminal is still receiving (its header drawn, its maps not yet) is never taken
    /// for the result; returns that screen or throws `Timeout` carrying the last one.
    @discardableResult
    func waitFor(
        _ awaited: String, colors: Bool = false, timeout: Double = defaultTimeout,
        _ predicate: (String) -> Bool
    ) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var matched: String?
        while true {
            let screen = try capture(colors: colors)
            if predicate(screen) {
                if screen == matched { return screen }
                matched = screen
            } else {
                matched = nil
            }
            if Date() > deadline { throw Timeout(awaited: awaited, seconds: timeout, screen: lastScreen) }
            usleep(50_000)
        }
    }

    /// Waits until the screen shows `text`.
    @discardableResult
    func waitFor(text: String, timeout: Double = defaultTimeout) throws -> String {
        try waitFor("“\(text)”", timeout: timeout) { $0.contains(text) }
    }

    /// Waits for the program to exit and returns its status as the shell reports it (128 + N after
    /// signal N).
    func waitForExit(timeout: Double = defaultTimeout) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let text = try? String(contentsOfFile: statusFile, encoding: .utf8),
                let status = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                _ = try? capture()
                return status
            }
            if Date() > deadline {
                _ = try? capture()
                throw Timeout(awaited: "the program to exit", seconds: timeout, screen: lastScreen)
            }
            usleep(50_000)
        }
    }

    /// True when the program has not exited `after` seconds from now (a short grace period to let a
    /// wrong exit show up).
    func stillRunning(after seconds: Double = 0.3) -> Bool {
        usleep(UInt32(seconds * 1_000_000))
        return !FileManager.default.fileExists(atPath: statusFile)
    }

    // MARK: tmux

    /// Runs tmux on this session's socket and returns what it printed; throws when it exits non-zero.
    /// Spawned with every signal unblocked and at its default: test threads (libdispatch workers) block
    /// most signals, and a tmux server inheriting that mask never sees SIGCHLD, SIGTERM or kill-server.
    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        var env = ProcessInfo.processInfo.environment
        for key in ["TMUX", "TMUX_PANE", "NO_COLOR", "LINES", "COLUMNS"] { env.removeValue(forKey: key) }
        let output = directory + "/tmux-output"
        let status = try Self.spawnAndWait(
            Self.tmuxPath, ["-L", socket, "-f", "/dev/null"] + arguments,
            environment: env, output: output)
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0 else { throw CommandFailed(arguments: arguments, status: status, output: text) }
        return text
    }

    /// posix_spawn with a clean signal state, stdin from /dev/null and stdout + stderr into `output`
    /// (a file, not a pipe: the tmux server forked by the first command must not hold our pipe open).
    /// Returns the exit status.
    private static func spawnAndWait(
        _ path: String, _ arguments: [String], environment: [String: String],
        output: String
    ) throws -> Int32 {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let error = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard error == 0 else {
            throw CommandFailed(arguments: arguments, status: -1, output: "posix_spawn: \(String(cString: strerror(error)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS by hand (the C macros do not import).
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// tmux from PATH (installed by `make deps`).
    static let tmuxPath: String = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin"] {
            let candidate = "\(folder)/tmux"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "/usr/bin/tmux"
    }()
}
