import Foundation

/// Turns an image file (PGM, PPM or PNG) into an input tensor of any shape: 1 channel gives BT.601
/// luminance, 3 give RGB; the picture is scaled to cover `H×W` (aspect kept) and centre-cropped. Values in [0, 1].
public enum ImageInput {
    /// Reads the image at `path` and fits it to `shape`. Errors name the path and say what to change. The
    /// file and its decoded pixels must each fit in `memoryCap` bytes; both are checked before they are made.
    public static func load(path: String, shape: Shape, memoryCap: Int = defaultMemoryCap) throws(InputError) -> Tensor {
        guard shape.channels >= 1, shape.height >= 1, shape.width >= 1 else {
            throw .invalidShape(path: path, shape: shape)
        }
        guard shape.channels == 1 || shape.channels == 3 else {
            throw .unsupportedChannels(path: path, channels: shape.channels)
        }
        let image = try decode(try readBytes(path: path, limit: memoryCap), path: path, memoryCap: memoryCap)
        return fit(image, to: shape)
    }

    /// The file's bytes (a regular file of at most `limit` bytes), or the error saying why there are none.
    static func readBytes(path: String, limit: Int) throws(InputError) -> [UInt8] {
        do { return try FileReader.contents(of: path, limit: limit) } catch {
            switch error {
            case .notFound: throw .fileNotFound(path: path)
            case let .tooLarge(bytes, limit): throw .overMemoryCap(path: path, what: "the file", bytes: bytes, cap: limit)
            default: throw .unreadable(path: path, reason: error.description)
            }
        }
    }

    /// Decodes bytes in whichever supported format they start with, refusing an image whose header promises
    /// more pixels than `memoryCap` bytes can decode before any pixel memory is allocated.
    public static func decode(_ bytes: [UInt8], path: String, memoryCap: Int = defaultMemoryCap) throws(InputError) -> DecodedImage {
        switch ImageFormat(magic: bytes) {
        case .png: return try PNGFile.decode(bytes, path: path, memoryCap: memoryCap)
        case .netpbm: return try Netpbm.decode(bytes, path: path, memoryCap: memoryCap)
        case nil: throw .unsupportedFormat(path: path, magic: describeMagic(bytes))
        }
    }

    /// Converts channels (grey ↔ RGB) and resamples to `shape` (channels 1 or 3).
    static func fit(_ image: DecodedImage, to shape: Shape) -> Tensor {
        let planes = channelPlanes(image, channels: shape.channels)
        let scale = coverScale(image, shape)
        let rows = Resampling.weights(source: image.height, target: shape.height, scale: scale)
        let columns = Resampling.weights(source: image.width, target: shape.width, scale: scale)
        var tensor = Tensor(shape: shape)
        for (c, plane) in planes.enumerated() {
            let resized = Resampling.apply(
                plane, width: image.width, height: image.height,
                rows: rows, columns: columns)
            tensor.data.replaceSubrange((c * shape.planeSize)..<((c + 1) * shape.planeSize), with: resized)
        }
        return tensor
    }

    /// Output pixels per source pixel so the picture covers the target on both axes.
    static func coverScale(_ image: DecodedImage, _ shape: Shape) -> Double {
        max(Double(shape.height) / Double(image.height), Double(shape.width) / Double(image.width))
    }

    /// The image as `channels` planes of `H·W`: luminance (BT.601: 0.299 R + 0.587 G + 0.114 B) for 1,
    /// RGB for 3 (a grey image repeated).
    static func channelPlanes(_ image: DecodedImage, channels: Int) -> [[Float]] {
        let count = image.width * image.height
        if channels == 1 {
            if image.channels == 1 { return [image.samples] }
            return [
                (0..<count).map { i in
                    0.299 * image.samples[3 * i] + 0.587 * image.samples[3 * i + 1] + 0.114 * image.samples[3 * i + 2]
                }
            ]
        }
        if image.channels == 1 { return [image.samples, image.samples, image.samples] }
        return (0..<3).map { c in (0..<count).map { i in image.samples[3 * i + c] } }
    }
}

/// Separable resampling by weight tables: area averaging when shrinking, bilinear when enlarging.
enum Resampling {
    /// One output index's sources and their weights (summing to 1).
    typealias Taps = [(index: Int, weight: Float)]

    /// Taps for each of `target` outputs along an axis of `source` samples scaled by `scale` (output per
    /// source) and centred: output i covers source span [o + i/scale, o + (i+1)/scale), o = (source − target/scale)/2.
    static func weights(source: Int, target: Int, scale: Double) -> [Taps] {
        let footprint = 1 / scale
        let origin = (Double(source) - Double(target) * footprint) / 2
        return (0..<target).map { i in
            let start = origin + Double(i) * footprint, end = start + footprint
            if footprint >= 1 {
                // Area: every source pixel weighted by how much of it the span covers.
                var taps: Taps = []
                var total: Double = 0
                let first = max(0, Int(start.rounded(.down))), last = min(source - 1, Int(end.rounded(.up)) - 1)
                if first <= last {
                    for s in first...last {
                        let overlap = min(end, Double(s + 1)) - max(start, Double(s))
                        if overlap > 1e-9 {
                            taps.append((s, Float(overlap)))
                            total += overlap
                        }
                    }
                }
                if taps.isEmpty { return [(min(max(0, Int(start)), source - 1), 1)] }
                return taps.map { ($0.index, $0.weight / Float(total)) }
            }
            // Bilinear: sample at the span's centre in pixel-centre coordinates, edges clamped.
            let centre = min(max((start + end) / 2 - 0.5, 0), Double(source - 1))
            let lower = Int(centre.rounded(.down)), upper = min(lower + 1, source - 1)
            let t = Float(centre - Double(lower))
            if t == 0 || lower == upper { return [(lower, 1)] }
            return [(lower, 1 - t), (upper, t)]
        }
    }

    // plane (H, W) -> rows then columns -> (rows.count, columns.count)
    static func apply(_ plane: [Float], width: Int, height: Int, rows: [Taps], columns: [Taps]) -> [Float] {
        var horizontal = [Float](repeating: 0, count: height * columns.count)
        for y in 0..<height {
            for (x, taps) in columns.enumerated() {
                var sum: Float = 0
                for tap in taps { sum += tap.weight * plane[y * width + tap.index] }
                horizontal[y * columns.count + x] = sum
            }
        }
        var output = [Float](repeating: 0, count: rows.count * columns.count)
        for (y, taps) in rows.enumerated() {
            for x in 0..<columns.count {
                var sum: Float = 0
                for tap in taps { sum += tap.weight * horizontal[tap.index * columns.count + x] }
                output[y * columns.count + x] = min(max(sum, 0), 1)
            }
        }
        return output
    }
}
