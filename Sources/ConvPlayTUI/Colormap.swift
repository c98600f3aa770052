import Foundation

/// A heatmap colour scheme quantised to `Colormap.levels` xterm-256 colours. Quantising keeps the number
/// of colour pairs fixed (levels × levels at most), so a full screen of heatmaps never runs out of pairs.
public enum Colormap: String, CaseIterable, Hashable, Sendable {
    /// Sequential for maps that are never negative, diverging for signed ones.
    case auto
    /// Viridis: dark purple → blue → teal → green → yellow.
    case sequential = "viridis"
    /// Blue → white → red, white at 0.
    case diverging
    case grayscale = "gray"

    /// How many colours a heatmap is quantised to.
    public static let levels = 64

    /// The concrete map for data whose smallest value is `minimum` (auto picks by sign).
    public func resolved(minimum: Float) -> Colormap {
        self == .auto ? (minimum < 0 ? .diverging : .sequential) : self
    }

    /// The next scheme in the `c` cycle.
    public var next: Colormap { Self.allCases[(Self.allCases.firstIndex(of: self)! + 1) % Self.allCases.count] }

    /// The xterm-256 colour of each level (auto is treated as sequential).
    public var palette: [Int16] {
        switch self {
        case .auto, .sequential: return Self.viridisPalette
        case .diverging: return Self.divergingPalette
        case .grayscale: return Self.grayPalette
        }
    }

    /// The colour of quantised `level`.
    public func color(level: Int) -> Int16 { palette[max(0, min(Self.levels - 1, level))] }

    /// Every colour any colormap can produce (for setting up colour pairs once).
    public static let allColors: [Int16] = {
        var seen = Set<Int16>(), colors: [Int16] = []
        for map in [Colormap.sequential, .diverging, .grayscale] {
            for color in map.palette where seen.insert(color).inserted { colors.append(color) }
        }
        return colors
    }()

    /// Matplotlib's viridis at 0, ⅛, …, 1: dark purple → blue → teal → green → yellow.
    static let viridisAnchors: [RGB] = [
        (68, 1, 84), (72, 40, 120), (62, 73, 137), (49, 104, 142), (38, 130, 142),
        (31, 158, 137), (53, 183, 121), (110, 206, 88), (253, 231, 37),
    ]
    /// ColorBrewer's RdBu reversed: dark blue → white (at 0) → dark red.
    static let divergingAnchors: [RGB] = [
        (5, 48, 97), (33, 102, 172), (67, 147, 195), (146, 197, 222), (209, 229, 240),
        (247, 247, 247), (253, 219, 199), (244, 165, 130), (214, 96, 77), (178, 24, 43),
        (103, 0, 31),
    ]
    static let viridisPalette = palette(anchors: viridisAnchors)
    static let divergingPalette = palette(anchors: divergingAnchors)
    static let grayPalette = palette(anchors: [(0, 0, 0), (255, 255, 255)])

    typealias RGB = (Double, Double, Double)

    /// `levels` colours interpolated evenly through the RGB anchors, each snapped to the nearest xterm colour.
    static func palette(anchors: [RGB]) -> [Int16] {
        (0..<levels).map { level in
            let t = Double(level) / Double(levels - 1) * Double(anchors.count - 1)
            let i = min(Int(t), anchors.count - 2), f = t - Double(i)
            let a = anchors[i], b = anchors[i + 1]
            return xterm(red: a.0 + (b.0 - a.0) * f, green: a.1 + (b.1 - a.1) * f, blue: a.2 + (b.2 - a.2) * f)
        }
    }

    /// The xterm colour nearest an sRGB colour (0–255 per channel) among the 6×6×6 cube and the grey ramp,
    /// by squared RGB distance: quick enough for every pixel of a picture.
    public static func nearestXterm(red: Double, green: Double, blue: Double) -> Int16 {
        let steps: [Double] = [0, 95, 135, 175, 215, 255]
        func step(_ v: Double) -> Int { steps.indices.min { abs(steps[$0] - v) < abs(steps[$1] - v) }! }
        let r = step(red), g = step(green), b = step(blue)
        let cube = (
            Int16(16 + 36 * r + 6 * g + b),
            (steps[r] - red) * (steps[r] - red) + (steps[g] - green) * (steps[g] - green)
                + (steps[b] - blue) * (steps[b] - blue)
        )
        let mean = (red + green + blue) / 3
        let grey = max(0, min(23, Int(((mean - 8) / 10).rounded())))
        let v = Double(8 + 10 * grey)
        let greyDistance = (v - red) * (v - red) + (v - green) * (v - green) + (v - blue) * (v - blue)
        return greyDistance < cube.1 ? Int16(232 + grey) : cube.0
    }

