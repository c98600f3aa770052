import CFuzzDriver
import ConvEngine
import Foundation

/// libFuzzer target: any bytes as a `.safetensors` file, decoded under a 64 MiB budget. The header's shapes and
/// byte ranges are checked against the file and the budget before any tensor is made.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = try? Safetensors.decode(Array(UnsafeBufferPointer(start: data, count: size)), path: "fuzz.safetensors", byteLimit: 64 << 20)
    return 0
}

// The fuzzing loop: libFuzzer's driver with this program's command line.
var argumentCount = CommandLine.argc
var argumentValues: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argumentCount, &argumentValues) { data, size in fuzzSafetensors(data!, size) })
