import Foundation
import Testing

/// The command line, driven as a user would: the real binary, its stdout, stderr and exit status.
@Suite(.serialized)
struct CLITests {
    struct Totals: CustomTestStringConvertible, Sendable {
        let preset: String
        let params: Int
        let macs: Int
        var testDescription: String { preset }
    }

    // Published totals (see the Figures tests for their sources): NIN Caffe model zoo, GoogLeNet BVLC deploy,
    // GoogLeNet Table 1 inception(3a), and Fig. 2a's naive module.
    static let totals: [Totals] = [
        Totals(preset: "nin-cifar10", params: 966_986, macs: 222_486_528),
        Totals(preset: "googlenet", params: 6_998_552, macs: 1_582_671_872),
        Totals(preset: "inception-3a", params: 163_696, macs: 128_049_152),
        Totals(preset: "inception-3a-naive", params: 387_296, macs: 303_464_448),
        Totals(preset: "nin-imagenet", params: 7_595_176, macs: 1_100_188_800),
    ]

    @Test(arguments: totals)
    func summaryJSONTotals(_ t: Totals) throws {
        let result = try BinaryRunner.run(["summary", t.preset, "--format", "json"], in: "/")
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["total_params"] as? Int == t.params)
        #expect(json["total_macs"] as? Int == t.macs)
        let nodes = try #require(json["nodes"] as? [[String: Any]])
        for key in ["path", "name", "type", "output", "weights", "biases", "params", "macs"] {
            #expect(nodes.allSatisfy { $0[key] != nil }, "every node has \(key)")
        }
        let summed =
            nodes.filter { ($0["path"] as? String)?.contains("branches") == false && $0["type"] as? String != "parallel" }
            .reduce(0) { $0 + ($1["params"] as! Int) }
            + nodes.filter { ($0["path"] as? String)?.contains("branches") == false && $0["type"] as? String == "parallel" }
            .reduce(0) { $0 + ($1["params"] as! Int) }
        #expect(summed == t.params, "top-level rows add up to the total")
    }

    @Test func summaryTableAndOtherFormats() throws {
        let table = try BinaryRunner.run(["summary", "nin-cifar10"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("966,986 params"))
        #expect(table.stdout.contains("222,486,528 MACs"))
        #expect(table.stdout.contains("conv 5×5/1 p2 → 192"))
        let csv = try BinaryRunner.run(["summary", "nin-cifar10", "--format", "csv"])
        #expect(
            csv.stdout.split(separator: "\n").first
                == "path,name,type,spec,channels,height,width,weights,biases,params,macs,rf_h,rf_w,jump_h,jump_w")
        #expect(csv.stdout.contains("total,,,,10,1,1,"))
        let md = try BinaryRunner.run(["summary", "inception-3a", "--format", "md"])
        #expect(md.stdout.contains("**163,696**"))
    }

    @Test func presetsListsEveryShippedPreset() throws {
        let result = try BinaryRunner.run(["presets"], in: "/tmp")
        #expect(result.status == 0)
        for name in [
            "one-by-one", "mlpconv-1d", "nin-cifar10", "nin-imagenet", "inception-3a", "inception-3a-naive",
            "googlenet", "lateral", "edges", "nin-digits", "dense-digits", "nin-shapes", "plain-shapes", "tiny-inception-shapes",
            "tiny-inception-naive-shapes",
        ] {
            #expect(result.stdout.contains(name), "lists \(name)")
        }
    }

    @Test func runPrintsStatisticsAndDumps() throws {
        try BinaryRunner.withTemporaryDirectory { dir in
            let result = try BinaryRunner.run(["run", "nin-cifar10", "--seed", "3", "--dump", dir])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("cccp6"))
            #expect(result.stdout.contains("forward pass:"))
            #expect(FileManager.default.fileExists(atPath: dir + "/manifest.json"))
            #expect(FileManager.default.fileExists(atPath: dir + "/input.npy"))
        }
    }

    @Test func runIsBitIdenticalAcrossRuns() throws {
        let a = try BinaryRunner.run(["run", "inception-3a", "--seed", "5"])
        let b = try BinaryRunner.run(["run", "inception-3a", "--seed", "5"])
        let strip = { (s: String) in s.split(separator: "\n").filter { !$0.hasPrefix("forward pass") }.joined(separator: "\n") }
        #expect(a.status == 0 && strip(a.stdout) == strip(b.stdout))
        let c = try BinaryRunner.run(["run", "inception-3a", "--seed", "6"])
        #expect(strip(a.stdout) != strip(c.stdout))
    }

    @Test(arguments: ["mlpconv-1d", "nin-cifar10"])
    func verifyMLPConv(_ preset: String) throws {
        let result = try BinaryRunner.run(["verify", preset])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("mlpconv = a small MLP slid over every patch"))
        #expect(result.stdout.contains(" 0 failed"))
        #expect(!result.stdout.contains("✗"))
    }

    @Test func verifyLateralFoldsAndRefuses() throws {
        let result = try BinaryRunner.run(["verify", "lateral"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("W' = (I + Mᵀ)W"))
        #expect(result.stdout.contains("fewer)"))
        #expect(result.stdout.contains("fold refused"))
    }

    @Test func verifyNamesTheDiagonalRescale() throws {
        let result = try BinaryRunner.run(["verify", "one-by-one"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let diagonal = result.stdout.split(separator: "\n").filter { $0.contains("diagonal 1×1 conv") }
        #expect(
            diagonal == [
                "layers[1] (rescale_diagonal): a diagonal 1×1 conv — each output channel is its input channel rescaled (no mixing), "
                    + "16 useful weights of 256"
            ], "\(result.stdout)")
    }

    @Test func verifyInceptionComparesCosts() throws {
        let result = try BinaryRunner.run(["verify", "inception-3a"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("163,696"))
        #expect(result.stdout.contains("387,296"))
        #expect(result.stdout.contains("303,464,448"))
    }

    /// `bench --json` reports what the inference plan holds, computed by hand for mlpconv-1d (input 2×1×16):
    /// conv's output (15 floats, 16 aligned) lives over steps 0–1 and cccp1's (30, 32 aligned) over 1–2, so the
    /// arena is 48 floats = 192 B; cccp2 writes the output (30 floats = 120 B) outside it; the input is 128 B; the
    /// weights are kept packed only, the 5 biases as floats (20 B). Target: 1.5 × (15 parameters · 4 B + the two
    /// largest activations, 128 + 120 B) = 462 B.
    @Test func benchReportsTheInferencePlansMemory() throws {
        let result = try BinaryRunner.run(["bench", "mlpconv-1d", "--runs", "1", "--json"])
        #expect(result.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let memory = json?["memory"] as? [String: Int] ?? [:]
        #expect(memory["arena_bytes"] == 192 && memory["peak_live_bytes"] == 192, "\(memory)")
        #expect(memory["parameter_bytes"] == 20, "\(memory)")
        #expect(memory["plan_bytes"] == 192 + 20 + memory["packed_bytes", default: 0] + 128 + 120, "\(memory)")
        #expect(memory["target_bytes"] == 462, "\(memory)")
        // fused ReLUs take no time of their own
        let nodes = json?["nodes"] as? [[String: Any]] ?? []
        #expect(nodes.filter { ($0["name"] as? String)?.hasPrefix("relu") == true }.allSatisfy { $0["median_ms"] as? Double == 0 })
    }

    /// `bench --isa` caps every kernel thread's instruction set for the run (each one this CPU has, from the
    /// best down), says which micro-kernel ran, and refuses one the CPU lacks with the ones it has.
    @Test func benchRunsAtMostTheInstructionSetNamed() throws {
        let kernels = ["portable": "portable C 6×16", "avx2": "avx2+fma 6×16", "avx512": "avx512 8×32"]
        let best = try BinaryRunner.run(["bench", "--peak", "--threads", "1", "--json"])
        let bestKernel = (try JSONSerialization.jsonObject(with: Data(best.stdout.utf8)) as? [String: Any])?["micro_kernel"] as? String
        let order = ["portable", "avx2", "avx512"]
        let cpu = try #require(order.firstIndex { kernels[$0] == bestKernel }, "\(best.stdout)")
        for isa in order[...cpu] {
            let result = try BinaryRunner.run(["bench", "mlpconv-1d", "--runs", "1", "--threads", "2", "--json", "--isa", isa])
            #expect(result.status == 0, "\(isa): \(result.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            #expect(json?["micro_kernel"] as? String == kernels[isa], "\(isa)")
            let table = try BinaryRunner.run(["bench", "mlpconv-1d", "--runs", "1", "--isa", isa])
            #expect(table.stdout.contains("· \(kernels[isa]!) GEMM ·"), "\(isa): \(table.stdout)")
        }
        for isa in order[(cpu + 1)...] {
            let result = try BinaryRunner.run(["bench", "--peak", "--isa", isa])
            #expect(result.status == 2)
            #expect(result.stderr.contains("--isa \(isa): this CPU's best instruction set is \(order[cpu])"), "\(result.stderr)")
        }
    }

    @Test func helpForEverySubcommand() throws {
        for sub in ["summary", "run", "verify", "presets", "bench", "export", "train", "grad", "experiment", "bench-train"] {
            let result = try BinaryRunner.run([sub, "--help"])
            #expect(result.status == 0, "\(sub) --help")
            #expect(result.stdout.contains("USAGE"), "\(sub) --help prints usage")
        }
    }
}

/// Bad input: one clear sentence on stderr naming what to change, exit status 2, never a trap.
@Suite(.serialized)
struct CLIErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let json: String?
        let arguments: [String]
        let expected: [String]
        var testDescription: String { name }
    }

    static let header = #"{"format": 1, "name": "bad", "input": {"shape": [3, 8, 8]}, "layers": "#

    static let cases: [Case] = [
        Case(name: "missing file", json: nil, arguments: ["summary", "/nonexistent/net.json"], expected: ["/nonexistent/net.json"]),
        Case(name: "unknown shipped name", json: nil, arguments: ["summary", "nin-cifar"], expected: ["nin-cifar", "nin-cifar10"]),
        Case(
            name: "malformed JSON", json: "{\"format\": 1,\n  \"name\": \"x\"\n  \"layers\": []}", arguments: ["summary"],
            expected: ["line 3", "column"]),
        Case(
            name: "unknown layer type", json: header + #"[{"type": "convolution", "out": 4, "kernel": 3}]}"#, arguments: ["summary"],
            expected: ["layers[0].type", "convolution"]),
        Case(
            name: "unknown key", json: header + #"[{"type": "conv", "out": 4, "kernal": 3}]}"#, arguments: ["summary"],
            expected: ["layers[0]", "kernal"]),
        Case(
            name: "wrong type", json: header + #"[{"type": "conv", "out": "four", "kernel": 3}]}"#, arguments: ["summary"],
            expected: ["layers[0].out"]),
        Case(
            name: "zero size", json: header + #"[{"type": "conv", "out": 4, "kernel": 0}]}"#, arguments: ["summary"],
            expected: ["layers[0].kernel"]),
        Case(
            name: "kernel larger than padded input", json: header + #"[{"type": "conv", "out": 4, "kernel": 11}]}"#,
            arguments: ["summary"], expected: ["layers[0]", "kernel 11×11 is larger than its padded input 8×8"]),
        Case(
            name: "channel mismatch at add",
            json: header + #"[{"type": "parallel", "merge": "add", "branches": [[{"type": "conv", "out": 5, "kernel": 1}], []]}]}"#,
            arguments: ["summary"], expected: ["layers[0]", "add needs every branch to have the same shape"]),
        Case(
            name: "concat of different sizes",
            json: header + #"[{"type": "parallel", "branches": [[{"type": "conv", "out": 5, "kernel": 3}], []]}]}"#,
            arguments: ["summary"], expected: ["layers[0]", "concat needs every branch at the same height × width"]),
        Case(
            name: "missing image",
            json: #"{"format": 1, "name": "img", "input": {"shape": [1, 8, 8], "source": {"image": "nowhere.ppm"}}, "layers": []}"#,
            arguments: ["run"], expected: ["nowhere.ppm"]),
        Case(
            name: "unknown instruction set", json: nil, arguments: ["bench", "--peak", "--isa", "sse2"],
            expected: ["--isa sse2: no such instruction set", "portable"]),
        Case(
            name: "memory cap", json: nil, arguments: ["run", "googlenet", "--memory-cap", "16"], expected: ["memory cap", "--memory-cap"]),
        Case(name: "bad input source seed", json: nil, arguments: ["run", "edges", "--input", "noise:x"], expected: ["--input noise:x"]),
        Case(
            name: "dump into an unwritable folder", json: nil, arguments: ["run", "one-by-one", "--dump", "/proc/convplay/dump"],
            expected: ["convplay: cannot write /proc/convplay/dump: "]),
        Case(
            name: "export into an unwritable folder", json: nil, arguments: ["export", "edges", "--onnx", "/proc/convplay/edges.onnx"],
            expected: ["convplay: cannot write /proc/convplay/edges.onnx: "]),
        Case(
            name: "playground without a terminal", json: nil, arguments: ["edges"],
            expected: ["convplay: the playground needs a terminal, but stdin or stdout is not one"]),
        Case(
            name: "playground on an impossible network", json: header + #"[{"type": "conv", "out": 4, "kernel": 11}]}"#,
            arguments: [], expected: ["convplay: layers[0] (conv1): kernel 11×11 is larger than its padded input 8×8"]),
        Case(
            name: "playground with a missing image",
            json: #"{"format": 1, "name": "img", "input": {"shape": [1, 8, 8], "source": {"image": "nowhere.ppm"}}, "layers": []}"#,
            arguments: ["play"], expected: ["bad.json: ", "nowhere.ppm: no such file"]),
    ]

    @Test(arguments: cases)
    func badInput(_ c: Case) throws {
        var arguments = c.arguments
        try BinaryRunner.withTemporaryDirectory { dir in
            if let json = c.json {
                let path = dir + "/bad.json"
                try json.write(toFile: path, atomically: true, encoding: .utf8)
                arguments.append(path)
            }
            let result = try BinaryRunner.run(arguments, in: dir)
            #expect(result.status == 2, "exit status for \(c.name): \(result.status)\n\(result.stderr)")
            for fragment in c.expected {
                #expect(result.stderr.contains(fragment), "stderr names \(fragment): \(result.stderr)")
            }
            #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Backtrace"))
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        }
    }
}

