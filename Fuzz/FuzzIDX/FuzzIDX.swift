import CFuzzDriver
import ConvEngine
import Foundation

/// libFuzzer target: any bytes as an IDX file of images (3 dimensions) and of labels (1), each under a 64 MiB
/// budget. Every dimension in the header is checked against the file and the budget before anything is kept.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for dimensions in [1, 3] { _ = try? IDXFile.decode(bytes, path: "fuzz-idx", dimensions: dimensions, cap: 64 << 20) }
    return 0
}

// The fuzzing loop: libFuzzer's driver with this program's command line.
var argumentCount = CommandLine.argc
var argumentValues: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argumentCount, &argumentValues) { data, size in fuzzIDX(data!, size) })
