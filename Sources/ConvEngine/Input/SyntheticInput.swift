import Foundation

/// Draws the synthetic input pictures deterministically at any shape, 1-D (`C×1×W`) included, with values
/// in [0, 1]. Channels differ from each other so that channel mixing (a 1×1 conv) has something to show.
public enum SyntheticInput {
    /// The picture `pattern` at `shape`; `seed` chooses the noise, the shapes' places and colours, and the
    /// digit (seed mod 10). Same arguments, same tensor, bit for bit.
    public static func make(_ pattern: SyntheticPattern, shape: Shape, seed: UInt64) -> Tensor {
        guard shape.channels > 0, shape.height > 0, shape.width > 0 else {
            return Tensor(shape: shape, data: [])
        }
        switch pattern {
        case .gradient: return gradient(shape)
        case .checkerboard: return checkerboard(shape)
        case .shapes: return shapes(shape, seed: seed)
        case .noise: return noise(shape, seed: seed)
        case .digit: return digit(shape, seed: seed)
        }
    }

    /// Diagonal ramps from 0 to 1 over the picture; channel c runs corner to corner along diagonal c mod 4
    /// (↘, ↙, ↗, ↖), and channels 4 and up repeat their ramp as (c/4 + 1) smooth bands.
    /// A one-row picture is the middle row of the square one.
    static func gradient(_ shape: Shape) -> Tensor {
        var tensor = Tensor(shape: shape)
        let (w, h) = (shape.width, shape.height)
        for c in 0..<shape.channels {
            let bands = Double(c / 4 + 1)
            for y in 0..<h {
                let v = h == 1 ? 0.5 : Double(y) / Double(h - 1)
                for x in 0..<w {
                    let u = w == 1 ? 0.5 : Double(x) / Double(w - 1)
                    let ramp: Double
                    switch c % 4 {
                    case 0: ramp = (u + v) / 2  // 0 at top-left, 1 at bottom-right
                    case 1: ramp = (1 - u + v) / 2  // 0 at top-right, 1 at bottom-left
                    case 2: ramp = (u + 1 - v) / 2  // 0 at bottom-left, 1 at top-right
                    default: ramp = (2 - u - v) / 2  // 0 at bottom-right, 1 at top-left
                    }
                    let value = bands == 1 ? ramp : 0.5 - 0.5 * cos(Double.pi * bands * ramp)
                    tensor[c, y, x] = Float(value)
                }
            }
        }
        return tensor
    }

    /// The cell side of channel 0: an eighth of the shorter side (of the width for a one-row picture), at least 1.
    static func checkerCell(_ shape: Shape) -> Int {
        let side = shape.height == 1 ? shape.width : min(shape.height, shape.width)
        return max(1, Int((Double(side) / 8).rounded()))
    }

    /// Black (0) and white (1) cells with white at the top-left; odd channels are inverted and channel c's
    /// cells are (c/2 + 1) times the base cell, so channels differ.
    static func checkerboard(_ shape: Shape) -> Tensor {
        var tensor = Tensor(shape: shape)
        let base = checkerCell(shape)
        for c in 0..<shape.channels {
            let cell = base * (c / 2 + 1)
            let inverted = c % 2 == 1
            for y in 0..<shape.height {
                for x in 0..<shape.width {
                    let white = ((x / cell + y / cell) % 2 == 0) != inverted
                    tensor[c, y, x] = white ? 1 : 0
                }
            }
        }
        return tensor
    }

    /// Uniform noise in [0, 1), one draw per element in `C×H×W` order.
    static func noise(_ shape: Shape, seed: UInt64) -> Tensor {
        var random = SplitMix64(seed: seed)
        return Tensor(shape: shape, data: (0..<shape.elementCount).map { _ in random.nextUnit() })
    }

    /// One filled figure of the `shapes` picture, in pixel coordinates.
    struct Figure {
        enum Kind { case circle, rectangle, triangle }
        var kind: Kind
        var centreX: Double, centreY: Double
        var radius: Double
        /// Rectangle half-sides as multiples of `radius`; the triangle's rotation in radians.
        var aspectX: Double, aspectY: Double, rotation: Double
        /// One value per channel.
        var colour: [Float]

