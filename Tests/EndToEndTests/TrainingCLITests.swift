import Foundation
import Testing

/// The training commands through the real binary: `grad`, `train`, `experiment`.
@Suite(.serialized)
struct TrainingCLITests {
    @Test func gradWritesTheLossAndEveryGradient() throws {
        try BinaryRunner.withTemporaryDirectory { dir in
            let folder = dir + "/dump"
            let result = try BinaryRunner.run(["grad", "nin-cifar10", "--label", "3", "--seed", "4", "--dump", folder])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.hasPrefix("loss "), "\(result.stdout)")
            #expect(result.stdout.contains("layers[0]   conv1  weight  192×3×5×5"), "\(result.stdout)")
            let manifest = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))) as? [String: Any])
            #expect(manifest["label"] as? Int == 3)
            #expect(manifest["seed"] as? Int == 4)
            #expect(manifest["scores"] as? String == "layers[22]", "the final softmax is fused into the loss")
            let loss = try #require((manifest["loss"] as? [String: Any])?["value"] as? Double)
            #expect(result.stdout.hasPrefix(String(format: "loss %.6f", loss)))
            for file in ["input.grad.npy", "loss.npy", "layers_0.weight.grad.npy", "layers_0.bias.grad.npy", "layers_7.mask.npy"] {
                #expect(FileManager.default.fileExists(atPath: folder + "/" + file), "\(file)")
            }
        }
    }

    @Test func gradRefusesALabelBeyondTheClasses() throws {
        try BinaryRunner.withTemporaryDirectory { dir in
            let folder = dir + "/dump"
            let result = try BinaryRunner.run(["grad", "nin-cifar10", "--label", "10", "--dump", folder])
            #expect(result.status == 2)
            #expect(result.stderr == "convplay: --label 10: nin-cifar10 scores 10 classes — give a label from 0 to 9\n")
            #expect(!FileManager.default.fileExists(atPath: folder))
        }
    }

    /// Without a terminal: one line per epoch, JSON lines in the log, and a saved preset that every command opens.
    @Test func trainPrintsAnEpochPerLineLogsAndSaves() throws {
        try BinaryRunner.withTemporaryDirectory { dir in
            let result = try BinaryRunner.run(
                ["train", "nin-digits", "--data", "digits", "--epochs", "2", "--batch", "64", "--log", "log.jsonl", "--save", "trained"],
                in: dir)
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n")
            #expect(lines.first?.hasPrefix("nin-digits on digits: 1,442 training images, 355 held out, 10 classes · batch 64") == true)
            #expect(lines.filter { $0.hasPrefix("epoch ") }.count == 2, "\(result.stdout)")
            #expect(lines.contains { $0.hasPrefix("held-out accuracy ") })
            #expect(lines.contains { $0.hasPrefix("a training step held at most ") })
            #expect(lines.contains("confusion matrix (rows: true class, columns: predicted)"))
            #expect(!result.stdout.contains("\r"), "no progress bar without a terminal")
            let log = try String(contentsOfFile: dir + "/log.jsonl", encoding: .utf8).split(separator: "\n")
            let records = try log.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
            let steps = records.filter { $0["step"] != nil }
            #expect(steps.count == 2 * 23)
            #expect(steps.allSatisfy { $0["loss"] is Double && $0["accuracy"] is Double && $0["lr"] is Double && $0["epoch"] is Int })
            #expect((steps.map { $0["step"] as! Int }) == Array(1...46))
            #expect(records.filter { $0["held_out_accuracy"] != nil }.count == 2)

            for command in [
                ["run", "trained/preset.json"], ["verify", "trained/preset.json"], ["export", "trained/preset.json", "--onnx", "t.onnx"],
            ] {
                let opened = try BinaryRunner.run(command, in: dir)
                #expect(opened.status == 0, "\(command): \(opened.stderr)")
            }
            #expect(FileManager.default.fileExists(atPath: dir + "/t.onnx"))
            // the weights are the trained ones: a dump of the saved preset writes the same conv1 weight file
            let dumped = try BinaryRunner.run(["run", dir + "/trained/preset.json", "--dump", dir + "/again"], in: "/")
            #expect(dumped.status == 0, "\(dumped.stderr)")
            let saved = try Data(contentsOf: URL(fileURLWithPath: dir + "/trained/weights/layers_0.weight.npy"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/again/layers_0.weight.npy")) == saved)
            let untrained = try BinaryRunner.run(["run", "nin-digits", "--dump", dir + "/untrained"], in: "/")
            #expect(untrained.status == 0)
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/untrained/layers_0.weight.npy")) != saved)
        }
    }

    /// Ctrl-C (SIGINT) finishes the batch, saves a checkpoint and exits 0; --resume then ends with the weights of a
    /// run that never stopped, bit for bit.
    @Test func interruptAndResumeMatchAnUninterruptedRun() throws {
        try BinaryRunner.withTemporaryDirectory { dir in
            let common = ["train", "nin-shapes", "--data", "shapes:480", "--epochs", "4", "--batch", "16", "--optimizer", "adam", "--flip"]
            let straight = try BinaryRunner.run(common + ["--save", "straight"], in: dir)
            #expect(straight.status == 0, "\(straight.stderr)")

            let process = Process()
            process.executableURL = URL(fileURLWithPath: BinaryRunner.binaryPath)
            process.arguments = common + ["--log", "log.jsonl", "--checkpoint", "stopped"]
            process.currentDirectoryURL = URL(fileURLWithPath: dir)
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let lines = (try? String(contentsOfFile: dir + "/log.jsonl", encoding: .utf8))?.split(separator: "\n").count ?? 0
                if lines >= 10 { break }
                usleep(20_000)
            }
            process.interrupt()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(text)")
            #expect(text.contains("checkpoint saved to stopped; continue with the same command and --resume stopped"), "\(text)")
            #expect(!text.contains("held-out accuracy"), "stopped before the end")

            let resumed = try BinaryRunner.run(common + ["--log", "log.jsonl", "--resume", "stopped", "--save", "resumed"], in: dir)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/straight/weights").filter { $0.contains(".weight.") }
            #expect(files.count == 9)
            for file in files {
                let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/straight/weights/" + file))
                let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/resumed/weights/" + file))
                #expect(a == b, "\(file) differs between the straight and the resumed run")
            }
            let steps = try String(contentsOfFile: dir + "/log.jsonl", encoding: .utf8).split(separator: "\n").filter {
                $0.contains("\"step\"")
            }
            #expect(steps.count == 4 * 30, "the log holds every step once, across both runs")

            let other = try BinaryRunner.run(common.dropLast() + ["--lr", "0.01", "--resume", "stopped"], in: dir)
            #expect(other.status == 2)
            #expect(
                other.stderr
                    == "convplay: --resume stopped: the checkpoint was saved by a run with another --lr (0.001, now 0.01) — resume with the settings it was saved with\n"
            )
        }
    }

    /// A log that cannot grow (here a 2 KiB file-size limit, as a full disk would) stops training with one sentence
    /// and a checkpoint; --resume drops the partial last line and goes on, so every line of the log is whole JSON
    /// and only the line of the step the write failed on is missing.
    @Test func aLogThatFillsUpStopsWithACheckpoint() throws {
        try BinaryRunner.withTemporaryDirectory { dir in
            try """
            {
              "format": 1, "name": "tiny", "input": {"shape": [1, 8, 8]}, "data": "digits",
              "layers": [
                {"type": "conv", "name": "conv", "out": 4, "kernel": 3, "pad": 1}, {"type": "relu", "name": "relu"},
                {"type": "conv", "name": "mix", "out": 10, "kernel": 1}, {"type": "global_avgpool", "name": "pool"}
              ]
            }
            """.write(toFile: dir + "/tiny.json", atomically: true, encoding: .utf8)
            let common = ["train", "tiny.json", "--epochs", "2", "--log", "log.jsonl", "--checkpoint", "stopped"]
            // SIGXFSZ ignored, so a write past the limit fails with EFBIG instead of killing the process.
            let limited = try BinaryRunner.run(
                executable: "/bin/bash", ["-c", "trap '' XFSZ; ulimit -f 2; exec \"$0\" \"$@\"", BinaryRunner.binaryPath] + common, in: dir)
            #expect(limited.status == 2)
            let failedStep = try #require(
                limited.stderr.firstMatch(of: /writing to it failed after step (\d+)/).flatMap { Int($0.1) }, "\(limited.stderr)")
            #expect(
                limited.stderr
                    == "convplay: --log log.jsonl: writing to it failed after step \(failedStep) (is the disk full?) — training stopped and is "
                    + "checkpointed in stopped; make room and continue with the same command and --resume stopped\n")
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/log.jsonl")).count == 2048)

            let resumed = try BinaryRunner.run(common + ["--resume", "stopped"], in: dir)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let lines = try String(contentsOfFile: dir + "/log.jsonl", encoding: .utf8).split(separator: "\n")
            var steps: [Int] = []
            for line in lines {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
                if let step = object["step"] as? Int { steps.append(step) }
            }
            // digits: 1,442 training images in batches of 32, 46 steps an epoch
            #expect(steps == Array(1...92).filter { $0 != failedStep })
        }
    }

    /// On a terminal: a progress bar redrawn in place, and Ctrl-C from the keyboard.
    @Test func progressBarOnATerminalAndCtrlC() throws {
        let session = try TmuxSession(
            [BinaryRunner.binaryPath, "train", "nin-shapes", "--data", "shapes:4000", "--epochs", "2", "--batch", "16"],
            environment: ["CONVPLAY_PRESETS": BinaryRunner.packageRoot.path + "/presets"])
        let screen = try session.waitFor("a progress bar") { $0.contains("epoch 1/2 [") && $0.contains("img/s · ETA ") }
        #expect(screen.contains("█") || screen.contains("░"))
        try session.press("C-c")
        #expect(try session.waitForExit(timeout: 30) == 0)
        #expect(session.lastScreen.contains("checkpoint saved to nin-shapes.checkpoint"))
    }

    struct BadTraining: CustomTestStringConvertible, Sendable {
        let arguments: [String]
        let message: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let badTraining: [BadTraining] = [
        BadTraining(
            arguments: ["nin-cifar10"],
            message: "nin-cifar10 names no data set — give --data digits, shapes[:COUNT], mnist:DIR, cifar10:DIR or folder:DIR"),
        BadTraining(
            arguments: ["nin-digits", "--data", "shapes"],
            message: "NIN digits scores 10 classes but shapes has 6 — pick a preset whose last layer has 6 outputs"),
        BadTraining(
            arguments: ["nin-digits", "--data", "mnist:/nonexistent"],
            message: "/nonexistent/train-images-idx3-ubyte: not found — check the path"),
        BadTraining(
            arguments: ["nin-digits", "--data", "imagenet"],
            message: "--data imagenet: unknown data — use digits, shapes, shapes:COUNT, mnist:DIR, cifar10:DIR or folder:DIR"),
        BadTraining(
            arguments: ["nin-digits", "--data", "digits", "--resume", "/nonexistent"],
            message: "/nonexistent: no checkpoint.json here — give --resume the folder a stopped run saved its checkpoint to"),
    ]

    @Test(arguments: badTraining)
    func badTrainingGetsOneSentence(_ bad: BadTraining) throws {
        let result = try BinaryRunner.run(["train"] + bad.arguments)
        #expect(result.status == 2)
        #expect(result.stderr == "convplay: " + bad.message + "\n")
    }

    @Test func badScheduleIsAUsageError() throws {
        let result = try BinaryRunner.run(["train", "nin-digits", "--data", "digits", "--schedule", "linear"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--schedule linear: use constant, cosine, step:EPOCHS or step:EPOCHS:FACTOR (e.g. step:10:0.1)"))
    }

    /// An experiment trains both presets the same way and tables them (one short epoch here).
    @Test func experimentTablesBothPresets() throws {
        let result = try BinaryRunner.run(["experiment", "gap-vs-dense", "--epochs", "1", "--batch", "64"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("gap-vs-dense: global average pooling against a dense head — digits, 1 epochs, batch 64") == true)
        #expect(lines.contains { $0.hasPrefix("preset ") && $0.hasSuffix("held-out accuracy") })
        #expect(lines.contains { $0.hasPrefix("nin-digits ") && $0.contains("57,962") && $0.contains("1.21M") })
        #expect(lines.contains { $0.hasPrefix("dense-digits ") && $0.contains("255,018") })
        let unknown = try BinaryRunner.run(["experiment", "bigger-is-better"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown experiment bigger-is-better — use gap-vs-dense, mlpconv, reductions"))
    }
}
