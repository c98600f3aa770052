/// How a parallel block joins its branches: channel concatenation (Inception) or element-wise sum (residual).
public enum Merge: String, Hashable, Sendable, CaseIterable {
    case concat
    case add
}

/// Parallel branches fed the same input, merged into one output. An empty branch is the identity
/// (the skip path of a residual block).
public struct ParallelBlock: Hashable, Sendable {
    public var branches: [[Node]]
    public var merge: Merge
    public init(branches: [[Node]], merge: Merge = .concat) {
        self.branches = branches
        self.merge = merge
    }
}

/// One entry of a network: a named layer, or a named parallel block of branches.
public struct Node: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case layer(Layer)
        case parallel(ParallelBlock)
    }

    public var name: String
    public var kind: Kind

    public init(_ name: String, _ layer: Layer) {
        self.name = name
        self.kind = .layer(layer)
    }
    public init(_ name: String, parallel block: ParallelBlock) {
        self.name = name
        self.kind = .parallel(block)
    }

    /// The layer this node holds, or `nil` for a parallel block.
    public var layer: Layer? { if case .layer(let layer) = kind { return layer } else { return nil } }
    /// The block this node holds, or `nil` for a layer.
    public var block: ParallelBlock? { if case .parallel(let block) = kind { return block } else { return nil } }
}

/// Where a node sits in the tree: `layers[4]`, `layers[4].branches[2][1]`, and deeper.
/// Stored as the top-level index followed by (branch, index) pairs.
public struct NodePath: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var indices: [Int]

    public init(_ indices: [Int]) {
        precondition(indices.count % 2 == 1, "a node path is an index followed by (branch, index) pairs")
        self.indices = indices
    }

    /// The path of top-level node `index`.
    public static func top(_ index: Int) -> NodePath { NodePath([index]) }

    /// The path of node `index` in branch `branch` of the block at this path.
    public func child(branch: Int, index: Int) -> NodePath { NodePath(indices + [branch, index]) }

    /// The node at `index` in the same sequence (the top level or the same branch): `layers[4]` →
    /// `layers[2]`, `layers[4].branches[2][1]` → `layers[4].branches[2][0]`. Whether that node exists is the
    /// network's to say.
    public func sibling(at index: Int) -> NodePath {
        var indices = self.indices
        indices[indices.count - 1] = index
        return NodePath(indices)
    }

    /// The node right before this one in its sequence, `nil` for the first node of the top level or of a
    /// branch.
    public var previousSibling: NodePath? { index > 0 ? sibling(at: index - 1) : nil }

    /// The enclosing block's path, or `nil` at the top level.
    public var parent: NodePath? { indices.count > 1 ? NodePath(Array(indices.dropLast(2))) : nil }
    /// How many blocks enclose this node.
    public var depth: Int { indices.count / 2 }
    /// The index within its sequence.
    public var index: Int { indices[indices.count - 1] }
    /// The branch index within the parent block, `nil` at the top level.
    public var branch: Int? { indices.count > 1 ? indices[indices.count - 2] : nil }

    /// "layers[4].branches[2][1]" — the same spelling as JSON paths into a preset.
    public var description: String {
        var text = "layers[\(indices[0])]"
        var i = 1
        while i < indices.count {
            text += ".branches[\(indices[i])][\(indices[i + 1])]"
            i += 2
        }
        return text
    }

    public static func < (a: NodePath, b: NodePath) -> Bool { a.indices.lexicographicallyPrecedes(b.indices) }
}

extension Node {
    /// The layer's spec text, or "concat ×4" / "add ×2" for a parallel block.
    public var specText: String {
        switch kind {
        case .layer(let layer): return layer.specText
        case .parallel(let block): return "\(block.merge.rawValue) ×\(block.branches.count)"
        }
    }

    /// The preset's `type` word: a layer's, or "parallel".
    public var typeName: String { layer?.typeName ?? "parallel" }
}
