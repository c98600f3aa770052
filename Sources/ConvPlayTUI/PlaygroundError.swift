import ConvEngine

/// Why the playground could not start. `description` is one sentence saying what to change; the front
/// that called `runPlayground` decides how to show it and how to exit.
public enum PlaygroundError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The preset's input (an image) could not be made; `preset` is the preset's file.
    case unreadableInput(preset: String, InputError)
    /// The preset's network cannot run: impossible shapes, or over the memory cap.
    case impossibleNetwork(ShapeError)
    /// stdin or stdout is not a terminal.
    case notATerminal
    /// curses does not know the terminal type named by TERM.
    case unknownTerminal(String)

    public var description: String {
        switch self {
        case .unreadableInput(let preset, let error):
            return "\(preset): \(error)"
        case .impossibleNetwork(let error):
            return error.description
        case .notATerminal:
            return "the playground needs a terminal, but stdin or stdout is not one — "
                + "run it from an interactive shell, or use `convplay summary PRESET` / `convplay run PRESET` for text output"
        case .unknownTerminal(let term):
            return "cannot drive the terminal type \"\(term)\" — set TERM to one your system knows (e.g. xterm-256color)"
        }
    }
}
