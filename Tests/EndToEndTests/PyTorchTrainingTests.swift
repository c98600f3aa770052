import Foundation
import Testing

/// `export --pytorch`'s `train.py` run as its README says — `torchrun --standalone --nproc_per_node=2 train.py
/// --epochs 1`, two processes on CPU with gloo, in the test venv — and its weights brought back: `convplay evaluate`
/// on the exported `preset.json` measures the held-out accuracy `train.py` printed.
@Suite(.serialized)
struct PyTorchTrainingTests {
    /// The test venv's `torchrun`: beside `$CONVPLAY_PYTHON`, else in `<package root>/.venv/bin`; nil (after
    /// recording a failure) when there is none.
    static func torchrun() -> String? {
        var candidates: [String] = []
        if let python = ProcessInfo.processInfo.environment["CONVPLAY_PYTHON"], !python.isEmpty {
            candidates.append((python as NSString).deletingLastPathComponent + "/torchrun")
        }
        candidates.append(BinaryRunner.packageRoot.path + "/.venv/bin/torchrun")
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        Issue.record(
            "no torchrun: tried \(candidates.joined(separator: ", ")). Run `make test` (it creates .venv with torch), or set CONVPLAY_PYTHON."
        )
        return nil
    }

    /// `(correct, count)` from a line `… held-out accuracy 90.42 % (321/355) …`.
    static func heldOut(_ output: String) -> (correct: Int, count: Int)? {
        guard let line = output.split(separator: "\n").last(where: { $0.contains("held-out accuracy") }),
            let open = line.firstIndex(of: "("), let slash = line[open...].firstIndex(of: "/"),
            let close = line[slash...].firstIndex(of: ")"),
            let correct = Int(line[line.index(after: open)..<slash]), let count = Int(line[line.index(after: slash)..<close])
        else { return nil }
        return (correct, count)
    }

    /// nin-digits (mlpconv, global average pooling) and dense-digits (flatten and a dense head), on their own data
    /// set (the digits `export` writes into `data/`). One epoch of Adam at batch 8 reaches about 90 % here.
    @Test(arguments: ["nin-digits", "dense-digits"])
    func trainPyTrainsWithTorchrunAndItsWeightsComeBack(preset: String) throws {
        guard let torchrun = Self.torchrun() else { return }
        try BinaryRunner.withTemporaryDirectory { root in
            let folder = root + "/export"
            let export = try BinaryRunner.run(["export", preset, "--pytorch", folder])
            try #require(export.status == 0, "\(export.stderr)")
            let before = try #require(Self.heldOut(try BinaryRunner.run(["evaluate", folder + "/preset.json"]).stdout))

            let training = try BinaryRunner.run(
                executable: torchrun,
                [
                    "--standalone", "--nproc_per_node=2", "train.py", "--epochs", "1", "--batch", "8", "--optimizer", "adam", "--lr",
                    "0.002",
                ],
                // torchrun keeps its workers' logs in a new $TMPDIR/torchelastic_* folder and never removes it, and
                // torch leaves files in TMPDIR: here that is inside the test's folder, removed with it.
                in: folder, environment: ["TMPDIR": root])
            print(training.stdout)
            try #require(training.status == 0, "\(training.stdout)\(training.stderr)")
            #expect(training.stdout.contains("2 process(es) (gloo, cpu)") || training.stdout.contains("2 process(es) (nccl, cuda)"))
            let reported = try #require(Self.heldOut(training.stdout), "\(training.stdout)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".partial") }.isEmpty)

            let evaluation = try BinaryRunner.run(["evaluate", folder + "/preset.json"])
            try #require(evaluation.status == 0, "\(evaluation.stderr)")
            let measured = try #require(Self.heldOut(evaluation.stdout), "\(evaluation.stdout)")
            print("[\(preset)] train.py: \(reported.correct)/\(reported.count), convplay: \(measured.correct)/\(measured.count)")
            #expect(measured.count == reported.count && measured.count == 355, "the same held-out split")
            // float32 sums in another order may flip a near tie: at most one held-out image (0.28 points) may differ
            #expect(abs(measured.correct - reported.correct) <= 1)
            #expect(Double(measured.correct) / Double(measured.count) >= 0.6, "well above chance (10 %)")
            #expect(measured.correct > before.correct + 100, "the trained weights came back (before: \(before.correct))")
        }
    }

