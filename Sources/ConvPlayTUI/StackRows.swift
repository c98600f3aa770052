import ConvEngine
import Foundation

/// One row of the layer stack, before drawing.
struct StackRow: Hashable {
    var path: NodePath?
    /// "▶" on the step cursor, "▸" on a folded block holding it, "✓" once computed.
    var mark: String
    /// Box lines placing a branch node among its block's branches, then "▼ " / "▶ " on a block.
    var tree: String
    var name: String
    /// The spec's ever shorter forms, longest first (one for the input row).
    var specs: [String]
    var shape: String
    var params: String
    var isBlock: Bool
    var isFolded: Bool
}

/// The paths the stack lists, in display order: every node except those inside a folded block.
func visiblePaths(_ state: AppState) -> [NodePath] {
    let network = state.network
    guard !state.collapsed.isEmpty else { return network.displayOrder }
    return network.displayOrder.filter { visibleAncestor($0, state) == $0 }
}

/// The row standing for `path`: itself, or the outermost folded block around it.
func visibleAncestor(_ path: NodePath, _ state: AppState) -> NodePath {
    var shown = path
    var outer = path.parent
    while let parent = outer {
        if let block = state.network.node(at: parent), state.collapsed.contains(block.name) { shown = parent }
        outer = parent.parent
    }
    return shown
}

/// The stack's rows: the input then every visible node, branches drawn with box characters.
func stackRows(_ state: AppState) -> [StackRow] {
    let network = state.network, session = state.session
    let cursor = session.computedCount > 0 ? session.order[session.computedCount - 1] : nil
    let cursorRow = cursor.map { visibleAncestor($0, state) }
    var rows = [
        StackRow(
            path: nil, mark: " ", tree: "", name: "input", specs: [Format.source(network.input.source)],
            shape: network.input.shape.description, params: "0", isBlock: false, isFolded: false)
    ]
    for row in state.derived.rows {
        let path = row.summary.path
        if !state.collapsed.isEmpty, visibleAncestor(path, state) != path { continue }
        let mark = path == cursorRow ? (cursor == path ? "▶" : "▸") : session.output(of: path) != nil ? "✓" : " "
        let isFolded = row.isBlock && state.collapsed.contains(row.summary.name)
        rows.append(
            StackRow(
                path: path, mark: mark, tree: row.tree + (row.isBlock ? (isFolded ? "▶ " : "▼ ") : ""), name: row.localName,
                specs: row.specVariants, shape: row.summary.output.description, params: Format.compact(row.summary.cost.params),
                isBlock: row.isBlock, isFolded: isFolded))
    }
    return rows
}

/// "├─┬ ", "│ └ ", "└── ": where a branch node sits among its block's branches.
func treePrefix(_ path: NodePath, _ network: Network) -> String {
    guard let parent = path.parent, let branch = path.branch, let block = network.node(at: parent)?.block else { return "" }
    // Outer levels: a rail while that level's branch has later siblings.
    var outer = parent
    var rails: [String] = []
    while let grand = outer.parent, let b = outer.branch, let grandBlock = network.node(at: grand)?.block {
        rails.append(b < grandBlock.branches.count - 1 ? "│ " : "  ")
        outer = grand
    }
    var prefix = rails.reversed().joined()
    let lastBranch = branch == block.branches.count - 1
    let branchNodes = block.branches[branch]
    if path.index == 0 {
        prefix += (lastBranch ? "└─" : "├─") + (branchNodes.count > 1 ? "┬ " : "─ ")
    } else {
        prefix += (lastBranch ? "  " : "│ ") + (path.index == branchNodes.count - 1 ? "└ " : "├ ")
    }
    return prefix
}

/// Ever shorter forms of a layer spec for narrow stacks, longest first: the engine's text, then without a
/// stride of 1, then with a tight arrow, then without the "conv " word and the "ceil" rounding.
func specVariants(_ spec: String) -> [String] {
    var variants = [spec]
    var text = spec
    for (from, to) in [("/1 ", " "), ("/1 →", " →")] { text = text.replacingOccurrences(of: from, with: to) }
    if text.hasSuffix("/1") { text.removeLast(2) }
    if text != variants.last { variants.append(text) }
    text = text.replacingOccurrences(of: " → ", with: "→")
    if text != variants.last { variants.append(text) }
    if text.hasPrefix("conv ") { text.removeFirst(5) }
    text = text.replacingOccurrences(of: " ceil", with: "")
    if text != variants.last { variants.append(text) }
    return variants
}

/// The longest of a spec's `variants` that fits `width`, cut with "…" when none does.
func fittedSpec(_ variants: [String], width: Int) -> String {
    (variants.first { $0.count <= width } ?? variants.last!).fitted(width)
}

/// The stack's columns at a pane width: the step mark, names, specs, shapes and parameter counts. Specs
/// shorten first (down to their shortest forms, at most 7 cells kept), then the counts give way (the
/// inspector has them), then names are cut. Widths are measured over every node (folded or not), so folding
/// never shifts the columns.
struct StackColumns: Hashable {
    var mark: Int
    var name: Int
    var spec: Int
    var shape: Int
    var params: Int

    /// The inner width every column wants: names, the longest spec, shapes and counts in full.
    static func natural(_ derived: DerivedNetwork) -> Int {
        3 + derived.nameWidth + 1 + derived.specWidth + 1 + derived.shapeWidth + 1 + derived.paramsWidth
    }

    init(_ derived: DerivedNetwork, innerWidth: Int) {
        shape = derived.shapeWidth
        params = derived.paramsWidth
        mark = innerWidth >= Self.natural(derived) ? 3 : 2
        var text = innerWidth - mark - shape - 1 - params - 1
        let specFloor = min(derived.shortSpecWidth, 7)
        if text - derived.nameWidth - 1 < specFloor {
            text += params + 1
            params = 0
        }
        name = min(derived.nameWidth, max(6, text - 1 - specFloor))
        spec = max(0, text - name - 1)
    }
}
