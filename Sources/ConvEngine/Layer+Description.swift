extension Layer {
    /// The preset's `type` word for this layer: "conv", "maxpool", "relu", …
    public var typeName: String {
        switch self {
        case .conv: return "conv"
        case .pool(let pool): return pool.kind == .max ? "maxpool" : "avgpool"
        case .globalAveragePool: return "global_avgpool"
        case .activation(.relu): return "relu"
        case .activation(.leakyRelu): return "leaky_relu"
        case .activation(.sigmoid): return "sigmoid"
        case .activation(.tanh): return "tanh"
        case .batchNorm: return "batchnorm"
        case .localResponseNorm: return "lrn"
        case .dropout: return "dropout"
        case .flatten: return "flatten"
        case .dense: return "dense"
        case .softmax: return "softmax"
        case .lateral: return "lateral"
        }
    }

    /// A compact one-line spec, the same in the layer stack and `convplay summary`:
    /// "conv 5×5/1 p2 → 192", "conv 1×1 → 16", "max 3×3/2 ceil", "lrn 5", "dense → 1000".
    public var specText: String {
        switch self {
        case .conv(let c):
            var text = "conv \(c.kernel.height)×\(c.kernel.width)"
            if c.isPointwise { return text + (c.groups > 1 ? " g\(c.groups)" : "") + " → \(c.outChannels)" }
            text += "/\(c.stride)"
            switch c.padding {
            case .same: text += " same"
            case .explicit(let p) where p != Size2(0): text += " p\(p)"
            default: break
            }
            if c.dilation != Size2(1) { text += " d\(c.dilation)" }
            if c.groups > 1 { text += " g\(c.groups)" }
            return text + " → \(c.outChannels)"
        case .pool(let p):
            var text = "\(p.kind == .max ? "max" : "avg") \(p.kernel.height)×\(p.kernel.width)/\(p.stride)"
            if p.padding != Size2(0) { text += " p\(p.padding)" }
            return text + (p.rounding == .ceil ? " ceil" : "")
        case .globalAveragePool: return "global avg"
        case .activation(.leakyRelu(let slope)): return "leaky relu \(slope)"
        case .activation: return typeName
        case .batchNorm: return "batchnorm"
        case .localResponseNorm(let l): return "lrn \(l.size)"
        case .dropout(let rate): return "dropout \(rate)"
        case .flatten: return "flatten"
        case .dense(let d): return "dense → \(d.outFeatures)"
        case .softmax: return "softmax"
        case .lateral: return "lateral z+Mᵀz"
        }
    }
}

extension Node {
    /// The layer's spec text, or "concat ×4" / "add ×2" for a parallel block.
    public var specText: String {
        switch kind {
        case .layer(let layer): return layer.specText
        case .parallel(let block): return "\(block.merge.rawValue) ×\(block.branches.count)"
        }
    }

    /// The preset's `type` word: a layer's, or "parallel".
    public var typeName: String { layer?.typeName ?? "parallel" }
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
