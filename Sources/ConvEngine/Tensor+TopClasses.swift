/// One class of a classifier's output: its index and its score (a probability after a softmax).
public struct ClassScore: Hashable, Sendable {
    public var index: Int
    public var score: Float
    public init(index: Int, score: Float) {
        self.index = index
        self.score = score
    }
}

extension Tensor {
    /// The `count` highest values of the whole tensor (a classifier's C×1×1 output), highest first; ties keep
    /// the lower index first. NaN never ranks.
    public func topClasses(_ count: Int) -> [ClassScore] {
        var best: [ClassScore] = []
        guard count > 0 else { return best }
        for (index, score) in data.enumerated() where !score.isNaN {
            guard best.count < count || score > best[best.count - 1].score else { continue }
            let at = best.firstIndex { score > $0.score } ?? best.count
            best.insert(ClassScore(index: index, score: score), at: at)
            if best.count > count { best.removeLast() }
        }
        return best
    }
}
