import Testing

@testable import ConvEngine

@Suite struct ReceptiveWindowsTests {
    static let input = InputSpec(shape: Shape(channels: 1, height: 8, width: 8))

    static func windows(_ nodes: [Node], of path: NodePath, row: Int, column: Int) throws -> [ReceptiveWindow] {
        let network = Network(name: "w", input: input, nodes: nodes)
        return network.receptiveWindows(of: path, row: row, column: column, shapes: try network.inferShapes())
    }

    /// A 1×1 conv sees exactly the pixel under its unit: it adds nothing to the field.
    @Test func aPointwiseConvSeesOnePixel() throws {
        let seen = try Self.windows([Node("p", Conv(outChannels: 2, kernel: Size2(1)))], of: .top(0), row: 3, column: 4)
        #expect(seen == [ReceptiveWindow(source: nil, shape: Self.input.shape, window: MapWindow(row: 3, column: 4))])
    }

    /// A 3×3 conv with padding 1 grows the window by one on every side, and reaches into the padding at the edge.
    @Test func aThreeByThreeGrowsItByTwo() throws {
        let nodes = [Node("c", Conv(outChannels: 1, kernel: Size2(3), padding: .explicit(Size2(1))))]
        let inside = try Self.windows(nodes, of: .top(0), row: 3, column: 4)
        #expect(inside.map(\.window) == [MapWindow(top: 2, left: 3, bottom: 4, right: 5)])
        let corner = try Self.windows(nodes, of: .top(0), row: 0, column: 0)
        #expect(corner[0].window == MapWindow(top: -1, left: -1, bottom: 1, right: 1))
        #expect(corner[0].window.clipped(to: Self.input.shape) == MapWindow(top: 0, left: 0, bottom: 1, right: 1))
    }

    /// conv 3×3 → max 2×2/2 → conv 3×3, by hand for unit (0, 1) of the last conv: on the pool's output rows
    /// 0…2 and columns 1…3; on the first conv's output rows 0·2…2·2+1 = 0…5, columns 2…7; on the input
    /// rows 0…7, columns 2…9 — 8×8, the cost table's receptive field.
    @Test func windowsWidenThroughStridesOnTheWayBack() throws {
        let nodes = [
            Node("c1", Conv(outChannels: 1, kernel: Size2(3))), Node("pool", Pool(kind: .max, kernel: Size2(2), stride: Size2(2))),
            Node("c2", Conv(outChannels: 1, kernel: Size2(3))),
        ]
        let network = Network(name: "w", input: Self.input, nodes: nodes)
        let shapes = try network.inferShapes()
        let seen = network.receptiveWindows(of: .top(2), row: 0, column: 1, shapes: shapes)
        #expect(seen.map(\.source) == [.top(1), .top(0), nil])
        #expect(
            seen.map(\.window) == [
                MapWindow(top: 0, left: 1, bottom: 2, right: 3), MapWindow(top: 0, left: 2, bottom: 5, right: 7),
                MapWindow(top: 0, left: 2, bottom: 7, right: 9),
            ])
        #expect(seen.last!.window.size == (try network.cost(shapes: shapes))[.top(2)].receptiveField)
    }

    /// A block sees the union of its branches: a 1×1 branch, a 3×3 branch and an identity skip give the 3×3's
    /// window; a node inside a branch sees only its own branch's way back.
    @Test func aBlockSeesTheUnionOfItsBranches() throws {
        let block = Node(
            "b",
            parallel: ParallelBlock(
                branches: [
                    [Node("one", Conv(outChannels: 1, kernel: Size2(1)))],
                    [Node("three", Conv(outChannels: 1, kernel: Size2(3), padding: .explicit(Size2(1))))], [],
                ], merge: .add))
        let merged = try Self.windows([block], of: .top(0), row: 4, column: 4)
        #expect(merged.map(\.window) == [MapWindow(top: 3, left: 3, bottom: 5, right: 5)])
        let inBranch = try Self.windows([block], of: NodePath([0, 0, 0]), row: 4, column: 4)
        #expect(inBranch == [ReceptiveWindow(source: nil, shape: Self.input.shape, window: MapWindow(row: 4, column: 4))])
    }

    /// For every node of every shipped preset, the window its first unit sees on the input (padding
    /// included) is as large as the cost table's receptive field: the two computations agree.
    @Test(arguments: PresetFixtures.shippedNames)
    func theInputWindowIsTheReceptiveField(_ name: String) throws {
        let network = try Preset.load(path: PresetFixtures.path(name)).network
        let shapes = try network.inferShapes()
        let costs = try network.cost(shapes: shapes)
        for path in network.displayOrder {
            let seen = network.receptiveWindows(of: path, row: 0, column: 0, shapes: shapes)
            #expect(seen.last?.source == nil)
            #expect(seen.last?.window.size == costs[path].receptiveField, "\(name) \(path)")
        }
    }
}
