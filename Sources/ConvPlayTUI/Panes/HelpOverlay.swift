/// `?`: every key of every mode, read from the key table by section, in as many columns as fit, scrolled
/// with ↑↓ / PgUp PgDn when it is taller than the screen.
enum HelpOverlay {
    /// One line of the overlay: a section title, or keys and what they do.
    enum Line: Hashable {
        case title(String)
        case entry(keys: String, help: String)
        case blank
    }

    static let lines: [Line] = KeyBindings.helpSections().enumerated().flatMap { i, section in
        (i > 0 ? [Line.blank] : []) + [Line.title(section.title)] + section.entries.map { Line.entry(keys: $0.keys, help: $0.help) }
    }

    static let keyWidth = 14
    static let columnWidth = 56

    /// Columns, rows shown and rows in all, at a screen size.
    static func layout(_ size: Size) -> (columns: Int, visibleRows: Int, totalRows: Int) {
        let columns = max(1, min(3, (size.columns - 4) / (columnWidth + 1)))
        let visible = max(1, size.rows - 4)
        return (columns, visible, (lines.count + columns - 1) / columns)
    }

    static func maxScroll(_ size: Size) -> Int {
        let layout = layout(size)
        return max(0, layout.totalRows - layout.visibleRows)
    }

    static func draw(_ screen: inout Screen, scroll: Int) {
        let (columns, visible, total) = layout(screen.size)
        let width = min(screen.size.columns - 2, columns * (columnWidth + 1) + 3)
        let inner = overlayBox(&screen, width: width, height: min(visible, total) + 2, title: "Keys — ? or Esc closes")
        let scroll = min(scroll, maxScroll(screen.size))
        let columnWidth = min(Self.columnWidth, (inner.width - 1) / columns)
        for column in 0..<columns {
            let x = inner.x + 1 + column * (columnWidth + 1)
            for row in 0..<inner.height {
                let index = column * total + scroll + row
                guard index < lines.count, scroll + row < total else { break }
                let y = inner.y + row
                switch lines[index] {
                case .title(let title):
                    screen.put(title, x: x, y: y, style: Style(foreground: Theme.warning, bold: true), limit: x + columnWidth)
                case .entry(let keys, let help):
                    screen.put(keys.fitted(keyWidth), x: x, y: y, style: Style(foreground: Theme.accent, bold: true))
                    screen.put(help, x: x + keyWidth + 1, y: y, limit: x + columnWidth)
                case .blank: break
                }
            }
        }
        drawScrollMarks(
            &screen, box: Rect(x: inner.x - 1, y: inner.y - 1, width: inner.width + 2, height: inner.height + 2), scroll: scroll,
            total: total, visible: inner.height)
    }
}
