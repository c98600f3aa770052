/// Below 80×24: a request for a larger terminal (the quit question, if one is open, is drawn over it).
enum TooSmall {
    static func draw(_ screen: inout Screen) {
        let lines = ["enlarge the terminal to at least 80×24", "(now \(screen.size.columns)×\(screen.size.rows))", "q quits"]
        let top = max(0, screen.size.rows / 2 - 1)
        for (i, line) in lines.enumerated() {
            screen.put(line, x: max(0, (screen.size.columns - line.count) / 2), y: top + i, style: Style(bold: i == 0))
        }
    }
}
