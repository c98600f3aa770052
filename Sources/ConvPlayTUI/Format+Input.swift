import ConvEngine

extension Format {
    /// The input row's text: "synthetic shapes", "synthetic noise seed 3", or the image's path.
    static func source(_ source: InputSource) -> String {
        switch source {
        case .synthetic(let pattern, let seed): return "synthetic \(pattern.rawValue)" + (seed == 0 ? "" : " seed \(seed)")
        case .image(let path): return path
        }
    }
}