/// A dump folder is also a weights folder: a preset pointing `init.weights` at it reproduces the run exactly,
/// whatever its own seed says.
@Suite(.serialized)
struct WeightsFolderTests {
    @Test func dumpReloadsAsWeights() throws {
        try BinaryRunner.withTemporaryDirectory { dir in
            let dump = try BinaryRunner.run(["run", "inception-3a", "--seed", "21", "--dump", dir + "/w"])
            #expect(dump.status == 0, "\(dump.stderr)")
            let presets = BinaryRunner.packageRoot.appendingPathComponent("presets/inception-3a.json").path
            var text = try String(contentsOfFile: presets, encoding: .utf8)
            let initRange = try #require(text.range(of: #""init": \{[^}]*\}"#, options: .regularExpression))
            text.replaceSubrange(initRange, with: #""init": {"scheme": "he", "seed": 999, "weights": "w"}"#)
            try text.write(toFile: dir + "/reloaded.json", atomically: true, encoding: .utf8)
            let strip = { (s: String) in s.split(separator: "\n").filter { !$0.hasPrefix("forward pass") }.joined(separator: "\n") }
            let original = try BinaryRunner.run(["run", "inception-3a", "--seed", "21"])
            let reloaded = try BinaryRunner.run(["run", dir + "/reloaded.json"])
            #expect(reloaded.status == 0, "\(reloaded.stderr)")
            #expect(strip(original.stdout) == strip(reloaded.stdout))
            let differentSeed = try BinaryRunner.run(["run", "inception-3a", "--seed", "999"])
            #expect(strip(differentSeed.stdout) != strip(reloaded.stdout))
        }
    }

    /// The activations MobileNet needs, end to end: a preset with `clip` (ReLU6) and `hardswish` summarises,
    /// runs, dumps and exports; bounds the wrong way round are refused with the path.
    @Test func clipAndHardSwishThroughEveryCommand() throws {
        try BinaryRunner.withTemporaryDirectory { folder in
            let preset = folder + "/mobile.json"
            try """
            {"format": 1, "name": "mobile bits", "input": {"shape": [3, 8, 8], "source": {"synthetic": "noise", "seed": 3}},
             "layers": [{"type": "conv", "out": 8, "kernel": 3, "pad": 1}, {"type": "clip", "name": "relu6"},
                        {"type": "conv", "out": 8, "kernel": 1}, {"type": "clip", "name": "narrow", "min": -0.5, "max": 0.5},
                        {"type": "hardswish"}]}
            """.write(toFile: preset, atomically: true, encoding: .utf8)
            let summary = try BinaryRunner.run(["summary", preset])
            #expect(summary.status == 0, "\(summary.stderr)")
            for text in ["relu6", "clip -0.5…0.5", "hardswish"] { #expect(summary.stdout.contains(text), "\(text)") }
            let run = try BinaryRunner.run(["run", preset, "--dump", folder + "/dump"])
            #expect(run.status == 0, "\(run.stderr)")
            let manifest = try String(contentsOfFile: folder + "/dump/manifest.json", encoding: .utf8)
            #expect(manifest.contains("\"clip\"") && manifest.contains("\"hardswish\""))
            let export = try BinaryRunner.run(["export", preset, "--onnx", folder + "/mobile.onnx"])
            #expect(export.status == 0, "\(export.stderr)")
            let model = try Data(contentsOf: URL(fileURLWithPath: folder + "/mobile.onnx"))
            #expect(String(decoding: model, as: UTF8.self).contains("HardSwish"))

            try String(contentsOfFile: preset, encoding: .utf8).replacingOccurrences(
                of: "\"min\": -0.5, \"max\": 0.5", with: "\"min\": 1, \"max\": 0.5"
            )
            .write(toFile: preset, atomically: true, encoding: .utf8)
            let wrong = try BinaryRunner.run(["summary", preset])
            #expect(wrong.status == 2)
            #expect(wrong.stderr == "convplay: layers[3].max is 0.5, but it must be at least min (1)\n")
        }
    }
}
