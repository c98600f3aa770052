import Foundation
import Testing

/// `convplay bench-ui`: the key-to-frame benchmark runs headless and reports what it timed. Its figures
/// are for people to read; these tests check the command's contract, not the numbers.
struct PlaygroundBenchTests {
    @Test func timesTheRequestedNumberOfKeysAgainstTheBudget() throws {
        let keys = 40
        let result = try BinaryRunner.run(["bench-ui", "nin-cifar10", "--keys", "\(keys)", "--size", "100x30"], in: "/")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("at 100×30") == true, "\(result.stdout)")
        let all = try #require(lines.first { $0.hasPrefix("all") }, "an `all` row:\n\(result.stdout)")
        let fields = all.split(separator: " ")
        #expect(fields.count == 7, "all, count, min, median, p95, p99, max: \(all)")
        #expect(fields.dropFirst().first == "\(keys)")
        let times = fields.dropFirst(2).compactMap { Double($0) }
        #expect(times.count == 5 && times == times.sorted(), "min ≤ median ≤ p95 ≤ p99 ≤ max: \(all)")
        // Every timed key is counted in exactly one per-key row.
        let perKey = lines.drop { !$0.hasPrefix("key") }.dropFirst().prefix { !$0.hasPrefix("all") }
        #expect(perKey.compactMap { Int($0.split(separator: " ")[1]) }.reduce(0, +) == keys, "\(result.stdout)")
        #expect(lines.last?.hasPrefix("frame budget 16 ms:") == true && lines.last?.contains("of \(keys) frames") == true)
    }

    /// `--training`: the training view's keys timed while the run trains; the batches it trained meanwhile are named.
    @Test func timesTheTrainingViewWhileItTrains() throws {
        let keys = 24
        let result = try BinaryRunner.run(["bench-ui", "nin-digits", "--training", "--keys", "\(keys)"], in: "/")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let first = try #require(lines.first)
        #expect(first.hasPrefix("NIN digits · training on digits · key → frame") && first.contains("\(keys) keys while"), "\(first)")
        let trained = try #require(first.range(of: #"while \d+ batches"#, options: .regularExpression).map { first[$0] })
        #expect(Int(trained.split(separator: " ")[1])! > 0, "the run trained while keys were timed: \(first)")
        let all = try #require(lines.first { $0.hasPrefix("all") }, "\(result.stdout)")
        #expect(all.split(separator: " ").dropFirst().first == "\(keys)")
        #expect(lines.contains { $0.hasPrefix("UI thread CPU per key: median") })
        #expect(lines.last?.hasPrefix("frame budget 16 ms:") == true)
    }

    /// A network the data does not fit is refused with the training view's own sentence.
    @Test func refusesTrainingANetworkTheDataDoesNotFit() throws {
        let result = try BinaryRunner.run(["bench-ui", "edges", "--training", "--keys", "5"], in: "/")
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("convplay: Edge detector scores 35532 classes but "), "\(result.stderr)")
        #expect(result.stderr.hasSuffix("has 10 — pick a preset whose last layer has 10 outputs\n"), "\(result.stderr)")
    }

    @Test(arguments: [["--size", "70x20"], ["--size", "wide"], ["--keys", "0"]])
    func refusesImpossibleOptions(_ options: [String]) throws {
        let result = try BinaryRunner.run(["bench-ui", "nin-cifar10"] + options, in: "/")
        #expect(result.status == 2)
        #expect(result.stderr.contains(options[0]), "names the option: \(result.stderr)")
    }
}
