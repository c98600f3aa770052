/// A terminal size in cells.
public struct Size: Hashable, Sendable {
    public var columns: Int
    public var rows: Int
    public init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
    }
}

/// One terminal cell: a character, xterm-256 foreground and background indices (-1 = the terminal's
/// default) and two attributes. What the backend copies to the terminal and what tests compare.
public struct Cell: Hashable, Sendable {
    public var character: Character
    public var foreground: Int16
    public var background: Int16
    public var bold: Bool
    public var reverse: Bool

    public init(
        _ character: Character = " ", foreground: Int16 = -1, background: Int16 = -1,
        bold: Bool = false, reverse: Bool = false
    ) {
        self.character = character
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.reverse = reverse
    }

    public static let blank = Cell()
}

/// A text style: colours and attributes without a character.
public struct Style: Hashable, Sendable {
    public var foreground: Int16 = -1
    public var background: Int16 = -1
    public var bold = false
    public var reverse = false
    public init(foreground: Int16 = -1, background: Int16 = -1, bold: Bool = false, reverse: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.reverse = reverse
    }
    public static let plain = Style()
}

/// A rectangle of cells on the screen.
public struct Rect: Hashable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }
    /// The rectangle inside a one-cell border.
    public var inner: Rect { Rect(x: x + 1, y: y + 1, width: width - 2, height: height - 2) }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
}

/// A cell buffer: everything one frame shows, row-major. `render` fills it, the backend copies it,
/// tests read it (ratatui's Buffer idea).
public struct Screen: Hashable, Sendable {
    public let size: Size
    public private(set) var cells: [Cell]

    public init(size: Size) {
        self.size = size
        self.cells = Array(repeating: .blank, count: max(0, size.columns * size.rows))
    }

    /// The cell at column `x`, row `y`; blank outside the screen.
    public subscript(x: Int, y: Int) -> Cell {
        get { contains(x, y) ? cells[y * size.columns + x] : .blank }
        set { if contains(x, y) { cells[y * size.columns + x] = newValue } }
    }

    public func contains(_ x: Int, _ y: Int) -> Bool { x >= 0 && y >= 0 && x < size.columns && y < size.rows }

    /// Row `y` as plain text (tests and debugging).
    public func line(_ y: Int) -> String { String((0..<size.columns).map { self[$0, y].character }) }

    /// Every row as plain text.
    public var text: [String] { (0..<size.rows).map(line) }

    /// Writes `text` from (x, y), clipped at `limit` (exclusive column; default the screen's edge).
    /// Returns the column after the last character written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .plain, limit: Int? = nil) -> Int {
        let end = min(limit ?? size.columns, size.columns)
        var column = x
        for character in text {
            if column >= end { break }
            self[column, y] = Cell(
                character, foreground: style.foreground, background: style.background,
                bold: style.bold, reverse: style.reverse)
            column += 1
        }
        return column
    }

    /// Fills a rectangle with one cell.
    public mutating func fill(_ rect: Rect, with cell: Cell = .blank) {
        for y in rect.y..<rect.maxY { for x in rect.x..<rect.maxX { self[x, y] = cell } }
    }

    /// Restyles a row span without changing its characters (selection highlight).
    public mutating func restyle(x: Int, y: Int, width: Int, style: Style) {
        for column in x..<(x + width) {
            var cell = self[column, y]
            cell.foreground = style.foreground
            cell.background = style.background
            cell.bold = style.bold
            cell.reverse = style.reverse
            self[column, y] = cell
        }
    }

    /// How many cells `box` leaves for a note (its two padding spaces included) beside `title` in a box `width` wide.
    public static func noteRoom(width: Int, title: String) -> Int {
        width - 3 - (title.isEmpty ? 0 : min(title.count + 2, width - 4))
    }

    /// The first of `notes` (longest first) that fits whole beside `title` in a box `width` wide, or "".
    public static func fittingNote(_ notes: [String], width: Int, title: String) -> String {
        notes.first { $0.count + 2 <= noteRoom(width: width, title: title) } ?? ""
    }

    /// A rounded-corner-free single-line box with a title in its top border and an optional right-aligned
    /// note (`┌ Title ───── note ┐`).
    public mutating func box(
        _ rect: Rect, title: String = "", note: String = "", style: Style = Style(foreground: Theme.border),
        titleStyle: Style = Style(bold: true)
    ) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let right = rect.maxX - 1, bottom = rect.maxY - 1
        for x in rect.x...right {
            self[x, rect.y] = Cell("─", foreground: style.foreground)
            self[x, bottom] = Cell("─", foreground: style.foreground)
        }
        for y in rect.y...bottom {
            self[rect.x, y] = Cell("│", foreground: style.foreground)
            self[right, y] = Cell("│", foreground: style.foreground)
        }
        self[rect.x, rect.y] = Cell("┌", foreground: style.foreground)
        self[right, rect.y] = Cell("┐", foreground: style.foreground)
        self[rect.x, bottom] = Cell("└", foreground: style.foreground)
        self[right, bottom] = Cell("┘", foreground: style.foreground)
        var noteStart = right
        let titleRoom = title.isEmpty ? 0 : min(title.count + 2, rect.width - 4)
        // The title wins: a note that does not fit whole is left out (callers offer shorter forms), never cut.
        var text = note.isEmpty ? "" : " \(note) "
        if text.count > rect.width - 3 - titleRoom { text = "" }
        if !text.isEmpty {
            noteStart = right - text.count
            put(text, x: noteStart, y: rect.y, style: Style(foreground: Theme.dim), limit: right)
        }
        if !title.isEmpty {
            put(" \(title) ", x: rect.x + 1, y: rect.y, style: titleStyle, limit: noteStart)
        }
    }
}

