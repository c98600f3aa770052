import ConvEngine
import Foundation

/// What a depthwise conv teaches (MobileNet): with the pointwise 1×1 after it, a separable pair, and what a full
/// conv of the same kernel would cost instead. The numbers come from the engine (`separableComparison`).
func separableLessons(_ session: ForwardSession, path: NodePath) -> [String] {
    guard let c = session.network.separableComparison(at: path, shapes: session.shapes) else { return [] }
    let k = "\(c.kernel.height)×\(c.kernel.width)"
    return [
        "depthwise \(k): one filter per channel",
        "+ the 1×1 after it = separable conv:",
        "\(Format.macs(c.separableMACs)) MACs, \(Format.grouped(c.separableParams)) weights",
        "a full \(k) conv: \(Format.macs(c.fullMACs)) MACs,",
        "\(Format.grouped(c.fullParams)) weights — " + String(format: "%.1f× the MACs", c.macRatio),
    ]
}
