import ConvEngine
import ConvPlayTUI
import Foundation

extension TrainingBenchError: UserFacingError {}

extension BenchUI {
    /// `bench-ui PRESET --training`: key → frame in the training view while the run trains on its own thread
    /// (both cores busy with it), one key every 20 ms; the training reports that arrived are taken in first, as
    /// the playground's input loop does.
    func runTraining(_ playground: PlaygroundPreset, size screenSize: Size, keys: Int) throws {
        let source = playground.network.trainingData ?? .digits
        let result = try timeTrainingKeys(playground, source: source, size: screenSize, keys: keys)
        print(
            "\(playground.network.name) · training on \(source) · key → frame (reports taken in + reduce + render) at "
                + "\(screenSize.columns)×\(screenSize.rows) · \(keys) keys while \(result.steps) batches trained in "
                + "\(formatFixed(result.seconds, digits: 1)) s")
        print(
            "key".padding(toLength: 8, withPad: " ", startingAt: 0) + leftPad("count", 6) + leftPad("min ms", 9) + leftPad("median", 9)
                + leftPad("p95", 9) + leftPad("p99", 9) + leftPad("max ms", 9))
        var order: [String] = []
        for timing in result.keys where !order.contains(timing.key) { order.append(timing.key) }
        for name in order + ["all"] {
            let sorted = result.keys.filter { name == "all" || $0.key == name }.map(\.milliseconds).sorted()
            print(
                name.padding(toLength: 8, withPad: " ", startingAt: 0) + leftPad("\(sorted.count)", 6)
                    + leftPad(formatFixed(sorted.first!, digits: 2), 9) + leftPad(formatFixed(Self.percentile(sorted, 0.5), digits: 2), 9)
                    + leftPad(formatFixed(Self.percentile(sorted, 0.95), digits: 2), 9)
                    + leftPad(formatFixed(Self.percentile(sorted, 0.99), digits: 2), 9) + leftPad(formatFixed(sorted.last!, digits: 2), 9))
        }
        let cpu = result.keys.map(\.cpuMilliseconds).sorted()
        print(
            "UI thread CPU per key: median \(formatFixed(Self.percentile(cpu, 0.5), digits: 2)) ms, p99 "
                + "\(formatFixed(Self.percentile(cpu, 0.99), digits: 2)) ms · reports taken in per key: "
                + "\(formatFixed(Double(result.keys.map(\.reports).reduce(0, +)) / Double(max(result.keys.count, 1)), digits: 2))")
        let over = result.keys.filter { $0.milliseconds > Self.budgetMs }.count
        print(
            "frame budget \(formatFixed(Self.budgetMs, digits: 0)) ms: \(over) of \(result.keys.count) frames over "
                + "(\(formatFixed(100 * Double(over) / Double(result.keys.count), digits: 1)) %)")
    }
}
