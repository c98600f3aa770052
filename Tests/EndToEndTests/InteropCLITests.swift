import Foundation
import Testing

/// `convplay import`, `.onnx` opened by every subcommand, and `export --pytorch`, through the real binary.
struct InteropCLITests {
    /// Export to ONNX, import it as a preset with its weights, and the preset (and the .onnx itself) run to the
    /// same output as the original, with the same parameter count.
    @Test func exportedONNXImportsBackAsAPreset() throws {
        try BinaryRunner.withTemporaryDirectory { folder in
            let export = try BinaryRunner.run(["export", "inception-3a", "--onnx", folder + "/block.onnx"])
            #expect(export.status == 0, "\(export.stderr)")
            let imported = try BinaryRunner.run(["import", folder + "/block.onnx", "-o", folder + "/block.json"])
            #expect(imported.status == 0, "\(imported.stderr)")
            #expect(imported.stdout.contains("163,696 params"), "\(imported.stdout)")
            #expect(FileManager.default.fileExists(atPath: folder + "/block.safetensors"))
            let preset = try String(contentsOfFile: folder + "/block.json", encoding: .utf8)
            #expect(preset.contains("\"weights\": \"block.safetensors\""))
            for source in [folder + "/block.json", folder + "/block.onnx"] {
                let summary = try BinaryRunner.run(["summary", source])
                #expect(summary.status == 0, "\(summary.stderr)")
                #expect(summary.stdout.contains("total: 163,696 params"), "\(summary.stdout)")
            }
            // the same input through the original and the imported preset: the same block output statistics
            let original = try BinaryRunner.run(["run", "inception-3a", "--input", "noise:4"])
            let back = try BinaryRunner.run(["run", folder + "/block.json", "--input", "noise:4"])
            #expect(original.status == 0 && back.status == 0, "\(back.stderr)")
            func blockLine(_ output: String) -> String? {
                output.split(separator: "\n").first { $0.hasPrefix("layers[0] ") }.map(String.init)
            }
            #expect(blockLine(original.stdout) != nil && blockLine(original.stdout) == blockLine(back.stdout), "\(back.stdout)")
        }
    }

    /// `import --labels`: a one-name-per-line file becomes the preset's labels, which `run` then prints; a list that
    /// does not fit the model's outputs is one sentence, status 2, and nothing is written.
    @Test func importTakesClassNamesFromATextFile() throws {
        try BinaryRunner.withTemporaryDirectory { folder in
            let export = try BinaryRunner.run(["export", "squeezenet", "--onnx", folder + "/squeeze.onnx"])
            #expect(export.status == 0, "\(export.stderr)")
            let names = (0..<1000).map { "class name \($0)" }
            try Data((names.joined(separator: "\r\n") + "\r\n").utf8).write(to: URL(fileURLWithPath: folder + "/classes.txt"))
            try Data("cat\ndog\n".utf8).write(to: URL(fileURLWithPath: folder + "/two.txt"))

            let wrong = try BinaryRunner.run([
                "import", folder + "/squeeze.onnx", "--labels", folder + "/two.txt", "-o", folder + "/s.json",
            ])
            #expect(wrong.status == 2)
            #expect(
                wrong.stderr
                    == "convplay: \(folder)/two.txt names 2 classes but the model has 1000 outputs — give one name per output, in output order\n",
                "\(wrong.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["classes.txt", "squeeze.onnx", "two.txt"])

            let imported = try BinaryRunner.run([
                "import", folder + "/squeeze.onnx", "--labels", folder + "/classes.txt", "-o", folder + "/s.json",
            ])
            #expect(imported.status == 0, "\(imported.stderr)")
            let preset =
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/s.json"))) as? [String: Any]
            #expect(preset?["labels"] as? [String] == names)
            let run = try BinaryRunner.run(["run", folder + "/s.json"])
            #expect(run.status == 0, "\(run.stderr)")
            let top = run.stdout.split(separator: "\n").first { $0.hasPrefix("output top-3: ") }.map(String.init) ?? ""
            let index = top.dropFirst("output top-3: [".count).prefix { $0.isNumber }
            #expect(!index.isEmpty && top.hasPrefix("output top-3: [\(index)] class name \(index) "), "\(top)")
        }
    }

    @Test func aBrokenModelIsOneSentenceAndStatus2() throws {
        try BinaryRunner.withTemporaryDirectory { folder in
            try Data("not a model at all".utf8).write(to: URL(fileURLWithPath: folder + "/broken.onnx"))
            for arguments in [["import", folder + "/broken.onnx"], ["summary", folder + "/broken.onnx"]] {
                let result = try BinaryRunner.run(arguments, in: folder)
                #expect(result.status == 2)
                #expect(result.stderr.hasPrefix("convplay: \(folder)/broken.onnx: not a readable ONNX model ("), "\(result.stderr)")
                #expect(result.stderr.filter { $0 == "\n" }.count == 1)
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["broken.onnx"], "nothing written")
        }
    }

    @Test func pytorchExportWritesTheModuleWeightsAndReadme() throws {
        try BinaryRunner.withTemporaryDirectory { folder in
            let result = try BinaryRunner.run(["export", "squeezenet", "--pytorch", folder + "/squeeze"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("model.py, weights.safetensors, train.py, preset.json and README.md"))
            let model = try String(contentsOfFile: folder + "/squeeze/model.py", encoding: .utf8)
            #expect(model.contains("class Net(nn.Module):") && model.contains("class Fire2Concat(nn.Module):"))
            #expect(model.contains("self.fire2_squeeze1x1 = nn.Conv2d(96, 16, kernel_size=(1, 1))"))
            let neither = try BinaryRunner.run(["export", "squeezenet"])
            #expect(neither.status == 2)
            #expect(neither.stderr.contains("say what to write: --onnx FILE, --pytorch DIR, or both"), "\(neither.stderr)")
        }
    }
}
