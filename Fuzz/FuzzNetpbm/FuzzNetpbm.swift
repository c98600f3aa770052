import CFuzzDriver
import ConvEngine
import Foundation

/// libFuzzer target: bytes that start like a PGM or PPM file, decoded under a 64 MiB budget (a header asking for
/// more is refused before its samples are allocated).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetpbm(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard bytes.first == UInt8(ascii: "P") else { return -1 }
    _ = try? ImageInput.decode(bytes, path: "fuzz.pnm", memoryCap: 64 << 20)
    return 0
}

// The fuzzing loop: libFuzzer's driver with this program's command line.
var argumentCount = CommandLine.argc
var argumentValues: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argumentCount, &argumentValues) { data, size in fuzzNetpbm(data!, size) })
