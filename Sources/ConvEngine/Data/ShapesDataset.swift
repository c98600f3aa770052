import Foundation

extension Dataset {
    /// The synthetic shapes' classes, by label.
    public static let shapeClasses = ["circle", "square", "triangle", "cross", "ring", "bar"]

    /// `count` synthetic images of `shape`, one of `shapeClasses` each (label i mod 6): a figure of random size,
    /// position and turn, lighter or darker than a random background by a random contrast, under pixel noise
    /// of up to a fifth of the range. Image i is drawn from
    /// its own generator seeded by `seed` and i, so any size and any seed give a reproducible set.
    public static func shapes(shape: Shape, count: Int, seed: UInt64, cap: Int) throws(DataError) -> Dataset {
        let size = try DataFile.product([count, shape.elementCount], path: "shapes:\(count)", field: "the image count", cap: cap)
        var pixels = [UInt8](repeating: 0, count: size)
        pixels.withUnsafeMutableBufferPointer { buffer in
            Kernels.forEachRange(count: count) { images in
                for i in images {
                    var rng = SplitMix64(seed: seed ^ (UInt64(i) &* 0xD1B5_4A32_D192_ED03))
                    let image = drawShape(i % shapeClasses.count, shape: shape, rng: &rng)
                    for (k, value) in image.enumerated() {
                        buffer[i * shape.elementCount + k] = UInt8((min(max(value, 0), 1) * 255).rounded())
                    }
                }
            }
        }
        return Dataset(
            source: "shapes", shape: shape, classNames: shapeClasses, pixels: pixels, labels: (0..<count).map { $0 % shapeClasses.count },
            scale: 1 / 255)
    }

    /// A training set of `count` shapes and a held-out set of a fifth as many, drawn from different seeds.
    public static func shapes(shape: Shape, count: Int, seed: UInt64, cap: Int) throws(DataError) -> DataSplit {
        let training: Dataset = try shapes(shape: shape, count: count, seed: seed, cap: cap)
        let heldOut = max(count / 5, 1)
        // Checked against what the training images left of the cap before a held-out image is drawn.
        _ = try DataFile.product(
            [heldOut, shape.elementCount], path: "shapes:\(count)", field: "the image count", cap: cap, used: training.bytes)
        return DataSplit(training: training, heldOut: try shapes(shape: shape, count: heldOut, seed: ~seed, cap: cap) as Dataset)
    }

    /// One image of figure `kind`, (C, H, W) values in about [0, 1]; each pixel averages 2×2 samples.
    static func drawShape(_ kind: Int, shape: Shape, rng: inout SplitMix64) -> [Float] {
        let h = Double(shape.height), w = Double(shape.width)
        let radius = min(h, w) * rng.nextUnit(in: 0.22...0.42)
        let cx = rng.nextUnit(in: min(radius, w / 2)...max(w - radius, w / 2))
        let cy = rng.nextUnit(in: min(radius, h / 2)...max(h - radius, h / 2))
        let turn = rng.nextUnit(in: 0...(2 * Double.pi))
        let (cosine, sine) = (cos(turn), sin(turn))
        let background = (0..<shape.channels).map { _ in Float(rng.nextUnit(in: 0.2...0.8)) }
        let contrast = Float(rng.nextUnit(in: 0.25...0.6)) * (rng.next() >> 63 == 0 ? 1 : -1)
        let foreground = background.map { $0 + contrast }
        let noise = Float(rng.nextUnit(in: 0...0.2))
        func inside(_ x: Double, _ y: Double) -> Bool {
            let dx = x - cx, dy = y - cy
            let u = (cosine * dx + sine * dy) / radius, v = (-sine * dx + cosine * dy) / radius
            switch kind {
            case 0: return u * u + v * v <= 1
            case 1: return abs(u) <= 0.75 && abs(v) <= 0.75
            case 2:
                // equilateral, circumradius 1: below the top edge and inside the two sloped sides
                return v >= -0.5 && (3.0.squareRoot() * u + v) <= 1 && (-(3.0.squareRoot()) * u + v) <= 1
            case 3: return (abs(u) <= 0.28 && abs(v) <= 1) || (abs(v) <= 0.28 && abs(u) <= 1)
            case 4: return u * u + v * v <= 1 && u * u + v * v >= 0.36
            default: return abs(u) <= 1 && abs(v) <= 0.25
            }
        }
        var image = [Float](repeating: 0, count: shape.elementCount)
        for y in 0..<shape.height {
            for x in 0..<shape.width {
                var covered = 0
                for sy in [0.25, 0.75] { for sx in [0.25, 0.75] where inside(Double(x) + sx, Double(y) + sy) { covered += 1 } }
                let coverage = Float(covered) / 4
                for c in 0..<shape.channels {
                    let value = background[c] + (foreground[c] - background[c]) * coverage + noise * rng.nextNormal()
                    image[(c * shape.height + y) * shape.width + x] = value
                }
            }
        }
        return image
    }
}
