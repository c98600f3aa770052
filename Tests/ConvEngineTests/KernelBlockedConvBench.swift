import CKernels
import Dispatch
import Foundation
import Testing

@testable import ConvEngine

/// The blocked conv (`Kernels.blockedConv2d` on NCHW8c) against today's NCHW `Kernels.conv2d` with its packed weights,
/// per conv of ResNet-50 and a few others, at 1 and 2 threads: calls alternating, minima, GFLOP/s and % of the FMA
/// peak. A measurement, not a check: runs only with CONVPLAY_BLOCKED_BENCH set (`bench/blocked-conv.sh`), whose value
/// is the rounds (default 15).
@Suite struct KernelBlockedConvBench {
    static let rounds = Int(ProcessInfo.processInfo.environment["CONVPLAY_BLOCKED_BENCH"] ?? "") ?? 15

    static let shapes: [ConvCase] = [
        ConvCase("res2 1×1 64→64 56×56", c: 64, h: 56, w: 56, k: 64, kernel: (1, 1)),
        ConvCase("res2 1×1 64→256 56×56", c: 64, h: 56, w: 56, k: 256, kernel: (1, 1)),
        ConvCase("res2 1×1 256→64 56×56", c: 256, h: 56, w: 56, k: 64, kernel: (1, 1)),
        ConvCase("res3a 1×1 256→128 56×56", c: 256, h: 56, w: 56, k: 128, kernel: (1, 1)),
        ConvCase("res3 1×1 128→512 28×28", c: 128, h: 28, w: 28, k: 512, kernel: (1, 1)),
        ConvCase("res3 1×1 512→128 28×28", c: 512, h: 28, w: 28, k: 128, kernel: (1, 1)),
        ConvCase("res3a_b1 1×1/2 256→512 56→28", c: 256, h: 56, w: 56, k: 512, kernel: (1, 1), stride: (2, 2)),
        ConvCase("res4a_b1 1×1/2 512→1024 28→14", c: 512, h: 28, w: 28, k: 1024, kernel: (1, 1), stride: (2, 2)),
        ConvCase("res2 3×3 64→64 56×56", c: 64, h: 56, w: 56, k: 64, kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase("res3 3×3 128→128 28×28", c: 128, h: 28, w: 28, k: 128, kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase(
            "res3a 3×3/2 128→128 56→28", c: 128, h: 56, w: 56, k: 128, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1)),
        ConvCase("res4 3×3 256→256 14×14", c: 256, h: 14, w: 14, k: 256, kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase("res5 3×3 512→512 7×7", c: 512, h: 7, w: 7, k: 512, kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase("res4 1×1 1024→256 14×14", c: 1024, h: 14, w: 14, k: 256, kernel: (1, 1)),
        ConvCase("res4 1×1 256→1024 14×14", c: 256, h: 14, w: 14, k: 1024, kernel: (1, 1)),
        ConvCase("res5 1×1 2048→512 7×7", c: 2048, h: 7, w: 7, k: 512, kernel: (1, 1)),
        ConvCase("res5 1×1 512→2048 7×7", c: 512, h: 7, w: 7, k: 2048, kernel: (1, 1)),
        ConvCase("NIN conv2 5×5 96→192 16×16", c: 96, h: 16, w: 16, k: 192, kernel: (5, 5), pad: (2, 2, 2, 2)),
        ConvCase("inception 3×3 96→128 28×28", c: 96, h: 28, w: 28, k: 128, kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase("MobileNetV2 1×1 32→16 112×112", c: 32, h: 112, w: 112, k: 16, kernel: (1, 1)),
        ConvCase("MobileNetV2 1×1 96→24 56×56", c: 96, h: 56, w: 56, k: 24, kernel: (1, 1)),
        ConvCase("MobileNetV2 1×1 144→32 28×28", c: 144, h: 28, w: 28, k: 32, kernel: (1, 1)),
        ConvCase(
            "res4a 3×3/2 256→256 28→14", c: 256, h: 28, w: 28, k: 256, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1)),
        ConvCase(
            "res5a 3×3/2 512→512 14→7", c: 512, h: 14, w: 14, k: 512, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1)),
        ConvCase("googlenet 5b 3×3 192→384 7×7", c: 192, h: 7, w: 7, k: 384, kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase("googlenet 4e 5×5 32→128 14×14", c: 32, h: 14, w: 14, k: 128, kernel: (5, 5), pad: (2, 2, 2, 2)),
        ConvCase("res5a_b1 1×1/2 1024→2048 14→7", c: 1024, h: 14, w: 14, k: 2048, kernel: (1, 1), stride: (2, 2)),
        ConvCase("MobileNetV2 1×1 16→96 112×112", c: 16, h: 112, w: 112, k: 96, kernel: (1, 1)),
        ConvCase("MobileNetV2 1×1 24→144 56×56", c: 24, h: 56, w: 56, k: 144, kernel: (1, 1)),
        ConvCase("MobileNetV2 1×1 32→192 28×28", c: 32, h: 28, w: 28, k: 192, kernel: (1, 1)),
        ConvCase("MobileNetV2 1×1 64→384 14×14", c: 64, h: 14, w: 14, k: 384, kernel: (1, 1)),
        ConvCase("MobileNetV2 1×1 96→576 14×14", c: 96, h: 14, w: 14, k: 576, kernel: (1, 1)),
        ConvCase("MobileNetV2 1×1 160→960 7×7", c: 160, h: 7, w: 7, k: 960, kernel: (1, 1)),
        ConvCase("MobileNetV2 1×1 320→1280 7×7", c: 320, h: 7, w: 7, k: 1280, kernel: (1, 1)),
        ConvCase("MobileNetV2 1×1 576→96 14×14", c: 576, h: 14, w: 14, k: 96, kernel: (1, 1)),
        ConvCase("SqueezeNet expand1x1 16→64 54×54", c: 16, h: 54, w: 54, k: 64, kernel: (1, 1)),
        ConvCase("SqueezeNet expand1x1 32→128 27×27", c: 32, h: 27, w: 27, k: 128, kernel: (1, 1)),
        ConvCase("SqueezeNet expand1x1 48→192 27×27", c: 48, h: 27, w: 27, k: 192, kernel: (1, 1)),
        ConvCase("SqueezeNet expand1x1 64→256 13×13", c: 64, h: 13, w: 13, k: 256, kernel: (1, 1)),
        ConvCase("SqueezeNet squeeze 128→16 54×54", c: 128, h: 54, w: 54, k: 16, kernel: (1, 1)),
        ConvCase("SqueezeNet conv10 512→1000 13×13", c: 512, h: 13, w: 13, k: 1000, kernel: (1, 1)),
        ConvCase("NIN cccp1 192→160 32×32", c: 192, h: 32, w: 32, k: 160, kernel: (1, 1)),
        ConvCase("NIN cccp2 160→96 32×32", c: 160, h: 32, w: 32, k: 96, kernel: (1, 1)),
        ConvCase("NIN cccp3 192→192 16×16", c: 192, h: 16, w: 16, k: 192, kernel: (1, 1)),
        ConvCase("NIN cccp5 192→192 8×8", c: 192, h: 8, w: 8, k: 192, kernel: (1, 1)),
        ConvCase("inception-3a 1×1 192→64 28×28", c: 192, h: 28, w: 28, k: 64, kernel: (1, 1)),
        ConvCase("inception-3a 1×1 192→96 28×28", c: 192, h: 28, w: 28, k: 96, kernel: (1, 1)),
    ]

    /// Only the shapes whose name contains CONVPLAY_BLOCKED_BENCH_FILTER (every shape when unset).
    static let filtered = shapes.filter { shape in
        guard let filter = ProcessInfo.processInfo.environment["CONVPLAY_BLOCKED_BENCH_FILTER"] else { return true }
        return shape.name.contains(filter)
    }

    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["CONVPLAY_BLOCKED_BENCH"] != nil))
    func blockedAgainstPlanar() {
        let peaks = [1, 2].map { Kernels.peakGFLOPS(threads: $0) }
        print(
            "NCHW conv2d (packed) vs blocked, \(Self.rounds) alternating rounds, minima; peak \(peaks.map { String(format: "%.1f", $0) }) GFLOP/s at 1, 2 threads"
        )
        print("shape                                  thr   NCHW ms  blocked ms  ratio   NCHW %pk  blocked %pk")
        for shape in Self.filtered {
            let g = shape.geometry, outCount = g.outChannels * g.outHeight * g.outWidth
            var random = TestRandom(seed: 7)
            let (input, weight, bias) = random.convOperands(g)
            let planarPacked = weight.withUnsafeBufferPointer { PackedConvWeights(g, weight: $0.baseAddress!) }
            let blockedPacked = weight.withUnsafeBufferPointer { Kernels.packBlockedWeight(g, weight: $0.baseAddress!) }
            var blockedInput = [Float](repeating: 0, count: input.count)
            Kernels.toBlocked(channels: g.inChannels, positions: g.inHeight * g.inWidth, input: input, output: &blockedInput)
            var planarOut = [Float](repeating: 0, count: outCount), blockedOut = planarOut
            for threads in [1, 2] {
                var best = (Double.infinity, Double.infinity)
                for _ in 0...Self.rounds {
                    best.0 = min(
                        best.0,
                        Self.seconds {
                            Kernels.conv2d(
                                g, input: input, weight: weight, bias: bias, output: &planarOut, packed: planarPacked,
                                threads: threads)
                        })
                    best.1 = min(
                        best.1,
                        Self.seconds {
                            Kernels.blockedConv2d(
                                g, input: blockedInput, packed: blockedPacked, bias: bias, output: &blockedOut, store: .none,
                                threads: threads)
                        })
                }
                let gflop = 2 * Double(g.macs) * 1e-9
                print(
                    shape.name.padding(toLength: 38, withPad: " ", startingAt: 0)
                        + String(
                            format: " %2d  %8.3f  %9.3f  %6.3f  %8.1f  %10.1f", threads, best.0 * 1e3, best.1 * 1e3,
                            best.1 / best.0, 100 * gflop / best.0 / peaks[threads - 1],
                            100 * gflop / best.1 / peaks[threads - 1]))
            }
        }
    }
}
