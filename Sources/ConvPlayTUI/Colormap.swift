/// A heatmap colour scheme quantised to `Colormap.levels` xterm-256 colours. Quantising keeps the number
/// of colour pairs fixed (levels × levels at most), so a full screen of heatmaps never runs out of pairs.
public enum Colormap: String, CaseIterable, Hashable, Sendable {
    /// Sequential for maps that are never negative, diverging for signed ones.
    case auto
    /// Viridis-like: dark blue → green → yellow.
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

    static let viridisPalette = palette(anchors: [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)])
    static let divergingPalette = palette(anchors: [(5, 48, 97), (67, 147, 195), (247, 247, 247), (214, 96, 77), (103, 0, 31)])
    static let grayPalette = palette(anchors: [(8, 8, 8), (238, 238, 238)])

    /// `levels` colours interpolated evenly through the RGB anchors, each snapped to the nearest xterm colour.
    static func palette(anchors: [(Double, Double, Double)]) -> [Int16] {
        (0..<levels).map { level in
            let t = Double(level) / Double(levels - 1) * Double(anchors.count - 1)
            let i = min(Int(t), anchors.count - 2), f = t - Double(i)
            let a = anchors[i], b = anchors[i + 1]
            return xterm(red: a.0 + (b.0 - a.0) * f, green: a.1 + (b.1 - a.1) * f, blue: a.2 + (b.2 - a.2) * f)
        }
    }

    /// The nearest colour of xterm's 6×6×6 cube (16–231) or 24-step grey ramp (232–255).
    public static func xterm(red: Double, green: Double, blue: Double) -> Int16 {
        let steps: [Double] = [0, 95, 135, 175, 215, 255]
        func nearestStep(_ v: Double) -> Int { steps.indices.min { abs(steps[$0] - v) < abs(steps[$1] - v) }! }
        let (r, g, b) = (nearestStep(red), nearestStep(green), nearestStep(blue))
        let cube = (steps[r], steps[g], steps[b])
        let cubeDistance = pow2(cube.0 - red) + pow2(cube.1 - green) + pow2(cube.2 - blue)
        let mean = (red + green + blue) / 3
        let grey = max(0, min(23, Int(((mean - 8) / 10).rounded())))
        let greyValue = Double(8 + 10 * grey)
        let greyDistance = pow2(greyValue - red) + pow2(greyValue - green) + pow2(greyValue - blue)
        if greyDistance < cubeDistance { return Int16(232 + grey) }
        return Int16(16 + 36 * r + 6 * g + b)
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
            low = -reach; high = reach
        } else {
            low = minimum; high = maximum
        }
    }

    /// The quantised level of `value`: 0 at `low`, `levels − 1` at `high`; the middle level for a flat map.
    public func level(_ value: Float, levels: Int = Colormap.levels) -> Int {
        guard high > low, value.isFinite else { return value.isFinite ? levels / 2 : 0 }
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
