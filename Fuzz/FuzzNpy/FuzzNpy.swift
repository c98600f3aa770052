import CFuzzDriver
import ConvEngine
import Foundation

/// libFuzzer target: any bytes as a `.npy` file. The header's shape is checked against the bytes before anything
/// is allocated from it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNpy(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = try? Npy.decode(Array(UnsafeBufferPointer(start: data, count: size)), path: "fuzz.npy")
    return 0
}

// The fuzzing loop: libFuzzer's driver with this program's command line.
var argumentCount = CommandLine.argc
var argumentValues: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argumentCount, &argumentValues) { data, size in fuzzNpy(data!, size) })
