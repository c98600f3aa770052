// The only file that touches ncurses: it copies Screens to the terminal (only the cells that changed),
// reads keys and follows resizes. Everything else draws into Screens.
import CNCurses
import Foundation

final class NCursesBackend {
    private(set) var size: Size
    let capabilities: DisplayCapabilities
    private let colorPairs: Bool
    private var pairIndex: [Int16: Int] = [:]
    private var paletteCount = 0
    private var previous: Screen?
    private var stopped = false

    /// Starts curses: locale first, LINES/COLUMNS dropped (they would freeze the size), newterm on the TTY;
    /// with `mouse`, clicks and the wheel are reported.
    init(mouse: Bool) throws(PlaygroundError) {
        setlocale(LC_ALL, "")
        unsetenv("LINES")
        unsetenv("COLUMNS")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
        let unicode = codeset.uppercased().replacingOccurrences(of: "-", with: "") == "UTF8"
        switch cnc_start() {
        case Int32(CNC_NOT_A_TTY): throw .notATerminal
        case Int32(CNC_NO_TERMINAL): throw .unknownTerminal(ProcessInfo.processInfo.environment["TERM"] ?? "")
        default: break
        }
        let noColor = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        let has256 = cnc_colors() >= 256
        colorPairs = has256 && !noColor
        capabilities = DisplayCapabilities(colorHeatmaps: colorPairs && unicode, unicode: unicode)
        size = Size(columns: Int(cnc_cols()), rows: Int(cnc_lines()))
        if colorPairs { setUpPairs() }
        if mouse { cnc_enable_mouse() }
    }

    deinit { stop() }

    /// One pair per (fg, bg) combination of a fixed palette — the default, the interface colours, every
    /// colormap level, then the rest of the 6×6×6 cube and grey ramp for pictures — set up once, so no frame
    /// ever needs a new pair. With fewer pairs than that the palette is cut from the end.
    private func setUpPairs() {
        var palette: [Int16] = [-1]
        for color in Theme.all + Colormap.allColors + (16...255).map(Int16.init) where !palette.contains(color) { palette.append(color) }
        let available = Int(cnc_color_pairs()) - 1
        if palette.count * palette.count > available { palette = Array(palette.prefix(Int(Double(available).squareRoot()))) }
        paletteCount = palette.count
        for (i, color) in palette.enumerated() { pairIndex[color] = i }
        for (f, fg) in palette.enumerated() {
            for (b, bg) in palette.enumerated() {
                _ = cnc_init_pair(Int32(1 + f * palette.count + b), Int32(fg), Int32(bg))
            }
        }
    }

    private func pair(_ cell: Cell) -> Int32 {
        guard colorPairs, let f = pairIndex[cell.foreground], let b = pairIndex[cell.background] else { return 0 }
        return Int32(1 + f * paletteCount + b)
    }

    /// Copies `screen` to the terminal, writing only cells that differ from the last frame.
    func draw(_ screen: Screen) {
        let full = previous?.size != screen.size
        if full { cnc_clear() }
        for y in 0..<screen.size.rows {
            for x in 0..<screen.size.columns {
                let cell = screen[x, y]
                if !full, let previous, previous[x, y] == cell { continue }
                var attributes: Int32 = 0
                if cell.bold { attributes |= Int32(CNC_BOLD) }
                if cell.reverse || (!colorPairs && cell.background == Theme.selectionBackground) { attributes |= Int32(CNC_REVERSE) }
                cnc_put(Int32(y), Int32(x), scalar(cell.character), pair(cell), attributes)
            }
        }
        cnc_refresh()
        previous = screen
    }

    /// The character's code point (`render` has already replaced what a non-UTF-8 terminal cannot show).
    private func scalar(_ character: Character) -> UInt32 {
        let value = character.unicodeScalars.first?.value ?? 32
        return capabilities.unicode || value < 128 ? value : 42
    }

    /// Waits up to `timeout` milliseconds for a key; a resize updates `size` and reports `.resize`.
    func readKey(timeout: Int) -> Key? {
        var code: UInt32 = 0
        switch cnc_read(Int32(timeout), &code) {
        case Int32(CNC_CHAR):
            switch code {
            case 10, 13: return .enter
            case 9: return .tab
            case 27: return .escape
            case 8, 127: return .backspace
            case 1...26: return .control(Character(UnicodeScalar(code + 96)!))
            default: return UnicodeScalar(code).map { .character(Character($0)) }
            }
        case Int32(CNC_KEY):
            let key = Int32(code)
            if key == cnc_key_resize() {
                size = Size(columns: Int(cnc_cols()), rows: Int(cnc_lines()))
                previous = nil
                return .resize
            }
            if key == cnc_key_btab() { return .backTab }
            if key == cnc_key_mouse() {
                var x: Int32 = 0, y: Int32 = 0
                switch cnc_mouse(&x, &y) {
                case Int32(CNC_MOUSE_PRESS): return .mouse(MouseEvent(.press, x: Int(x), y: Int(y)))
                case Int32(CNC_MOUSE_WHEEL_UP): return .mouse(MouseEvent(.wheelUp, x: Int(x), y: Int(y)))
                case Int32(CNC_MOUSE_WHEEL_DOWN): return .mouse(MouseEvent(.wheelDown, x: Int(x), y: Int(y)))
                default: return nil
                }
            }
            switch key {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_PPAGE: return .pageUp
            case KEY_NPAGE: return .pageDown
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_ENTER: return .enter
            case KEY_BACKSPACE: return .backspace
            default: return nil
            }
        default:
            return nil
        }
    }

    /// Restores the terminal (safe to call twice).
    func stop() {
        guard !stopped else { return }
        stopped = true
        cnc_stop()
    }
}
