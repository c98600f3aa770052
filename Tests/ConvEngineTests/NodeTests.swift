import Testing

@testable import ConvEngine

/// NodePath's arithmetic: siblings in the same sequence, and what feeds a node.
struct NodePathTests {
    struct SiblingCase: CustomTestStringConvertible, Sendable {
        let name: String
        let path: NodePath
        let index: Int
        let expected: NodePath
        var testDescription: String { name }
    }

    static let siblingCases: [SiblingCase] = [
        SiblingCase(name: "top level", path: .top(4), index: 2, expected: .top(2)),
        SiblingCase(name: "itself", path: .top(4), index: 4, expected: .top(4)),
        SiblingCase(name: "in a branch", path: NodePath([4, 2, 1]), index: 0, expected: NodePath([4, 2, 0])),
        SiblingCase(name: "past the end is still a path", path: NodePath([4, 2, 1]), index: 7, expected: NodePath([4, 2, 7])),
        SiblingCase(name: "two blocks deep", path: NodePath([1, 0, 3, 2, 5]), index: 1, expected: NodePath([1, 0, 3, 2, 1])),
    ]

    @Test(arguments: siblingCases)
    func siblingKeepsTheSequence(_ c: SiblingCase) {
        let sibling = c.path.sibling(at: c.index)
        #expect(sibling == c.expected)
        #expect(sibling.parent == c.path.parent)
        #expect(sibling.branch == c.path.branch)
        #expect(sibling.index == c.index)
    }

    struct PreviousCase: CustomTestStringConvertible, Sendable {
        let name: String
        let path: NodePath
        let expected: NodePath?
        var testDescription: String { name }
    }

    static let previousCases: [PreviousCase] = [
        PreviousCase(name: "first at the top", path: .top(0), expected: nil),
        PreviousCase(name: "later at the top", path: .top(3), expected: .top(2)),
        PreviousCase(name: "first in a branch", path: NodePath([4, 2, 0]), expected: nil),
        PreviousCase(name: "later in a branch", path: NodePath([4, 2, 1]), expected: NodePath([4, 2, 0])),
    ]

    @Test(arguments: previousCases)
    func previousSiblingStopsAtTheSequenceStart(_ c: PreviousCase) {
        #expect(c.path.previousSibling == c.expected)
    }

    /// conv, block [[a, b], [c]], relu: each node's input is the node before it in its sequence; a branch's
    /// first node reads the block's own input.
    @Test func inputPathFollowsSiblingsThenTheBlock() {
        let block = ParallelBlock(branches: [
            [Node("a", Layer(ReLU())), Node("b", Layer(ReLU()))],
            [Node("c", Layer(ReLU()))],
        ])
        let network = Network(
            name: "t", input: InputSpec(shape: Shape(channels: 1, height: 2, width: 2)),
            nodes: [
                Node("conv", Layer(Conv(outChannels: 1, kernel: Size2(1)))), Node("block", parallel: block),
                Node("relu", Layer(ReLU())),
            ])
        #expect(network.inputPath(of: .top(0)) == nil)
        #expect(network.inputPath(of: .top(1)) == .top(0))
        #expect(network.inputPath(of: .top(2)) == .top(1))
        #expect(network.inputPath(of: NodePath([1, 0, 0])) == .top(0))
        #expect(network.inputPath(of: NodePath([1, 0, 1])) == NodePath([1, 0, 0]))
        #expect(network.inputPath(of: NodePath([1, 1, 0])) == .top(0))
    }
}