        func contains(_ px: Double, _ py: Double) -> Bool {
            let dx = px - centreX, dy = py - centreY
            switch kind {
            case .circle:
                return dx * dx + dy * dy <= radius * radius
            case .rectangle:
                return abs(dx) <= radius * aspectX && abs(dy) <= radius * aspectY
            case .triangle:
                let corners = (0..<3).map { k -> (Double, Double) in
                    let angle = rotation + Double(k) * 2 * Double.pi / 3
                    return (centreX + radius * cos(angle), centreY + radius * sin(angle))
                }
                func side(_ a: (Double, Double), _ b: (Double, Double)) -> Double {
                    (b.0 - a.0) * (py - a.1) - (b.1 - a.1) * (px - a.0)
                }
                let s0 = side(corners[0], corners[1]), s1 = side(corners[1], corners[2]), s2 = side(corners[2], corners[0])
                return (s0 >= 0 && s1 >= 0 && s2 >= 0) || (s0 <= 0 && s1 <= 0 && s2 <= 0)
            }
        }
    }

    /// The figures of the `shapes` picture: a circle, a rectangle, a triangle and one to three more of a
    /// seeded kind, each in its own seeded cell of a 3×3 grid (a row of cells for a one-row picture) with a
    /// seeded size and per-channel colours in [0.35, 1]. The layout does not depend on the channel count.
    static func figures(_ shape: Shape, seed: UInt64) -> [Figure] {
        var random = SplitMix64(seed: seed)
        var colours = SplitMix64(seed: seed ^ 0x5EED_C010_0125_A11E)
        let (w, h) = (Double(shape.width), Double(shape.height))
        let count = 4 + Int(random.next() % 3)
        let oneRow = shape.height == 1
        let (columns, rows) = oneRow ? (count, 1) : (3, 3)
        var cells = Array(0..<(columns * rows))
        for i in stride(from: cells.count - 1, to: 0, by: -1) { cells.swapAt(i, Int(random.next() % UInt64(i + 1))) }
        let cellWidth = w / Double(columns), cellHeight = h / Double(rows)
        let halfCell = (oneRow ? cellWidth : min(cellWidth, cellHeight)) / 2
        let kinds: [Figure.Kind] = [.circle, .rectangle, .triangle]
        return (0..<count).map { i in
            let kind = i < 3 ? kinds[i] : kinds[Int(random.next() % 3)]
            let column = cells[i] % columns, row = cells[i] / columns
            let jitterX = random.nextUnit(in: -0.2...0.2), jitterY = random.nextUnit(in: -0.2...0.2)
            return Figure(
                kind: kind,
                centreX: (Double(column) + 0.5 + jitterX) * cellWidth,
                centreY: oneRow ? 0.5 : (Double(row) + 0.5 + jitterY) * cellHeight,
                radius: random.nextUnit(in: 0.8...1.3) * halfCell,
                aspectX: random.nextUnit(in: 0.6...1.1), aspectY: random.nextUnit(in: 0.6...1.1),
                rotation: random.nextUnit(in: 0...(2 * Double.pi)),
                colour: (0..<shape.channels).map { _ in Float(colours.nextUnit(in: 0.35...1)) })
        }
    }

    /// The background value of channel c in the `shapes` picture (0.05, 0.15, 0.25, repeating).
    static func shapesBackground(channel c: Int) -> Float { 0.05 + 0.1 * Float(c % 3) }

    /// Filled circles, rectangles and triangles on a dark background; later figures cover earlier ones.
    static func shapes(_ shape: Shape, seed: UInt64) -> Tensor {
        var tensor = Tensor(shape: shape)
        let figures = figures(shape, seed: seed)
        for y in 0..<shape.height {
            for x in 0..<shape.width {
                let top = figures.last { $0.contains(Double(x) + 0.5, Double(y) + 0.5) }
                for c in 0..<shape.channels {
                    tensor[c, y, x] = top?.colour[c] ?? shapesBackground(channel: c)
                }
            }
        }
        return tensor
    }

