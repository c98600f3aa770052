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

    @Test(arguments: [["--size", "70x20"], ["--size", "wide"], ["--keys", "0"]])
    func refusesImpossibleOptions(_ options: [String]) throws {
        let result = try BinaryRunner.run(["bench-ui", "nin-cifar10"] + options, in: "/")
        #expect(result.status == 2)
        #expect(result.stderr.contains(options[0]), "names the option: \(result.stderr)")
    }
}
