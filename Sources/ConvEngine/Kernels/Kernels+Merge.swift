extension Kernels {
    /// A parallel block's merge into `output` of `shape`: concatenates `parts` on channels (channel-major: each
    /// part's `channels` planes after the previous part's; a part already at its place, as an inference plan puts
    /// them, is not copied) or sums them value by value in branch order. Split by positions over the kernel
    /// threads, as the convs split their columns, so each core reads what it wrote.
    static func merge(
        _ parts: [(values: UnsafePointer<Float>, channels: Int)], _ merge: Merge, shape: Shape, into output: UnsafeMutablePointer<Float>
    ) {
        // parts (C_i, H, W) -> output (ΣC_i, H, W) for concat; parts (C, H, W) -> output (C, H, W) for add
        let plane = shape.planeSize
        let threads = memoryBoundParts(values: shape.elementCount, threads: KernelThreads.count)
        let columns = split(plane, parts: threads, alignment: panelWidth)
        parallelFor(tasks: columns.count, threads: threads) { task in
            let range = columns[task]
            switch merge {
            case .concat:
                var offset = 0
                for part in parts {
                    defer { offset += part.channels * plane }
                    if part.values == output + offset { continue }
                    for c in 0..<part.channels {
                        let at = c * plane + range.lowerBound
                        (output + offset + at).update(from: part.values + at, count: range.count)
                    }
                }
            case .add:
                let bases = parts.map { Optional($0.values) }
                for c in 0..<shape.channels {
                    let at = c * plane + range.lowerBound
                    ConvEpilogue.sum(bases, own: parts[0].values, offset: at, count: range.count, into: output + at)
                }
            }
        }
    }
}
