import Foundation
import Testing

/// Hostile input, one named case per class of failure: the binary prints exactly one line on stderr — the
/// sentence asserted here, `{dir}` standing for the case's own temporary folder — and exits with status 2,
/// within a time limit (a hang is a failure too), never a trap.
@Suite(.serialized)
struct BadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        /// Files to make in the case's folder before the run (`bad.json` is appended to the arguments).
        var files: [String: [UInt8]] = [:]
        var arguments: [String]
        let message: String
        /// Work done in the folder before the run: a dump to tamper with, a FIFO.
        var prepare: (@Sendable (String) throws -> Void)? = nil
        var testDescription: String { name }
    }

    static let header = #"{"format": 1, "name": "bad", "input": {"shape": [3, 8, 8]}, "layers": "#

    /// A preset in the case's folder, as `bad.json`.
    static func preset(_ json: String) -> [String: [UInt8]] { ["bad.json": Array(json.utf8)] }

    /// A small network whose dump in `w/` the preset at `bad.json` starts from.
    static let weighted =
        #"{"format": 1, "name": "w", "input": {"shape": [1, 4, 4]}, "init": {"weights": "w"}, "#
        + #""layers": [{"type": "conv", "out": 2, "kernel": 3}]}"#

    /// Dumps `weighted`'s own network (without `init.weights`) to `dir/w`, then applies `tamper` to the folder.
    static func dumpThen(_ tamper: @escaping @Sendable (String) throws -> Void) -> @Sendable (String) throws -> Void {
        { dir in
            let plain = weighted.replacingOccurrences(of: #""init": {"weights": "w"}, "#, with: "")
            try plain.write(toFile: dir + "/plain.json", atomically: true, encoding: .utf8)
            let dump = try BinaryRunner.run(["run", dir + "/plain.json", "--dump", dir + "/w"])
            guard dump.status == 0 else { throw CocoaError(.fileWriteUnknown) }
            try tamper(dir + "/w")
        }
    }

    static let validTypes =
        "valid types are conv, maxpool, avgpool, global_avgpool, relu, leaky_relu, sigmoid, tanh, clip, hardswish, softmax, "
        + "flatten, batchnorm, lrn, dropout, dense, lateral, parallel, inception"

    static let cases: [Case] = [
        // Integer overflow: every size is checked against its limit before anything multiplies it.
        Case(
            name: "a setting past its limit", files: preset(header + #"[{"type": "conv", "out": 4, "kernel": 3, "pad": 2147483648}]}"#),
            arguments: ["summary"], message: "convplay: layers[0].pad is 2147483648, but it must be at most 16777216"),
        Case(
            name: "an input whose size overflows",
            files: preset(#"{"format": 1, "name": "x", "input": {"shape": [16777216, 16777216, 16777216]}, "layers": []}"#),
            arguments: ["summary"],
            message: "convplay: {dir}/bad.json: the input 16777216×16777216×16777216 would hold more than 1,073,741,824 values, "
                + "the most one tensor can hold — use a smaller input or fewer layers"),
        Case(
            name: "weights past what a tensor holds",
            files: preset(
                #"{"format": 1, "name": "x", "input": {"shape": [4096, 4096, 1]}, "layers": [{"type": "conv", "out": 16777216, "kernel": 1}]}"#
            ),
            arguments: ["summary"],
            message: "convplay: {dir}/bad.json: layers[0] (conv1): its weights would hold more than 1,073,741,824 values, "
                + "the most one tensor can hold — use smaller sizes in this layer or a smaller input"),
        Case(
            name: "a receptive field whose jump overflows",
            files: preset(
                #"{"format": 1, "name": "x", "input": {"shape": [1, 1, 1]}, "layers": [{"type": "maxpool", "kernel": 1, "stride": 16777216}, "#
                    + #"{"type": "maxpool", "kernel": 1, "stride": 16777216}, {"type": "maxpool", "kernel": 1, "stride": 16777216}]}"#),
            arguments: ["summary"],
            message: "convplay: {dir}/bad.json: layers[2] (maxpool3): its receptive field's jump would pass 9,223,372,036,854,775,807, "
                + "the largest count convplay can hold — use smaller sizes in this layer or a smaller input"),
        // Memory: one budget covers weights too, and image headers are checked before their pixels are made.
        Case(
            name: "weights over the memory cap",
            files: preset(#"{"format": 1, "name": "x", "input": {"shape": [3, 32, 32]}, "layers": [{"type": "dense", "out": 200000}]}"#),
            arguments: ["run"],
            message: "convplay: {dir}/bad.json: the network would need 2.3 GiB (activations 793.2 KiB, parameters 2.3 GiB, "
                + "kernel scratch 0 B), over the memory cap of 2.0 GiB — use a smaller input or fewer channels, or raise the cap (--memory-cap)"
        ),
        Case(
            name: "a PPM header asking for 120 GiB",
            files: preset(#"{"format": 1, "name": "x", "input": {"shape": [1, 8, 8], "source": {"image": "big.ppm"}}, "layers": []}"#)
                .merging(["big.ppm": Array("P6\n65535 65535\n255\n".utf8)]) { $1 },
            arguments: ["run"],
            message: "convplay: {dir}/bad.json: {dir}/big.ppm: decoding the 65535×65535 PPM (P6) image would take 120.0 GiB, "
                + "over the memory cap of 2.0 GiB — use a smaller image or raise the cap (--memory-cap)"),
        Case(
            name: "a PNG header asking for 9 TiB",
            files: preset(#"{"format": 1, "name": "x", "input": {"shape": [1, 8, 8], "source": {"image": "big.png"}}, "layers": []}"#)
                .merging(["big.png": pngHeader(width: 999_999, height: 999_999)]) { $1 },
            arguments: ["run"],
            message: "convplay: {dir}/bad.json: {dir}/big.png: decoding the 999999×999999 PNG image would take 9.1 TiB, "
                + "over the memory cap of 2.0 GiB — use a smaller image or raise the cap (--memory-cap)"),
        Case(
            name: "a preset too large to read", files: ["bad.json": [UInt8](repeating: 0x20, count: 65 << 20)], arguments: ["summary"],
            message: "convplay: cannot read {dir}/bad.json: it is 65.0 MiB, over the 64.0 MiB this file may have — use a smaller file"),
        // Hangs: only regular files are opened, never waited on; thread counts are capped.
        Case(
            name: "a device as a preset", arguments: ["summary", "/dev/zero"],
            message: "convplay: cannot read /dev/zero: it is a character device, not a regular file — name a regular file"),
        Case(
            name: "a FIFO as a preset", arguments: ["summary", "fifo.json"],
            message: "convplay: cannot read fifo.json: it is a FIFO (named pipe), not a regular file — name a regular file",
            prepare: { dir in try makeFIFO(dir + "/fifo.json") }),
        Case(
            name: "a FIFO as an image",
            files: preset(#"{"format": 1, "name": "x", "input": {"shape": [1, 8, 8], "source": {"image": "fifo.ppm"}}, "layers": []}"#),
            arguments: ["run"],
            message: "convplay: {dir}/bad.json: {dir}/fifo.ppm: cannot be read: it is a FIFO (named pipe), not a regular file — "
                + "point the input at a regular, readable image file",
            prepare: { dir in try makeFIFO(dir + "/fifo.ppm") }),
        Case(
            name: "a hundred thousand threads", arguments: ["bench", "--threads", "100000", "one-by-one"],
            message: "convplay: --threads 100000: the thread count must be a whole number from 1 to 256"),
        // Unchecked lengths: tensors from a weights folder are checked against the layer, naming the file.
        Case(
            name: "a bias .npy of the wrong length", files: preset(weighted), arguments: ["run"],
            message: "convplay: {dir}/bad.json: layers[0] (conv1): {dir}/w/layers_0.bias.npy holds shape [3] but the layer needs [2] — "
                + "write the weights folder again for this network (convplay run --dump) or remove init.weights",
            prepare: dumpThen { w in try Data(npy(shape: [3], values: [1, 2, 3])).write(to: URL(fileURLWithPath: w + "/layers_0.bias.npy"))
            }),
        Case(
            name: "a weight .npy of the wrong shape", files: preset(weighted), arguments: ["run"],
            message: "convplay: {dir}/bad.json: layers[0] (conv1): {dir}/w/layers_0.weight.npy holds shape [2, 1, 2, 2] but the layer "
                + "needs [2, 1, 3, 3] — write the weights folder again for this network (convplay run --dump) or remove init.weights",
            prepare: dumpThen { w in
                try Data(npy(shape: [2, 1, 2, 2], values: [Float](repeating: 1, count: 8))).write(
                    to: URL(fileURLWithPath: w + "/layers_0.weight.npy"))
            }),
        Case(
            name: "a .npy cut short", files: preset(weighted), arguments: ["run"],
            message: "convplay: {dir}/w/layers_0.bias.npy: its header promises shape [2] (8 bytes) but 4 bytes of values follow — "
                + "the file is cut short or its header is wrong, write it again",
            prepare: dumpThen { w in
                try Data(npy(shape: [2], values: [1, 2]).dropLast(4)).write(to: URL(fileURLWithPath: w + "/layers_0.bias.npy"))
            }),
        // Messages: one line, numbers are values, user strings shown safely, no Foundation text.
        Case(
            name: "a negative run count", arguments: ["bench", "--runs", "-5", "one-by-one"],
            message: "convplay: --runs -5: the number of timed runs must be a whole number from 1 to 100000"),
        Case(
            name: "a negative seed", arguments: ["run", "--seed", "-1", "one-by-one"],
            message: "convplay: --seed -1: a seed must be a whole number from 0 to 18446744073709551615"),
        Case(
            name: "a memory cap that would wrap", arguments: ["run", "--memory-cap", "9007199254740993", "one-by-one"],
            message: "convplay: --memory-cap 9007199254740993: the cap in MiB must be a whole number from 1 to 1048576"),
        Case(
            name: "an empty input source", arguments: ["run", "--input", "", "one-by-one"],
            message: "convplay: --input is empty — name a generator (gradient, checkerboard, shapes, noise, digit) or an image path"),
        Case(
            name: "an unknown option", arguments: ["run", "--bogus", "one-by-one"],
            message: "convplay: unknown option '--bogus' — see convplay run --help"),
        Case(
            name: "a missing option value", arguments: ["run", "one-by-one", "--dump"],
            message: "convplay: missing value for '--dump <dir>' — see convplay run --help"),
        Case(
            name: "a root that is not an object", files: preset("[1]"), arguments: ["summary"],
            message: "convplay: the preset: expected an object with format, name, input and layers, found an array — "
                + "write an object with format, name, input and layers there"),
        Case(
            name: "a newline in a type word", files: preset(header + #"[{"type": "co\nnv"}]}"#), arguments: ["summary"],
            message: #"convplay: layers[0].type: unknown layer type "co\nnv" — did you mean "conv"? "# + validTypes),
        Case(
            name: "a NUL in a type word", files: preset(header + #"[{"type": "co\u0000nv"}]}"#), arguments: ["summary"],
            message: #"convplay: layers[0].type: unknown layer type "co\0nv" — did you mean "conv"? "# + validTypes),
        Case(
            name: "an invisible BOM in a type word", files: preset(header + "[{\"type\": \"\u{FEFF}conv\"}]}"), arguments: ["summary"],
            message: #"convplay: layers[0].type: unknown layer type "\u{FEFF}conv" — did you mean "conv"? "# + validTypes),
        Case(
            name: "a line break in a layer name", files: preset(header + #"[{"type": "conv", "name": "a\nb", "out": 4, "kernel": 11}]}"#),
            arguments: ["summary"],
            message: #"convplay: {dir}/bad.json: layers[0] (a\nb): kernel 11×11 is larger than its padded input 8×8 — "#
                + "use a smaller kernel, more padding, or remove a downsampling layer before it"),
        Case(
            name: "a dump under a file", files: ["file": [1]], arguments: ["run", "one-by-one", "--dump", "file/dump"],
            message: "convplay: cannot write file/dump: ./file is not a folder — check that the folder exists and is writable"),
        Case(
            name: "a dump over a folder of other files", files: ["keep/notes.txt": Array("mine".utf8)],
            arguments: ["run", "one-by-one", "--dump", "keep"],
            message: "convplay: keep holds files that are not convplay's — choose a new or empty folder, or one convplay wrote"),
        Case(
            name: "a preset that is not UTF-8", files: ["bad.json": [0xFF, 0xFE, 0x7B]], arguments: ["summary"],
            message: "convplay: cannot read {dir}/bad.json: it is not UTF-8 text — save it as UTF-8 JSON"),
        Case(
            name: "JSON nested too deep", files: preset(String(repeating: "[", count: 600)), arguments: ["summary"],
            message: "convplay: malformed JSON at line 1, column 513: nesting deeper than 512 levels — flatten the arrays"),
        // Training and interop: number flags read as text, checked for range and finiteness.
        Case(
            name: "a negative epoch count", arguments: ["train", "dense-digits", "--data", "digits", "--epochs", "-5"],
            message: "convplay: --epochs -5: the number of epochs must be a whole number from 1 to 100000"),
        Case(
            name: "a learning rate that is not a number", arguments: ["train", "dense-digits", "--data", "digits", "--lr", "nan"],
            message: "convplay: --lr nan: the learning rate must be a number above 0"),
        Case(
            name: "a warm-up no Int holds", arguments: ["train", "dense-digits", "--data", "digits", "--epochs", "2", "--warmup", "1e300"],
            message: "convplay: --warmup 1e300: the warm-up must be a number of epochs from 0 to 2"),
        Case(
            name: "a label below zero", arguments: ["grad", "dense-digits", "--label", "-1", "--dump", "g"],
            message: "convplay: --label -1: dense-digits scores 10 classes — give a label from 0 to 9"),
        // Data sets, weights and models: regular files only, every header size checked before anything is kept.
        Case(
            name: "a FIFO as an IDX file", arguments: ["train", "dense-digits", "--data", "mnist:m"],
            message: "convplay: cannot read m/train-images-idx3-ubyte: it is a FIFO (named pipe), not a regular file — name a regular file",
            prepare: { dir in
                try FileManager.default.createDirectory(atPath: dir + "/m", withIntermediateDirectories: true)
                try makeFIFO(dir + "/m/train-images-idx3-ubyte")
            }),
        Case(
            name: "an IDX header past the memory cap",
            files: ["m/train-images-idx3-ubyte": [0, 0, 8, 3] + bigEndian(100_000) + bigEndian(1000) + bigEndian(1000)],
            arguments: ["train", "dense-digits", "--data", "mnist:m"],
            message: "convplay: m/train-images-idx3-ubyte: loading it takes 93.1 GiB, over the 2.0 GiB data-set cap — "
                + "use a smaller set or raise --data-cap"),
        // The data set has its own cap, apart from the network's: the held-out set counts against what the
        // training set left, and the sentence names the whole set's bytes and the whole cap.
        Case(
            name: "a data set past --data-cap",
            files: [
                "m/train-images-idx3-ubyte": [0, 0, 8, 3] + bigEndian(1000) + bigEndian(28) + bigEndian(28)
                    + [UInt8](repeating: 0, count: 784_000),
                "m/train-labels-idx1-ubyte": [0, 0, 8, 1] + bigEndian(1000) + [UInt8](repeating: 0, count: 1000),
                "m/t10k-images-idx3-ubyte": [0, 0, 8, 3] + bigEndian(400) + bigEndian(28) + bigEndian(28)
                    + [UInt8](repeating: 0, count: 313_600),
            ],
            arguments: ["train", "dense-digits", "--data", "mnist:m", "--data-cap", "1"],
            message: "convplay: m/t10k-images-idx3-ubyte: loading it takes 1.0 MiB, over the 1.0 MiB data-set cap — "
                + "use a smaller set or raise --data-cap"),
        Case(
            name: "drawn shapes past --data-cap", arguments: ["train", "nin-shapes", "--data", "shapes:5000", "--data-cap", "1"],
            message:
                "convplay: shapes:5000: loading it takes 2.7 MiB, over the 1.0 MiB data-set cap — use a smaller set or raise --data-cap"),
        // evaluate and train as a hostile user drives them: an empty set, a thread count past the limit, a learning
        // rate that makes the loss nan (stopped at once, nothing saved: `--save` is not written).
        Case(
            name: "a data set of zero images",
            files: [
                "z/train-images-idx3-ubyte": [0, 0, 8, 3] + bigEndian(0) + bigEndian(28) + bigEndian(28),
                "z/train-labels-idx1-ubyte": [0, 0, 8, 1] + bigEndian(0),
            ],
            arguments: ["evaluate", "nin-digits", "--data", "mnist:z"],
            message:
                "convplay: z/train-images-idx3-ubyte: a dimension is 0, which cannot be right — the header is damaged, download the file again"
        ),
        Case(
            name: "evaluate on more threads than the limit", arguments: ["evaluate", "nin-digits", "--threads", "100000"],
            message: "convplay: --threads 100000: the thread count must be a whole number from 1 to 256"),
        Case(
            name: "a learning rate that makes the loss nan",
            arguments: ["train", "nin-digits", "--data", "digits", "--lr", "1e30", "--epochs", "100000", "--save", "trained"],
            message: "convplay: training step 2: the loss became nan at learning rate 1e+30 — lower --lr or check the weights for nan; "
                + "nothing was saved"),
        Case(
            name: "a data-set cap of zero", arguments: ["evaluate", "nin-digits", "--data-cap", "0"],
            message: "convplay: --data-cap 0: the cap in MiB must be a whole number from 1 to 1048576"),
        Case(
            name: "a data-set cap of zero for the playground's training view", arguments: ["play", "edges", "--data-cap", "0"],
            message: "convplay: --data-cap 0: the cap in MiB must be a whole number from 1 to 1048576"),
        // Every path the CLI writes: something other than a regular file (or a folder, for a folder) is refused at
        // once, never opened for writing (a FIFO would block forever, a device would be replaced).
        Case(
            name: "a FIFO as the training log",
            arguments: ["train", "dense-digits", "--data", "digits", "--epochs", "100000", "--log", "fifo"],
            message:
                "convplay: --log fifo: cannot be written: it is a FIFO (named pipe), not a regular file — name a writable regular file",
            prepare: { dir in try makeFIFO(dir + "/fifo") }),
        Case(
            name: "a device as the training log",
            arguments: ["train", "dense-digits", "--data", "digits", "--epochs", "100000", "--log", "/dev/null"],
            message:
                "convplay: --log /dev/null: cannot be written: it is a character device, not a regular file — name a writable regular file"),
        Case(
            name: "a FIFO as the --save folder",
            arguments: ["train", "dense-digits", "--data", "digits", "--epochs", "100000", "--save", "fifo"],
            message: "convplay: fifo is a FIFO (named pipe), not a folder — choose a new or empty folder, or one convplay wrote",
            prepare: { dir in try makeFIFO(dir + "/fifo") }),
        Case(
            name: "a FIFO as the checkpoint folder",
            arguments: ["train", "dense-digits", "--data", "digits", "--epochs", "100000", "--checkpoint", "fifo"],
            message: "convplay: fifo is a FIFO (named pipe), not a folder — choose a new or empty folder, or one convplay wrote",
            prepare: { dir in try makeFIFO(dir + "/fifo") }),
        Case(
            name: "a FIFO as a --dump folder", arguments: ["run", "one-by-one", "--dump", "fifo"],
            message: "convplay: fifo is a FIFO (named pipe), not a folder — choose a new or empty folder, or one convplay wrote",
            prepare: { dir in try makeFIFO(dir + "/fifo") }),
        Case(
            name: "a file as a grad --dump folder", files: ["file": [1]], arguments: ["grad", "dense-digits", "--dump", "file"],
            message: "convplay: file is a file, not a folder — choose a new or empty folder, or one convplay wrote"),
        Case(
            name: "a FIFO as the ONNX file", arguments: ["export", "one-by-one", "--onnx", "fifo.onnx"],
            message:
                "convplay: cannot write fifo.onnx: it is a FIFO (named pipe), not a regular file — check that the folder exists and is writable",
            prepare: { dir in try makeFIFO(dir + "/fifo.onnx") }),
        Case(
            name: "a device as the imported preset", arguments: ["import", "m.onnx", "--output", "/dev/null"],
            message:
                "convplay: cannot write /dev/null: it is a character device, not a regular file — the previous file is untouched; choose a writable folder",
            prepare: { dir in
                let export = try BinaryRunner.run(["export", "one-by-one", "--onnx", dir + "/m.onnx"])
                guard export.status == 0 else { throw CocoaError(.fileWriteUnknown) }
            }),
        Case(
            name: "a safetensors tensor larger than its file",
            files: preset(
                #"{"format": 1, "name": "s", "input": {"shape": [1, 4, 4]}, "init": {"weights": "w.safetensors"}, "#
                    + #""layers": [{"type": "conv", "name": "conv1", "out": 2, "kernel": 3}]}"#
            )
            .merging(["w.safetensors": safetensors(#"{"conv1.weight":{"dtype":"F32","shape":[1000000000],"data_offsets":[0,4000000000]}}"#)]
            ) {
                a, _ in a
            },
            arguments: ["summary"],
            message: #"convplay: {dir}/w.safetensors: not a valid safetensors file (tensor "conv1.weight" of shape [1000000000] is "#
                + "larger than the file) — write it again with safetensors.torch.save_file"),
        Case(
            name: "a FIFO as an ONNX model", arguments: ["summary", "fifo.onnx"],
            message: "convplay: cannot read fifo.onnx: it is a FIFO (named pipe), not a regular file — name a regular file",
            prepare: { dir in try makeFIFO(dir + "/fifo.onnx") }),
        Case(
            name: "an ONNX model cut short", files: ["cut.onnx": [0x08, 0x07, 0x3A, 0xFF, 0x01]], arguments: ["summary", "cut.onnx"],
            message: "convplay: cut.onnx: not a readable ONNX model (truncated) — the file is corrupt or truncated; export it again"),
        Case(
            name: "a --save folder of other files, refused before training",
            files: ["keep/notes.txt": Array("mine".utf8)],
            // 100,000 epochs would run past the time limit: the refusal comes first.
            arguments: ["train", "dense-digits", "--data", "digits", "--epochs", "100000", "--save", "keep"],
            message: "convplay: keep holds files that are not convplay's — choose a new or empty folder, or one convplay wrote"),
        Case(
            name: "an export over a folder of other files", files: ["keep/notes.txt": Array("mine".utf8)],
            arguments: ["export", "one-by-one", "--pytorch", "keep"],
            message: "convplay: keep holds files that are not convplay's — choose a new or empty folder, or one convplay wrote"),
    ]

    static func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }

    /// A `.safetensors` file of `header` (JSON) padded to 8 bytes, and no data.
    static func safetensors(_ header: String) -> [UInt8] {
        var text = Array(header.utf8)
        while text.count % 8 != 0 { text.append(0x20) }
        return (0..<8).map { UInt8(truncatingIfNeeded: UInt64(text.count) >> (8 * $0)) } + text
    }

    @Test(arguments: cases)
    func oneLineAndStatus2(_ c: Case) throws {
        try BinaryRunner.withTemporaryDirectory { dir in
            for (name, bytes) in c.files {
                let path = dir + "/" + name
                try FileManager.default.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(bytes).write(to: URL(fileURLWithPath: path))
            }
            try c.prepare?(dir)
            let arguments = c.arguments + (c.files["bad.json"] != nil ? [dir + "/bad.json"] : [])
            let result = try BinaryRunner.run(arguments, in: dir, timeout: 60)
            #expect(!result.timedOut, "\(c.name) hung")
            #expect(result.status == 2, "exit status \(result.status): \(result.stderr)")
            #expect(result.stderr == c.message.replacingOccurrences(of: "{dir}", with: dir) + "\n")
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    /// A NumPy 1.0 `.npy` file of little-endian float32 values.
    static func npy(shape: [Int], values: [Float]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var text = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        text += String(repeating: " ", count: (64 - (10 + text.utf8.count + 1) % 64) % 64) + "\n"
        var bytes: [UInt8] =
            [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.utf8.count & 0xFF), UInt8(text.utf8.count >> 8)] + Array(text.utf8)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        return bytes
    }

    /// A PNG signature, the IHDR chunk of an 8-bit grey image of the given size, an empty IDAT and IEND: a
    /// 57-byte file whose header promises any number of pixels.
    static func pngHeader(width: UInt32, height: UInt32) -> [UInt8] {
        func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
        }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", bigEndian(width) + bigEndian(height) + [8, 0, 0, 0, 0])
            + chunk("IDAT", []) + chunk("IEND", [])
    }

    /// CRC-32 (IEEE), as PNG chunks carry it.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func makeFIFO(_ path: String) throws {
        guard mkfifo(path, 0o644) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
