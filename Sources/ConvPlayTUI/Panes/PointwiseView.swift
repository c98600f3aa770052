import ConvEngine

/// A 1×1 conv at one pixel, spelled out under the zoomed map: the input vector x at the pixel, the output
/// channel's weight row w and their products as strips, then y = w · x + b with its first terms.
enum PointwiseView {
    static func draw(
        _ screen: inout Screen, _ breakdown: PointwiseBreakdown, computed: Float, colors: Bool, x: Int, y: Int, width: Int
    ) -> Int {
        let strips: [(String, [Float], String)] = [
            (
                "x", breakdown.inputs,
                "input at (y \(breakdown.row), x \(breakdown.column)), \(breakdown.inputs.count) channel\(breakdown.inputs.count == 1 ? "" : "s")"
            ),
            ("w", breakdown.weights, "weight row \(breakdown.outputChannel)"),
            ("w·x", breakdown.products, "products"),
        ]
        var y = y
        for (label, values, caption) in strips {
            let start = screen.put(label.fitted(4), x: x, y: y, style: Style(foreground: Theme.accent, bold: true))
            let length = min(values.count * max(1, 24 / max(1, values.count)), max(8, min(48, width - 6 - caption.count)))
            let span = range(of: values[...])
            let scale = HeatScale(minimum: span.low, maximum: span.high, colormap: .diverging)
            for px in 0..<length {
                let v = values[min(values.count - 1, px * values.count / length)]
                screen[start + px, y] = colors ? Cell("█", foreground: scale.color(v)) : Cell(scale.asciiCharacter(v))
            }
            screen.put(" " + caption, x: start + length, y: y, style: Style(foreground: Theme.dim), limit: x + width)
            y += 1
        }
        screen.put(formula(breakdown, computed: computed, width: width), x: x, y: y, style: Style(bold: true), limit: x + width)
        return y + 1
    }

    /// "y = w·x + b = 1·6 + b 0 = 6" — every term when they fit `width`, else the first ones, "…" and how many.
    static func formula(_ b: PointwiseBreakdown, computed: Float, width: Int) -> String {
        let tail =
            " + b \(Format.short(b.bias)) = \(Format.number(b.value))"
            + (Format.number(b.value) == Format.number(computed) ? "" : " (layer: \(Format.number(computed)))")
        let head = "y = w·x + b = "
        // No more terms than could ever fit a line are spelled out.
        let terms = zip(b.weights, b.inputs).prefix(max(1, width / 4)).map { "\(Format.short($0))·\(Format.short($1))" }
        let count = b.weights.count
        func more(_ shown: Int) -> String { shown < count ? " + … \(count - shown) more" : "" }
        var shown = terms.count
        var length = terms.reduce(0) { $0 + $1.count } + 3 * (shown - 1)
        while shown > 1, head.count + length + more(shown).count + tail.count > width {
            length -= terms[shown - 1].count + 3
            shown -= 1
        }
        return head + terms.prefix(shown).joined(separator: " + ") + more(shown) + tail
    }
}
