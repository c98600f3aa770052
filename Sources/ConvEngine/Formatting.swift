import Foundation

/// "1.5 GiB", "12.0 MiB", "300 B": binary units, one decimal.
public func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}

/// Compact counts: 14.6k, 1.58M, 222.5M, 1.6G; below 1,000 the number itself.
public func formatCompact(_ value: Int) -> String {
    let v = Double(value)
    switch abs(v) {
    case ..<1_000: return "\(value)"
    case ..<1_000_000: return formatFixed(v / 1_000, digits: v < 10_000 ? 2 : 1) + "k"
    case ..<1_000_000_000: return formatFixed(v / 1_000_000, digits: v < 10_000_000 ? 2 : 1) + "M"
    default: return formatFixed(v / 1_000_000_000, digits: 2) + "G"
    }
}

/// 966,986 — thousands separated by commas, as the published tables write them.
public func formatGrouped(_ value: Int) -> String {
    let digits = String(abs(value))
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return value < 0 ? "-" + out : out
}

/// A fixed-point rendering without Foundation's locale-dependent formatting: "inf", "-inf" and "nan" for
/// non-finite values, and scientific notation ("3.00e38") once the digits would pass 2^53.
public func formatFixed(_ value: Double, digits: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : value < 0 ? "-inf" : "inf" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (abs(value) * scale).rounded()
    guard rounded < 0x1p53 else {
        var exponent = Int(abs(value).exponent) * 30_103 / 100_000  // ⌊log10⌋, corrected below
        var mantissa = value / pow10(exponent)
        while abs(mantissa) >= 10 {
            exponent += 1
            mantissa = value / pow10(exponent)
        }
        return formatFixed(mantissa, digits: max(digits, 2)) + "e\(exponent)"
    }
    let whole = Int(rounded / scale), fraction = Int(rounded.truncatingRemainder(dividingBy: scale))
    let sign = value < 0 && rounded != 0 ? "-" : ""
    guard digits > 0 else { return sign + "\(whole)" }
    let fractionText = String(fraction)
    return sign + "\(whole)." + String(repeating: "0", count: digits - fractionText.count) + fractionText
}

/// 10^n for the exponents a Double reaches, without Foundation.
private func pow10(_ n: Int) -> Double {
    var result = 1.0
    for _ in 0..<abs(n) { result *= 10 }
    return n < 0 ? 1 / result : result
}

/// `text` as an error message may show it on one terminal line: control characters, line and paragraph
/// separators and invisible format characters (a BOM, zero-width and bidirectional marks) are written as
/// escapes (`\n`, `\t`, `\0`, `\u{FEFF}`), and text past `limit` characters is cut with "…". Every string a
/// user wrote that an error repeats — names, keys, type words, file paths — goes through here.
public func visible(_ text: String, limit: Int = 120) -> String {
    var out = ""
    var shown = 0
    for scalar in text.unicodeScalars {
        if shown == limit {
            out += "…"
            break
        }
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\0": out += "\\0"
        default:
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        shown += 1
    }
    return out
}

/// `text` in double quotes for an error message, shown as `visible` shows it, with inner quotes escaped.
public func quoted(_ text: String, limit: Int = 120) -> String {
    "\"" + visible(text, limit: limit).replacingOccurrences(of: "\"", with: "\\\"") + "\""
}
