import Foundation
import Testing

/// `convplay compare A B`: the showcase pair in all three formats, and bad arguments refused.
@Suite struct CompareCommandTests {
    @Test func tableNamesBothNetworksMarksTheDifferencesAndGivesTheRatios() throws {
        let result = try BinaryRunner.run(["compare", "inception-3a", "inception-3a-naive", "--runs", "1"], in: "/")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("first:  GoogLeNet inception(3a) · ") && lines[1].hasPrefix("second: GoogLeNet inception(3a), naive · "))
        #expect(lines.contains { $0.hasPrefix("-    3x3_reduce") }, "the reduction is only in the first:\n\(result.stdout)")
        #expect(lines.contains { $0.hasPrefix("~    5x5") })
        // Published totals: 163,696 and 387,296 params; 128,049,152 and 303,464,448 MACs.
        let total = try #require(lines.first { $0.hasPrefix("   total") })
        for figure in ["163,696", "387,296", "128,049,152", "303,464,448"] { #expect(total.contains(figure), "\(total)") }
        #expect(lines.contains { $0.hasPrefix("second / first: params 2.37× · MACs 2.37× · memory 0.91× · time ") })
    }

    @Test func jsonCarriesEveryRowAndTheRatios() throws {
        let result = try BinaryRunner.run(["compare", "inception-3a", "inception-3a-naive", "--format", "json", "--runs", "0"], in: "/")
        #expect(result.status == 0, "\(result.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let rows = try #require(root["rows"] as? [[String: Any]])
        #expect(rows.count == 14)
        #expect(rows.filter { $0["change"] as? String == "removed" }.count == 6)
        #expect(rows.allSatisfy { $0["second"] is NSNull || ($0["second"] as? [String: Any])?["ms"] is NSNull })
        let ratios = try #require(root["ratios"] as? [String: Double])
        #expect(abs(ratios["params"]! - 387_296.0 / 163_696.0) < 1e-3 && ratios["time"] == nil)
        #expect((root["first"] as? [String: Any])?["params"] as? Int == 163_696)
    }

    @Test func markdownIsATable() throws {
        let result = try BinaryRunner.run(["compare", "nin-cifar10", "nin-cifar10", "--format", "md", "--runs", "0"], in: "/")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines[0].hasPrefix("| | node | params (1st) | params (2nd) |"))
        #expect(lines[1].hasPrefix("|---|---|---:|"))
        #expect(lines.contains { $0.hasPrefix("| | **total** | 966,986 | **966,986** |") })
        #expect(result.stdout.contains("second / first: params 1.00× · MACs 1.00× · memory 1.00×"))
    }

    @Test(arguments: [
        (["compare", "inception-3a", "inception-3a-naive", "--runs", "-1"], "--runs"),
        (["compare", "inception-3a", "inception-3a-naive", "--format", "xml"], "--format"),
        (["compare", "inception-3a", "no-such-preset"], "no-such-preset"),
    ])
    func badArgumentsAreRefusedWithTheReason(_ c: ([String], String)) throws {
        let result = try BinaryRunner.run(c.0, in: "/")
        #expect(result.status == 2)
        #expect(result.stderr.contains(c.1), "\(result.stderr)")
    }
}
