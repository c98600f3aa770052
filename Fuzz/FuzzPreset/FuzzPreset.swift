import CFuzzDriver
import ConvEngine
import Foundation

/// libFuzzer target: any bytes as a preset. Decoding, shape inference and cost must throw or succeed; a small
/// network that passes them also runs forward, so kernels meet every geometry the fuzzer finds. The same text
/// is also read as a class-name list (`import --labels`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPreset(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? ClassNameList.decode(text, path: "fuzz.txt")
    guard let network = try? Preset.decode(json: text),
        let shapes = try? network.inferShapes(memoryCap: 16 << 20),
        let costs = try? network.cost(shapes: shapes)
    else { return 0 }
    _ = network.summaryRows(shapes: shapes, costs: costs)
    _ = Preset.encode(network)
    guard costs.total.macs <= 2_000_000, case .synthetic = network.input.source,
        let input = try? network.input.makeTensor(relativeTo: nil, memoryCap: 16 << 20),
        var session = try? ForwardSession(network: network, input: input, memoryCap: 16 << 20)
    else { return 0 }
    session.runToEnd()
    _ = session.firstNonFiniteNode
    return 0
}

// The fuzzing loop: libFuzzer's driver with this program's command line.
var argumentCount = CommandLine.argc
var argumentValues: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argumentCount, &argumentValues) { data, size in fuzzPreset(data!, size) })