    /// `train.py` given what a hostile user would give it, run plainly with the venv's python (one process): one
    /// line on stderr beginning with the sentence here, exit status 2, within the time limit (a FIFO is never
    /// waited on), and `weights.safetensors` as it was.
    @Test func trainPyRefusesBadInputInOneLine() throws {
        guard let torchrun = Self.torchrun() else { return }
        let python = (torchrun as NSString).deletingLastPathComponent + "/python"
        try BinaryRunner.withTemporaryDirectory { root in
            let folder = root + "/export"
            let export = try BinaryRunner.run(["export", "dense-digits", "--pytorch", folder])
            try #require(export.status == 0, "\(export.stderr)")
            let weights = try Data(contentsOf: URL(fileURLWithPath: folder + "/weights.safetensors"))
            func idx(_ sizes: [UInt32]) -> Data {
                Data([0, 0, 8, UInt8(sizes.count)] + sizes.flatMap(BadInputTests.bigEndian))
            }
            let fm = FileManager.default
            try fm.createDirectory(atPath: folder + "/fifo-set", withIntermediateDirectories: true)
            try BadInputTests.makeFIFO(folder + "/fifo-set/train-images-idx3-ubyte")
            try BadInputTests.makeFIFO(folder + "/fifo.safetensors")
            try fm.createDirectory(atPath: folder + "/empty-set", withIntermediateDirectories: true)
            for part in ["train", "t10k"] {
                try idx([0, 28, 28]).write(to: URL(fileURLWithPath: folder + "/empty-set/\(part)-images-idx3-ubyte"))
                try idx([0]).write(to: URL(fileURLWithPath: folder + "/empty-set/\(part)-labels-idx1-ubyte"))
            }
            try Data("not a safetensors file".utf8).write(to: URL(fileURLWithPath: folder + "/garbage.safetensors"))
            let cases: [(arguments: [String], message: String)] = [
                (["--data", "mnist:fifo-set"], "train.py: fifo-set/train-images-idx3-ubyte: not a regular file — name a regular file"),
                (
                    ["--data", "mnist:empty-set"],
                    "train.py: --data mnist:empty-set: the training set holds no images — give a data set with images in both sets"
                ),
                (
                    ["--data", "shapes:100000", "--data-cap", "1"],
                    "train.py: shapes:100000: loading it takes 7.3 MiB, over the 1.0 MiB data-set cap — use a smaller set or raise --data-cap"
                ),
                (
                    ["--data", "shapes:10"],
                    "train.py: Dense-head digits scores 10 classes but shapes:10 has 6 — pick a preset whose last layer has 6 outputs"
                ),
                (["--weights", "fifo.safetensors"], "train.py: fifo.safetensors: not a regular file — name a regular file"),
                (["--weights", "garbage.safetensors"], "train.py: garbage.safetensors: not the state_dict of Dense-head digits ("),
                (["--lr", "1e30", "--epochs", "1"], "train.py: the loss became nan at step "),
            ]
            for c in cases {
                let result = try BinaryRunner.run(
                    executable: python, ["train.py"] + c.arguments, in: folder, environment: ["TMPDIR": root], timeout: 120)
                #expect(!result.timedOut, "\(c.arguments) hung")
                #expect(result.status == 2, "\(c.arguments): exit \(result.status): \(result.stderr)")
                #expect(
                    result.stderr.hasPrefix(c.message) && result.stderr.split(separator: "\n").count == 1,
                    "\(c.arguments): \(result.stderr)")
                #expect(
                    try Data(contentsOf: URL(fileURLWithPath: folder + "/weights.safetensors")) == weights, "\(c.arguments): weights kept")
            }
        }
    }

    @Test func evaluateWithoutADataSetSaysWhatToGive() throws {
        let result = try BinaryRunner.run(["evaluate", "nin-cifar10"])
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "convplay: nin-cifar10 names no data set — give --data digits, shapes[:COUNT], mnist:DIR, cifar10:DIR or folder:DIR\n")
    }
}
