import CFuzzDriver
import ConvEngine
import Foundation

/// libFuzzer target: a weights folder (`convplay run --dump`) made from the input — the bytes before the first
/// NUL are its `manifest.json`, the rest its one `.npy` file, `t.npy` — loaded and used by a small network, so
/// a tensor of any shape meets shape inference and, when accepted, the forward pass.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWeightsFolder(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let split = bytes.firstIndex(of: 0) ?? bytes.count
    // Plain writes: the atomic writer's fsync would set the pace.
    guard FileManager.default.createFile(atPath: folder + "/manifest.json", contents: Data(bytes[..<split])),
        FileManager.default.createFile(atPath: folder + "/t.npy", contents: Data(bytes[min(split + 1, bytes.count)...])),
        let loaded = try? Preset.loadWeights(directory: folder, byteLimit: 16 << 20)
    else { return 0 }
    var network = template
    network.initialization.loadedWeights = loaded
    guard let input = try? network.input.makeTensor(relativeTo: nil),
        var session = try? ForwardSession(network: network, input: input, memoryCap: 16 << 20)
    else { return 0 }
    session.runToEnd()
    return 0
}

/// The folder each input is written to, one per process in $TMPDIR (removed at exit, below).
private let folder: String = {
    let path = NSTemporaryDirectory() + "convplay-fuzz-weights-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}()

/// conv1 (2 × 1 × 3 × 3 and a bias), batchnorm1 (γ, β, running mean and variance) and dense1: every tensor kind.
private let template = try! Preset.decode(
    json: #"""
        {"format": 1, "name": "fuzz", "input": {"shape": [1, 4, 4]}, "layers": [
          {"type": "conv", "out": 2, "kernel": 3}, {"type": "batchnorm"}, {"type": "dense", "out": 3}]}
        """#)

// The input folder goes when the process exits (libFuzzer's driver ends a run with exit()), so a run leaves nothing
// in $TMPDIR unless it crashed.
atexit { try? FileManager.default.removeItem(atPath: folder) }

// The fuzzing loop: libFuzzer's driver with this program's command line.
var argumentCount = CommandLine.argc
var argumentValues: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argumentCount, &argumentValues) { data, size in fuzzWeightsFolder(data!, size) })
