/// Runs one layer on one input tensor by calling the kernels. The only place layers meet kernels.
enum LayerExecutor {
    /// Computes `layer` on `input` into `buffer` (resized to the output when its count differs) and returns the
    /// output tensor. Every kernel writes its whole output, so a recycled or uninitialised buffer is fine.
    /// `packed` is the conv weight already packed for the GEMM (nil: packed on the fly).
    static func apply(
        _ layer: Layer, to input: Tensor, output shape: Shape, conv: ConvGeometry?, pool: PoolGeometry?,
        parameters: LayerParameters?, packed: PackedConvWeights? = nil,
        into buffer: inout [Float]
    ) -> Tensor {
        guard shape.elementCount > 0, !input.data.isEmpty else { return Tensor(shape: shape) }
        if buffer.count != shape.elementCount { buffer = uninitializedFloats(shape.elementCount) }
        let c = input.shape.channels, plane = input.shape.planeSize
        buffer.withUnsafeMutableBufferPointer { buffer in
            input.data.withUnsafeBufferPointer { x in
                let x = x.baseAddress!, y = buffer.baseAddress!
                switch layer {
                case .conv:
                    let p = parameters!
                    p.weight.withUnsafeBufferPointer { w in
                        if let bias = p.bias {
                            bias.withUnsafeBufferPointer {
                                Kernels.conv2d(
                                    conv!, input: x, weight: w.baseAddress!, bias: $0.baseAddress, output: y,
                                    packed: packed)
                            }
                        } else {
                            Kernels.conv2d(conv!, input: x, weight: w.baseAddress!, bias: nil, output: y, packed: packed)
                        }
                    }
                case .pool(let spec):
                    switch spec.kind {
                    case .max: Kernels.maxPool2d(pool!, input: x, output: y)
                    case .average: Kernels.averagePool2d(pool!, input: x, output: y)
                    }
                case .globalAveragePool:
                    Kernels.globalAveragePool(channels: c, planeSize: plane, input: x, output: y)
                case .activation(let activation):
                    let n = input.data.count
                    switch activation {
                    case .relu: Kernels.relu(channels: c, planeSize: n / max(c, 1), input: x, output: y)
                    case .leakyRelu(let slope): Kernels.leakyRelu(count: n, slope: slope, input: x, output: y)
                    case .sigmoid: Kernels.sigmoid(count: n, input: x, output: y)
                    case .tanh: Kernels.tanh(count: n, input: x, output: y)
                    }
                case .batchNorm(let norm):
                    let p = parameters!
                    Kernels.batchNorm(
                        channels: c, planeSize: plane, mean: p.runningMean!, variance: p.runningVariance!,
                        scale: p.weight, shift: p.bias!, epsilon: norm.epsilon, input: x, output: y)
                case .localResponseNorm(let lrn):
                    Kernels.localResponseNorm(
                        channels: c, planeSize: plane, size: lrn.size, alpha: lrn.alpha,
                        beta: lrn.beta, k: lrn.k, input: x, output: y)
                case .dropout, .flatten:
                    y.update(from: x, count: input.data.count)
                case .dense(let dense):
                    let p = parameters!
                    p.weight.withUnsafeBufferPointer { w in
                        if let bias = p.bias {
                            bias.withUnsafeBufferPointer {
                                Kernels.dense(
                                    inFeatures: input.data.count, outFeatures: dense.outFeatures, input: x,
                                    weight: w.baseAddress!, bias: $0.baseAddress, output: y)
                            }
                        } else {
                            Kernels.dense(
                                inFeatures: input.data.count, outFeatures: dense.outFeatures, input: x,
                                weight: w.baseAddress!, bias: nil, output: y)
                        }
                    }
                case .softmax:
                    Kernels.softmax(channels: c, planeSize: plane, input: x, output: y)
                case .lateral:
                    parameters!.weight.withUnsafeBufferPointer { m in
                        Kernels.lateral(channels: c, planeSize: plane, m: m.baseAddress!, input: x, output: y)
                    }
                }
            }
        }
        return Tensor(shape: shape, data: buffer)
    }

    /// A new array of `count` floats whose contents are left as the allocator hands them over.
    static func uninitializedFloats(_ count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
}
