/// A series drawn in braille: each character holds two values side by side and four dots of height per row, so
/// a sparkline `rows` tall shows `4 · rows` levels. A longer series is averaged into as many buckets as there
/// are dot columns, so the whole run stays in view; a shorter one grows from the left.
enum Sparkline {
    /// The dot bits of a braille cell (U+2800 + bits), by column (left, right) and dot row from the top.
    private static let dots: [[UInt32]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]

    /// The rows of the sparkline, top first, each `width` characters; `range` fixes the scale (else the
    /// series' own minimum and maximum).
    static func rows(_ values: [Double], width: Int, rows: Int, range: ClosedRange<Double>? = nil) -> [String] {
        guard width > 0, rows > 0 else { return [] }
        let columns = buckets(values, count: width * 2)
        let low = range?.lowerBound ?? columns.min() ?? 0, high = range?.upperBound ?? columns.max() ?? 1
        let levels = rows * 4
        let heights = columns.map { value -> Int in
            guard high > low else { return levels / 2 }
            let fraction = min(1, max(0, (value - low) / (high - low)))
            return 1 + Int((fraction * Double(levels - 1)).rounded())
        }
        return (0..<rows).map { row in
            String(
                (0..<width).map { cell -> Character in
                    var bits: UInt32 = 0
                    for side in 0..<2 {
                        let index = cell * 2 + side
                        guard index < heights.count else { continue }
                        for dot in 0..<4 where row * 4 + dot >= levels - heights[index] { bits |= dots[side][dot] }
                    }
                    return Character(Unicode.Scalar(0x2800 + bits)!)
                })
        }
    }

    /// `values` as at most `count` columns: one per value while they fit, else the means of equal runs.
    static func buckets(_ values: [Double], count: Int) -> [Double] {
        guard values.count > count else { return values }
        return (0..<count).map { i in
            let start = i * values.count / count, end = max(start + 1, (i + 1) * values.count / count)
            return values[start..<end].reduce(0, +) / Double(end - start)
        }
    }

    /// The ASCII stand-in for a braille cell: by how many of its eight dots are set.
    static func ascii(_ character: Character) -> Character? {
        guard let scalar = character.unicodeScalars.first, (0x2800...0x28FF).contains(scalar.value) else { return nil }
        switch (scalar.value - 0x2800).nonzeroBitCount {
        case 0: return " "
        case 1...2: return "."
        case 3...5: return ":"
        default: return "|"
        }
    }
}
