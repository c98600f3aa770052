extension ForwardSession {
    /// The median time of every node over `runs` complete forward passes, after one warm-up pass that resolves
    /// the parameters; in milliseconds, by path. Leaves the session complete.
    public mutating func timePerNode(runs: Int) -> [NodePath: Double] {
        let clock = ContinuousClock()
        var samples = [[Double]](repeating: [], count: order.count)
        for run in 0...max(1, runs) {
            reset()
            for i in order.indices {
                let elapsed = clock.measure { stepForward() }
                if run > 0 { samples[i].append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3) }
            }
        }
        var times: [NodePath: Double] = [:]
        for (i, path) in order.enumerated() {
            let sorted = samples[i].sorted()
            let middle = sorted.count / 2
            times[path] = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
        return times
    }
}
