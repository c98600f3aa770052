import Foundation

/// Softmax fused with cross-entropy over a batch of class scores: loss = mean over images of
/// −log softmax(z)[label], whose gradient with respect to the scores is (softmax(z) − onehot(label)) / N.
/// Fused, it never forms log(0) and needs no softmax Jacobian.
public enum SoftmaxCrossEntropy {
    /// The loss over a batch and what it says about each image.
    public struct Result: Hashable, Sendable {
        /// Mean cross-entropy over the batch.
        public var loss: Double
        /// The highest-scoring class of each image.
        public var predictions: [Int]
        /// How many predictions equal their label.
        public var correct: Int
    }

    /// Evaluates scores laid out as classes × images, (K, N): score k of image n at k·N + n. Writes the gradient
    /// with respect to the scores (same layout) when `gradient` is given; `labels` must be in 0 ..< classes.
    public static func evaluate(
        scores: UnsafePointer<Float>, classes: Int, batch: Int, labels: [Int], gradient: UnsafeMutablePointer<Float>? = nil
    ) -> Result {
        // scores (K, N), labels (N) -> loss, ∂scores (K, N)
        precondition(labels.count == batch, "\(labels.count) labels for a batch of \(batch)")
        var total = 0.0, correct = 0
        var predictions = [Int](repeating: 0, count: batch)
        for n in 0..<batch {
            var best = 0
            for k in 1..<max(classes, 1) where scores[k * batch + n] > scores[best * batch + n] { best = k }
            let top = Double(scores[best * batch + n])
            var sum = 0.0
            for k in 0..<classes { sum += exp(Double(scores[k * batch + n]) - top) }
            let label = labels[n]
            total += log(sum) + top - Double(scores[label * batch + n])
            predictions[n] = best
            if best == label { correct += 1 }
            if let gradient {
                for k in 0..<classes {
                    let probability = exp(Double(scores[k * batch + n]) - top) / sum
                    gradient[k * batch + n] = Float((probability - (k == label ? 1 : 0)) / Double(batch))
                }
            }
        }
        return Result(loss: total / Double(max(batch, 1)), predictions: predictions, correct: correct)
    }
}
