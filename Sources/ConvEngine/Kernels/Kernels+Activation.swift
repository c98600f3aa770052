import CKernels
import Foundation

extension Kernels {
    /// ReLU: y = max(x, 0). Output may alias input (pass the same buffer for in place). Large maps are split
    /// across `threads` threads.
    public static func relu(count: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                            threads: Int = KernelThreads.count) {
        // input (N) -> output (N), element by element
        let ranges = split(count, parts: count < 1 << 16 ? 1 : threads, alignment: 64)
        parallelFor(tasks: ranges.count, threads: threads) { task in
            ck_relu(ranges[task].count, input + ranges[task].lowerBound, output + ranges[task].lowerBound)
        }
    }

    /// Leaky ReLU: y = x for x > 0, slope · x otherwise. Output may alias input.
    public static func leakyRelu(count: Int, slope: Float, input: UnsafePointer<Float>,
                                 output: UnsafeMutablePointer<Float>) {
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
