import CFuzzDriver
import ConvEngine
import Foundation

/// libFuzzer target: any bytes as an ONNX model, imported under a 64 MiB budget with no external data (a model
/// that asks for it is refused). Every size in the protobuf is checked before memory is set aside for it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNX(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = try? ONNXImport.network(fromModel: Data(bytes: data, count: size), name: "fuzz", memoryCap: 64 << 20)
    return 0
}

// The fuzzing loop: libFuzzer's driver with this program's command line.
var argumentCount = CommandLine.argc
var argumentValues: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argumentCount, &argumentValues) { data, size in fuzzONNX(data!, size) })