    /// The RGB value of xterm colour `index` (16–255: the 6×6×6 cube, then the 24-step grey ramp).
    public static func rgb(ofXterm index: Int) -> (red: Int, green: Int, blue: Int) {
        if index >= 232 {
            let v = 8 + 10 * (index - 232)
            return (v, v, v)
        }
        let steps = [0, 95, 135, 175, 215, 255], n = index - 16
        return (steps[n / 36], steps[n / 6 % 6], steps[n % 6])
    }

    /// CIELAB (D65) of every xterm colour 16–255, computed once.
    private static let xtermLab: [(index: Int16, lab: (Double, Double, Double))] =
        (16...255).map { index in
            let c = rgb(ofXterm: index)
            return (Int16(index), lab(Double(c.red), Double(c.green), Double(c.blue)))
        }

    /// The xterm colour (cube 16–231 or grey ramp 232–255) nearest in CIELAB (ΔE76) to the RGB colour,
    /// among those that keep at least 90 % of its chroma: a saturated target never lands on a grey.
    public static func xterm(red: Double, green: Double, blue: Double) -> Int16 {
        let target = lab(red, green, blue)
        let chroma = (target.1 * target.1 + target.2 * target.2).squareRoot()
        var best: Int16 = 16, bestDistance = Double.infinity
        for candidate in xtermLab {
            let (l, a, b) = candidate.lab
            guard (a * a + b * b).squareRoot() >= 0.9 * chroma - 4 else { continue }
            let distance = pow2(l - target.0) + pow2(a - target.1) + pow2(b - target.2)
            if distance < bestDistance {
                bestDistance = distance
                best = candidate.index
            }
        }
        return best
    }

    /// sRGB (0–255) to CIELAB under D65.
    static func lab(_ red: Double, _ green: Double, _ blue: Double) -> (Double, Double, Double) {
        func linear(_ v: Double) -> Double {
            let c = v / 255
            return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        let r = linear(red), g = linear(green), b = linear(blue)
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
        func f(_ t: Double) -> Double { t > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * t + 16) / 116 }
        return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))
    }

    private static func pow2(_ v: Double) -> Double { v * v }
}

/// How heatmap values map to colours: the range and the colormap actually used.
public struct HeatScale: Hashable, Sendable {
    public var low: Float
    public var high: Float
    public var colormap: Colormap

    /// A scale over [minimum, maximum]; a diverging map is centred on 0 (±max |value|).
    public init(minimum: Float, maximum: Float, colormap: Colormap) {
        let map = colormap.resolved(minimum: minimum)
        self.colormap = map
        if map == .diverging {
            let reach = max(abs(minimum), abs(maximum))
            low = -reach
            high = reach
        } else {
            low = minimum
            high = maximum
        }
    }

    /// The quantised level of `value`: 0 at `low`, `levels − 1` at `high`. A flat map (a constant channel, a
    /// dead ReLU) sits where its value belongs on a flat scale: the bottom of a sequential map, the centre
    /// (zero) of a diverging one — never a mid-scale colour that looks alive.
    public func level(_ value: Float, levels: Int = Colormap.levels) -> Int {
        guard value.isFinite else { return 0 }
        guard high > low else { return colormap == .diverging ? levels / 2 : 0 }
        let t = (value - low) / (high - low)
        return max(0, min(levels - 1, Int(t * Float(levels))))
    }

    /// The colour of `value`.
    public func color(_ value: Float) -> Int16 { colormap.color(level: level(value)) }

    /// The ASCII ramp character of `value` (no colours).
    public func asciiCharacter(_ value: Float) -> Character {
        let ramp = HeatScale.asciiRamp
        return ramp[level(value, levels: ramp.count)]
    }

    /// Light to dense, for terminals without colours or UTF-8.
    public static let asciiRamp: [Character] = Array(" .:-=+*#%@")
}
