import CKernels
import Foundation

extension Kernels {
    /// ReLU: y = max(x, 0). Output may alias input (pass the same buffer for in place). Large maps are split
    /// across `threads` threads.
    public static func relu(
        count: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        threads: Int = KernelThreads.count
    ) {
        // input (N) -> output (N), element by element
        elementwise(count: count, threads: threads) { range in
            ck_relu(range.count, input + range.lowerBound, output + range.lowerBound)
        }
    }

    /// Clip: y = min(max(x, minimum), maximum); ReLU6 is `minimum: 0, maximum: 6`.
    /// A NaN input stays NaN (clipping it to a bound would hide a broken value); `minimum > maximum` gives
    /// `maximum` everywhere, as numpy's and ONNX's Clip do. Output may alias input. Large maps are split across
    /// `threads` threads.
    public static func clip(
        count: Int, minimum: Float, maximum: Float, input: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>, threads: Int = KernelThreads.count
    ) {
        // input (N) -> output (N), element by element
        elementwise(count: count, threads: threads) { range in
            ck_clip(range.count, minimum, maximum, input + range.lowerBound, output + range.lowerBound)
        }
    }

    /// Hard swish (MobileNetV3), PyTorch's definition: y = x · min(max(x + 3, 0), 6) / 6, so 0 from −3 down and
    /// exactly x from 3 up. ONNX's HardSwish, x · max(0, min(1, x/6 + 1/2)), is the same up to rounding.
    /// NaN stays NaN, and so does −∞ (−∞ · 0, as in both definitions). Output may alias input. Large maps are
    /// split across `threads` threads.
    public static func hardSwish(
        count: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        threads: Int = KernelThreads.count
    ) {
        // input (N) -> output (N), element by element
        elementwise(count: count, threads: threads) { range in
            ck_hardswish(range.count, input + range.lowerBound, output + range.lowerBound)
        }
    }

    /// Runs `body` over pieces of `0..<count` on the worker pool: one piece below 64 K values, else one per
    /// thread, cut at multiples of 64.
    private static func elementwise(count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        let ranges = split(count, parts: count < 1 << 16 ? 1 : threads, alignment: 64)
        parallelFor(tasks: ranges.count, threads: threads) { task in body(ranges[task]) }
    }

    /// ReLU of a (C, P) map split across threads by positions, as `conv2d` splits its output columns: each
    /// thread then reads the part its own core just wrote (in its own cache) instead of the other core's.
    static func relu(
        channels: Int, planeSize: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        threads: Int = KernelThreads.count
    ) {
        // input (C, P) -> output (C, P), element by element
        let count = channels * planeSize
        let columns = split(planeSize, parts: memoryBoundParts(values: count, threads: threads), alignment: panelWidth)
        if columns.count <= 1 {
            relu(count: count, input: input, output: output, threads: threads)
            return
        }
        parallelFor(tasks: columns.count, threads: threads) { task in
            let range = columns[task]
            for c in 0..<channels {
                let offset = c * planeSize + range.lowerBound
                ck_relu(range.count, input + offset, output + offset)
            }
        }
    }

    /// Leaky ReLU: y = x for x > 0, slope · x otherwise. Output may alias input.
    public static func leakyRelu(
        count: Int, slope: Float, input: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) {
        // input (N) -> output (N), element by element
        for i in 0..<count { output[i] = input[i] > 0 ? input[i] : slope * input[i] }
    }

    /// Logistic sigmoid: y = 1 / (1 + e^−x). Output may alias input.
    public static func sigmoid(count: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        // input (N) -> output (N), element by element
        for i in 0..<count { output[i] = 1 / (1 + expf(-input[i])) }
    }

    /// Hyperbolic tangent. Output may alias input.
    public static func tanh(count: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        // input (N) -> output (N), element by element
        for i in 0..<count { output[i] = tanhf(input[i]) }
    }

    /// ReLU in place.
    public static func relu(count: Int, _ data: UnsafeMutablePointer<Float>) {
        relu(count: count, input: data, output: data)
    }

    /// Leaky ReLU in place.
    public static func leakyRelu(count: Int, slope: Float, _ data: UnsafeMutablePointer<Float>) {
        leakyRelu(count: count, slope: slope, input: data, output: data)
    }

    /// Sigmoid in place.
    public static func sigmoid(count: Int, _ data: UnsafeMutablePointer<Float>) {
        sigmoid(count: count, input: data, output: data)
    }

    /// Tanh in place.
    public static func tanh(count: Int, _ data: UnsafeMutablePointer<Float>) {
        tanh(count: count, input: data, output: data)
    }
}
