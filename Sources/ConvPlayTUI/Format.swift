import ConvEngine
import Foundation

/// Short text for layers, shapes and numbers as the panes show them.
enum Format {
    /// "5×5" for any size pair (the engine's own description writes a square as "5").
    static func pair(_ size: Size2) -> String { "\(size.height)×\(size.width)" }

    /// A compact layer spec for the stack and headers — the engine's own `specText`, so the stack and
    /// `convplay summary` read alike: `conv 5×5/1 p2 → 192`, `conv 1×1 → 160`, `max 3×3/2 ceil`.
    static func spec(_ node: Node) -> String { node.specText }

    static func spec(_ layer: Layer) -> String { layer.specText }

    /// The long form for the inspector: every field of the layer (the engine's own detail line).
    static func longSpec(_ node: Node) -> String {
        switch node.kind {
        case .parallel(let block): return "parallel · \(block.branches.count) branches · merge \(block.merge.rawValue)"
        case .layer(let layer): return layer.detailText
        }
    }

    /// "14.6k", "1.93k", "7.00M" — the engine's compact count.
    static func compact(_ value: Int) -> String { formatCompact(value) }

    /// "966,986".
    static func grouped(_ value: Int) -> String { formatGrouped(value) }

    /// "222.5 M", "31.5 k", "950" — for MAC counts.
    static func macs(_ value: Int) -> String {
        let v = Double(value)
        switch v {
        case ..<1000: return "\(value)"
        case ..<1_000_000: return String(format: "%.1f k", v / 1e3)
        case ..<1_000_000_000: return String(format: "%.1f M", v / 1e6)
        default: return String(format: "%.2f G", v / 1e9)
        }
    }

    /// A float in at most 4 significant digits with a true minus sign: "−0.8312", "2.41", "1e-05".
    static func number(_ value: Float) -> String { significant(value, digits: 4) }

    /// `value` as "%g" in `digits` significant digits, "0" for −0, minus signs true ones; exponents keep printf's
    /// two digits ("1e-05") unless `shortExponent` drops their leading zero ("1e−5").
    private static func significant(_ value: Float, digits: Int, shortExponent: Bool = false) -> String {
        var text = String(format: "%.\(digits)g", Double(value))
        if text == "-0" { text = "0" }
        if shortExponent { text = text.replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e+") }
        return text.replacingOccurrences(of: "-", with: "−")
    }

    /// `number` in at most `width` characters: fewer significant digits and an exponent without leading zeros
    /// ("6.74e−5") before anything is cut, so a tight column keeps the value's size readable.
    static func number(_ value: Float, width: Int) -> String {
        let full = number(value)
        guard full.count > width else { return full }
        let shorter = stride(from: 3, through: 1, by: -1).lazy.map { significant(value, digits: $0, shortExponent: true) }
        return shorter.first { $0.count <= width } ?? full.fitted(width)
    }

    /// A fraction as "41 %".
    static func percent(_ fraction: Double) -> String { String(format: "%.0f %%", fraction * 100) }

    /// An accuracy as "97.2 %".
    static func accuracy(_ fraction: Double) -> String { String(format: "%.1f %%", fraction * 100) }

    /// A learning rate in its shortest exact-looking form: "0.05", "0.0125", "1e-06".
    static func rate(_ rate: Float) -> String { String(format: "%g", Double(rate)) }

    /// A bar of `width` cells filled to `fraction` with eighth blocks: "███▌░░░".
    static func bar(_ fraction: Double, width: Int) -> String {
        let eighths = Int((max(0, min(1, fraction)) * Double(width * 8)).rounded())
        let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        var text = String(repeating: "█", count: eighths / 8) + partial[eighths % 8]
        text += String(repeating: "░", count: max(0, width - text.count))
        return text
    }
}

extension String {
    /// The string cut or padded with spaces to exactly `width` characters ("…" marks a cut).
    func fitted(_ width: Int, alignRight: Bool = false) -> String {
        guard width > 0 else { return "" }
        if count > width { return width == 1 ? "…" : String(prefix(width - 1)) + "…" }
        let pad = String(repeating: " ", count: width - count)
        return alignRight ? pad + self : self + pad
    }
}

extension Format {
    /// A float in 3 significant digits with a true minus sign, for tight labels: "−0.831", "2.65", "0".
    static func short(_ value: Float) -> String { significant(value, digits: 3) }

    /// The first of `variants` that fits `width`, else the last one cut.
    static func first(_ variants: [String], fitting width: Int) -> String {
        variants.first { $0.count <= width } ?? (variants.last ?? "").fitted(width)
    }
}
