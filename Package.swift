// swift-tools-version: 6.0
import PackageDescription

/// convplay: a terminal playground for convolutional networks.
/// Dependencies point one way: convplay → ConvPlayTUI → ConvEngine, ConvPlayTUI → CNCurses.

let package = Package(
    name: "convplay",
    // Debian is the target (README); on macOS, the Synchronization module's Mutex (the playground's compute
    // hand-off) needs macOS 15.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "convplay", targets: ["convplay"]),
        .library(name: "ConvEngine", targets: ["ConvEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        // The protobuf runtime only: ONNX's message types are generated once and committed (Sources/ConvEngine/ONNX).
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        // Fast numeric kernels in C (GEMM micro-kernels, im2col); no terminal code.
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]
        ),
        // The engine: tensors, layers, networks, shapes, cost, forward passes, presets. Knows no terminal.
        .target(
            name: "ConvEngine",
            dependencies: ["CKernels", "CPNG", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["ONNX/README.md"]
        ),
        // libpng (Debian: libpng-dev) for reading PNG inputs through its simplified png_image API.
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        // ncursesw binding plus a tiny C shim for the macros Swift cannot import.
        .target(
            name: "CNCurses",
            cSettings: [.define("NCURSES_WIDECHAR", to: "1"), .define("_XOPEN_SOURCE_EXTENDED", to: "1")],
            linkerSettings: [.linkedLibrary("ncursesw")]
        ),
        // The interactive front: state, reducer, view into a cell buffer, and one ncurses backend.
        .target(name: "ConvPlayTUI", dependencies: ["ConvEngine", "CNCurses"]),
        .executableTarget(
            name: "convplay",
            dependencies: [
                "ConvEngine", "ConvPlayTUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Tests/Reference holds the Python reference scripts ConvEngineTests run; it is not a target.
        .testTarget(name: "ConvEngineTests", dependencies: ["ConvEngine"]),
        .testTarget(name: "ConvPlayTUITests", dependencies: ["ConvPlayTUI", "ConvEngine"]),
        // Drives the real binary: the command line, and the playground through tmux.
        .testTarget(name: "EndToEndTests"),
    ]
)

// `make fuzz` (CONVPLAY_FUZZ=1): libFuzzer targets, built with -sanitize=fuzzer,address into .build-fuzz. Each is
// one file: LLVMFuzzerTestOneInput over one of the engine's public readers, and a main that hands it to libFuzzer's
// driver. Only part of the package when asked for (they need libFuzzer to link).
if Context.environment["CONVPLAY_FUZZ"] == "1" {
    package.targets.append(.target(name: "CFuzzDriver", path: "Fuzz/CFuzzDriver"))
    for name in ["FuzzPreset", "FuzzNpy", "FuzzNetpbm", "FuzzPNG", "FuzzWeightsFolder", "FuzzONNX", "FuzzSafetensors", "FuzzIDX"] {
        package.targets.append(.executableTarget(name: name, dependencies: ["ConvEngine", "CFuzzDriver"], path: "Fuzz/\(name)"))
    }
}