    /// Pen strokes (polylines) of the digits 0–9 in a unit box, x to the right and y downwards.
    static func digitStrokes(_ digit: Int) -> [[(x: Double, y: Double)]] {
        // An elliptical arc through `from`…`to` degrees (0° right, 90° down), as a polyline.
        func arc(_ cx: Double, _ cy: Double, _ rx: Double, _ ry: Double, _ from: Double, _ to: Double)
            -> [(x: Double, y: Double)]
        {
            let steps = max(4, Int(abs(to - from) / 15))
            return (0...steps).map { k in
                let angle = (from + (to - from) * Double(k) / Double(steps)) * Double.pi / 180
                return (cx + rx * cos(angle), cy + ry * sin(angle))
            }
        }
        switch digit {
        case 0: return [arc(0.5, 0.5, 0.36, 0.46, -100, 265)]
        case 1: return [[(0.28, 0.24), (0.56, 0.04), (0.56, 0.96)]]
        case 2: return [arc(0.5, 0.3, 0.34, 0.25, 200, 380) + [(0.1, 0.95), (0.92, 0.95)]]
        case 3: return [arc(0.48, 0.28, 0.32, 0.23, 200, 450), arc(0.48, 0.72, 0.36, 0.24, 270, 520)]
        case 4: return [[(0.66, 0.96), (0.66, 0.04), (0.08, 0.66), (0.92, 0.66)]]
        case 5: return [[(0.82, 0.05), (0.26, 0.05), (0.22, 0.46)] + arc(0.5, 0.68, 0.35, 0.27, 225, 510)]
        case 6: return [[(0.74, 0.05), (0.38, 0.32), (0.2, 0.68)], arc(0.5, 0.71, 0.3, 0.24, 180, 540)]
        case 7: return [[(0.08, 0.05), (0.92, 0.05), (0.4, 0.96)]]
        case 8: return [arc(0.5, 0.27, 0.27, 0.22, 0, 360), arc(0.5, 0.72, 0.33, 0.24, 0, 360)]
        default: return [arc(0.5, 0.3, 0.3, 0.25, 0, 360), [(0.8, 0.3), (0.7, 0.96)]]
        }
    }

    /// A handwritten-looking digit (seed mod 10): jittered, slanted pen strokes with soft edges, scaled to
    /// 78 % of the height (of a square for a one-row picture). Channel c mod 3: white ink on black,
    /// dark ink on white, white ink on a faint vertical ramp.
    static func digit(_ shape: Shape, seed: UInt64) -> Tensor {
        var random = SplitMix64(seed: seed)
        let (w, h) = (Double(shape.width), Double(shape.height))
        let canvasHeight = shape.height == 1 ? w : h
        let glyphHeight = 0.78 * canvasHeight
        let glyphWidth = min(0.62 * glyphHeight, 0.9 * w)
        let left = (w - glyphWidth) / 2, top = (canvasHeight - glyphHeight) / 2
        let halfWidth = max(0.6, 0.07 * glyphHeight)

        // Strokes in pixel coordinates, each point nudged and the glyph slanted like a hand would.
        let strokes = digitStrokes(Int(seed % 10)).map { stroke in
            stroke.map { point -> (x: Double, y: Double) in
                let x = point.x + random.nextUnit(in: -0.025...0.025) + (0.5 - point.y) * 0.18
                let y = point.y + random.nextUnit(in: -0.025...0.025)
                return (left + x * glyphWidth, top + y * glyphHeight)
            }
        }
        var tensor = Tensor(shape: shape)
        for y in 0..<shape.height {
            let py = shape.height == 1 ? canvasHeight / 2 : Double(y) + 0.5
            for x in 0..<shape.width {
                let px = Double(x) + 0.5
                var nearest = Double.infinity
                for stroke in strokes {
                    for k in 1..<stroke.count {
                        nearest = min(nearest, distance(px, py, stroke[k - 1], stroke[k]))
                    }
                }
                let ink = Float(min(max(halfWidth - nearest + 0.5, 0), 1))
                let ramp = Float(shape.height == 1 ? 0.5 : Double(y) / max(1, h - 1))
                for c in 0..<shape.channels {
                    switch c % 3 {
                    case 0: tensor[c, y, x] = ink
                    case 1: tensor[c, y, x] = 1 - 0.8 * ink
                    default: tensor[c, y, x] = max(ink, 0.25 * ramp)
                    }
                }
            }
        }
        return tensor
    }

    /// Distance from point (px, py) to the segment a–b.
    static func distance(_ px: Double, _ py: Double, _ a: (x: Double, y: Double), _ b: (x: Double, y: Double)) -> Double {
        let dx = b.x - a.x, dy = b.y - a.y
        let lengthSquared = dx * dx + dy * dy
        let t = lengthSquared == 0 ? 0 : min(max(((px - a.x) * dx + (py - a.y) * dy) / lengthSquared, 0), 1)
        let ex = px - (a.x + t * dx), ey = py - (a.y + t * dy)
        return (ex * ex + ey * ey).squareRoot()
    }
}