/// The interface's fixed colours (xterm-256 indices). Heatmap colours come from `Colormap`.
public enum Theme {
    public static let border: Int16 = 244
    public static let dim: Int16 = 245
    public static let accent: Int16 = 39
    public static let computed: Int16 = 71
    public static let cursor: Int16 = 214
    public static let error: Int16 = 203
    public static let warning: Int16 = 221
    public static let selectionBackground: Int16 = 237
    public static let headerBackground: Int16 = 236
    public static let white: Int16 = 15
    public static let black: Int16 = 16
    /// Every interface colour, so the backend can set up its pairs once.
    public static let all: [Int16] = [
        border, dim, accent, computed, cursor, error, warning,
        selectionBackground, headerBackground, white, black,
    ]
}

extension Screen {
    /// The screen in plain ASCII, for terminals without UTF-8: box lines, marks and blocks become their nearest
    /// ASCII characters; a cut marked "…" ends in "..." (the two characters before it give way, so the width
    /// stays the same) and a range "0…15" reads "0~15". Nothing becomes "?".
    public func transliterated() -> Screen {
        var result = self
        for y in 0..<size.rows {
            for x in 0..<size.columns {
                let character = self[x, y].character
                guard !character.isASCII else { continue }
                if character == "…" {
                    let next = self[x + 1, y].character
                    if next.isLetter || next.isNumber || next == "−" || next == "-" {
                        result[x, y].character = "~"
                    } else {
                        for dx in -2...0 where x + dx >= 0 { result[x + dx, y].character = "." }
                    }
                } else {
                    result[x, y].character = Self.ascii(character)
                }
            }
        }
        return result
    }

    /// The ASCII stand-in for a character the interface draws.
    static func ascii(_ character: Character) -> Character {
        switch character {
        case "─", "┬", "━": return "-"
        case "│", "▏", "▕": return "|"
        case "┌", "┐", "└", "┘", "├", "┤", "┼": return "+"
        case "▀", "█", "▉", "▊", "▋", "▌", "▍", "▎": return "#"
        case "░": return "."
        case "✓": return "*"
        case "▶", "▸", "→", "›": return ">"
        case "‹", "←": return "<"
        case "▼", "↓": return "v"
        case "↑": return "^"
        case "●": return "*"
        case "×": return "x"
        case "·": return "."
        case "−", "–", "—": return "-"
        case "“", "”": return "\""
        case "’", "ᵀ": return "'"
        case "÷": return "/"
        case "≈": return "~"
        case "Σ": return "S"
        default: return character.unicodeScalars.first.map { $0.value < 128 ? character : "*" } ?? "*"
        }
    }
}

extension Rect {
    /// True when the cell (x, y) lies inside the rectangle.
    public func contains(x: Int, y: Int) -> Bool { x >= self.x && x < maxX && y >= self.y && y < maxY }
}
