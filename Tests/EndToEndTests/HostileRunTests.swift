import Foundation
import Testing

/// Inputs that are valid but hostile: the run completes (exit 0) and says what happened instead of trapping,
/// and a dump that fails part-way leaves nothing half-written.
@Suite(.serialized)
struct HostileRunTests {
    @Test func versionIsOneLine() throws {
        let result = try BinaryRunner.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout == "convplay 0.1.0 (presets format 1, ONNX opset 14)\n")
    }

    /// Weights of 1e19 and 3e38 overflow Float within two layers: the statistics say inf and nan, the run names
    /// the first node that produced one, and nothing traps formatting them.
    @Test(arguments: ["1e19", "3e38"])
    func hugeWeightsAreReportedNotTrapped(_ weight: String) throws {
        try BinaryRunner.withTemporaryDirectory { dir in
            let json =
                #"{"format": 1, "name": "huge", "input": {"shape": [1, 2, 2]}, "layers": ["#
                + #"{"type": "conv", "out": 1, "kernel": 1, "weights": [\#(weight)], "bias": false}, "#
                + #"{"type": "conv", "out": 1, "kernel": 1, "weights": [\#(weight)], "bias": false}, "#
                + #"{"type": "conv", "out": 1, "kernel": 1, "weights": [\#(weight)], "bias": false}, {"type": "relu"}]}"#
            try json.write(toFile: dir + "/huge.json", atomically: true, encoding: .utf8)
            let result = try BinaryRunner.run(["run", dir + "/huge.json"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.isEmpty)
            // The 2×2 gradient input is 0, 0.5, 0.5, 1: 1e19 gives at most 1e38 at conv2 (finite) and inf at conv3;
            // 3e38 gives inf at conv2. The zero stays zero.
            let first = weight == "1e19" ? "layers[2] (conv3)" : "layers[1] (conv2)"
            #expect(result.stdout.contains("non-finite values: \(first): first to produce inf or NaN (3 of 4 values)"), "\(result.stdout)")
            #expect(result.stdout.contains("inf"))
        }
    }

    /// NaN weights read from a `.npy` file run to the end and are named.
    @Test func nanWeightsFromAFolder() throws {
        try BinaryRunner.withTemporaryDirectory { dir in
            let plain =
                #"{"format": 1, "name": "n", "input": {"shape": [1, 3, 3]}, "layers": [{"type": "conv", "out": 1, "kernel": 1}, {"type": "relu"}]}"#
            try plain.write(toFile: dir + "/plain.json", atomically: true, encoding: .utf8)
            #expect(try BinaryRunner.run(["run", dir + "/plain.json", "--dump", dir + "/w"]).status == 0)
            try Data(BadInputTests.npy(shape: [1, 1, 1, 1], values: [.nan])).write(to: URL(fileURLWithPath: dir + "/w/layers_0.weight.npy"))
            let loaded = plain.replacingOccurrences(of: #""name": "n", "#, with: #""name": "n", "init": {"weights": "w"}, "#)
            try loaded.write(toFile: dir + "/nan.json", atomically: true, encoding: .utf8)
            let result = try BinaryRunner.run(["run", dir + "/nan.json"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(
                result.stdout.contains("non-finite values: layers[0] (conv1): first to produce inf or NaN (9 of 9 values)"),
                "\(result.stdout)")
            #expect(result.stdout.contains("nan"))
        }
    }

    /// A dump that cannot finish (the file size limit stops it part-way) leaves the earlier dump as it was and
    /// no temporary file or folder behind.
    @Test func failedDumpLeavesTheOldOneWhole() throws {
        try BinaryRunner.withTemporaryDirectory { dir in
            #expect(try BinaryRunner.run(["run", "one-by-one", "--dump", dir + "/dump"]).status == 0)
            let before = try FileManager.default.contentsOfDirectory(atPath: dir + "/dump").sorted()
            let manifest = try Data(contentsOf: URL(fileURLWithPath: dir + "/dump/manifest.json"))
            // nin-cifar10's first activation is 786 KB: past a 256 KiB file size limit (SIGXFSZ ignored, so write fails).
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/bash")
            shell.arguments = [
                "-c", "trap '' XFSZ; ulimit -f 256; exec \"$0\" run nin-cifar10 --dump \"$1\"", BinaryRunner.binaryPath, dir + "/dump",
            ]
            let errors = Pipe()
            shell.standardError = errors
            shell.standardOutput = FileHandle.nullDevice
            try shell.run()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            shell.waitUntilExit()
            #expect(shell.terminationStatus == 2)
            #expect(message == "convplay: cannot write \(dir)/dump: File too large — check that the folder exists and is writable\n")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/dump").sorted() == before)
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/dump/manifest.json")) == manifest)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["dump"], "no temporary files left")
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    /// The issue's example of LRN drift, end to end: batch norm shifts channel 0 to 30000.3 and channel 1 to 0.8,
    /// then an LRN of size 1 and alpha 1 must give 0.8 / (1 + 0.8²)^0.75 = 0.5520 for channel 1 (a running sum of
    /// squares in float32 gave 0.8, the large channel's square cancelling the small one's).
    @Test func lrnAfterAHugeChannelIsExact() throws {
        try BinaryRunner.withTemporaryDirectory { dir in
            let json =
                #"{"format": 1, "name": "lrn drift", "input": {"shape": [2, 1, 1]}, "layers": ["#
                + #"{"type": "batchnorm", "mean": [0, 0], "var": [1, 1], "scale": [0, 0], "shift": [30000.3, 0.8]}, "#
                + #"{"type": "lrn", "size": 1, "alpha": 1}]}"#
            try json.write(toFile: dir + "/lrn.json", atomically: true, encoding: .utf8)
            let result = try BinaryRunner.run(["run", dir + "/lrn.json"])
            #expect(result.status == 0, "\(result.stderr)")
            let row = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("layers[1]") })
            // min is channel 0: 30000.3 / (1 + 30000.3²)^0.75 = 0.0057735; max is channel 1.
            let expectedMax = 0.8 / pow(1 + 0.8 * 0.8, 0.75)
            let expectedMin = 30000.3 / pow(1 + 30000.3 * 30000.3, 0.75)
            let cells = row.split(separator: " ").compactMap { Double($0) }
            #expect(abs(cells[0] - expectedMin) < 1e-4 && abs(cells[1] - expectedMax) < 1e-4, "\(row)")
        }
    }
}
