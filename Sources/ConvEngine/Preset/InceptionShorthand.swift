/// GoogLeNet's Inception module written as its six channel counts (Szegedy et al. 2014, Table 1).
/// It is only a way of writing: it expands to an ordinary parallel/concat block, and the encoder writes
/// such a block back as the shorthand when it matches the expansion exactly.
public struct InceptionShorthand: Hashable, Sendable {
    public var conv1x1: Int
    public var reduce3x3: Int
    public var conv3x3: Int
    public var reduce5x5: Int
    public var conv5x5: Int
    public var poolProjection: Int
    /// ReLU after every conv (GoogLeNet's); `false` leaves the branches linear.
    public var relu: Bool

    public init(
        conv1x1: Int, reduce3x3: Int, conv3x3: Int, reduce5x5: Int, conv5x5: Int, poolProjection: Int,
        relu: Bool = true
    ) {
        self.conv1x1 = conv1x1
        self.reduce3x3 = reduce3x3
        self.conv3x3 = conv3x3
        self.reduce5x5 = reduce5x5
        self.conv5x5 = conv5x5
        self.poolProjection = poolProjection
        self.relu = relu
    }

    /// The JSON keys, in the order Table 1 lists the columns.
    public static let keys = ["1x1", "3x3_reduce", "3x3", "5x5_reduce", "5x5", "pool_proj"]

    /// The counts in `keys` order.
    public var counts: [Int] { [conv1x1, reduce3x3, conv3x3, reduce5x5, conv5x5, poolProjection] }

    /// Output channels of the concatenated block: 1x1 + 3x3 + 5x5 + pool_proj.
    public var outChannels: Int { conv1x1 + conv3x3 + conv5x5 + poolProjection }

    /// The block as ordinary nodes, children named like Caffe's (`inception_3a/3x3_reduce`, `inception_3a/relu_3x3`):
    /// [1×1], [1×1 reduce, 3×3 pad 1], [1×1 reduce, 5×5 pad 2], [max pool 3×3/1 pad 1, 1×1 pool proj].
    public func expand(name: String) -> Node {
        func conv(_ suffix: String, _ out: Int, _ kernel: Int) -> [Node] {
            let node = Node("\(name)/\(suffix)", Conv(outChannels: out, kernel: Size2(kernel), padding: .explicit(Size2(kernel / 2))))
            return relu ? [node, Node("\(name)/relu_\(suffix)", ReLU())] : [node]
        }
        let pool = Node("\(name)/pool", Pool(kind: .max, kernel: Size2(3), stride: Size2(1), padding: Size2(1)))
        let branches: [[Node]] = [
            conv("1x1", conv1x1, 1),
            conv("3x3_reduce", reduce3x3, 1) + conv("3x3", conv3x3, 3),
            conv("5x5_reduce", reduce5x5, 1) + conv("5x5", conv5x5, 5),
            [pool] + conv("pool_proj", poolProjection, 1),
        ]
        return Node(name, parallel: ParallelBlock(branches: branches, merge: .concat))
    }

    /// Recognises a block that is exactly the expansion of some shorthand under its own name, else `nil`.
    public init?(matching node: Node) {
        guard let block = node.block, block.branches.count == 4 else { return nil }
        let relu = block.branches[0].count == 2
        func out(_ branch: Int, _ index: Int) -> Int? {
            let step = relu ? 2 : 1
            let position = index * step + (branch == 3 ? 1 : 0)
            guard block.branches[branch].indices.contains(position),
                let conv = block.branches[branch][position].layer?.as(Conv.self)
            else { return nil }
            return conv.outChannels
        }
        guard let a = out(0, 0), let b = out(1, 0), let c = out(1, 1), let d = out(2, 0), let e = out(2, 1),
            let f = out(3, 0)
        else { return nil }
        let candidate = InceptionShorthand(
            conv1x1: a, reduce3x3: b, conv3x3: c, reduce5x5: d, conv5x5: e,
            poolProjection: f, relu: relu)
        guard candidate.expand(name: node.name) == node else { return nil }
        self = candidate
    }
}
