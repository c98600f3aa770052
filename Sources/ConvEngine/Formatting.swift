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

/// A fixed-point rendering without Foundation's locale-dependent formatting.
public func formatFixed(_ value: Double, digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (abs(value) * scale).rounded()
    let whole = Int(rounded / scale), fraction = Int(rounded.truncatingRemainder(dividingBy: scale))
    let sign = value < 0 && rounded != 0 ? "-" : ""
    guard digits > 0 else { return sign + "\(whole)" }
    let fractionText = String(fraction)
    return sign + "\(whole)." + String(repeating: "0", count: digits - fractionText.count) + fractionText
}
