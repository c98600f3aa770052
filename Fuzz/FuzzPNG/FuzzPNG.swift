import CFuzzDriver
import ConvEngine
import Foundation

/// libFuzzer target: bytes after the PNG signature, decoded through libpng under a 64 MiB budget.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard bytes.starts(with: signature) else { return -1 }
    _ = try? ImageInput.decode(bytes, path: "fuzz.png", memoryCap: 64 << 20)
    return 0
}

// The fuzzing loop: libFuzzer's driver with this program's command line.
var argumentCount = CommandLine.argc
var argumentValues: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argumentCount, &argumentValues) { data, size in fuzzPNG(data!, size) })
