/// A binary labelling — each variable planar or blocked — of least total cost, found exactly by an s–t minimum cut:
/// each variable costs `planar` or `blocked` (nil: it cannot run blocked), and each group of variables costs its
/// `cost` once when its labels differ (a value whose writer and readers disagree pays one reorder, however many
/// readers need the other layout). Both kinds of term are submodular, so the cut is exact; ties go planar.
///
/// The construction (Kolmogorov and Zabih, "What energy functions can be minimized via graph cuts?", 2004; the group
/// term as in Kohli, Kumar and Torr's P^n Potts model, 2007): the source side is planar, the sink side blocked. A
/// variable's `blocked` cost is an edge source → it, its `planar` cost an edge it → sink (less their minimum). A group
/// of cost R is R·[some member blocked] + R·[some member planar] − R: an extra node z with source → z of R and z →
/// each member unbounded (a blocked member pulls z to the sink side), and an extra node w with w → sink of R and each
/// member → w unbounded.
struct LayoutLabelling {
    struct Variable {
        var planar: Int
        /// Nil: the variable is planar whatever it costs.
        var blocked: Int?
    }

    struct Group {
        var members: [Int]
        var cost: Int
    }

    var variables: [Variable] = []
    var groups: [Group] = []

    /// Each variable's label (true: blocked) at the least total cost; among labellings of that cost, the one with
    /// the fewest blocked variables (the sink side of the cut nearest the sink).
    func solve() -> [Bool] {
        var graph = FlowGraph(nodes: 2 + variables.count + 2 * groups.count)
        let (source, sink) = (0, 1)
        for (v, variable) in variables.enumerated() {
            guard let blocked = variable.blocked else {
                graph.addEdge(source, 2 + v, FlowGraph.unbounded)
                continue
            }
            let least = min(variable.planar, blocked)
            graph.addEdge(source, 2 + v, blocked - least)
            graph.addEdge(2 + v, sink, variable.planar - least)
        }
        for (i, group) in groups.enumerated() where group.cost > 0 && Set(group.members).count > 1 {
            let (z, w) = (2 + variables.count + 2 * i, 3 + variables.count + 2 * i)
            graph.addEdge(source, z, group.cost)
            graph.addEdge(w, sink, group.cost)
            for member in Set(group.members).sorted() {
                graph.addEdge(z, 2 + member, FlowGraph.unbounded)
                graph.addEdge(2 + member, w, FlowGraph.unbounded)
            }
        }
        graph.maximizeFlow(from: source, to: sink)
        let sinkSide = graph.reachingInResidual(sink)
        return variables.indices.map { sinkSide[2 + $0] }
    }

    /// The total cost of `labels` (true: blocked): what `solve` minimizes.
    func cost(of labels: [Bool]) -> Int {
        let own = variables.indices.map { v in labels[v] ? variables[v].blocked ?? FlowGraph.unbounded : variables[v].planar }
        let reorders = groups.map { group in Set(group.members.map { labels[$0] }).count > 1 ? group.cost : 0 }
        return own.reduce(0, +) + reorders.reduce(0, +)
    }
}

/// A directed graph with edge capacities and the flow on them (Edmonds–Karp: augmenting along shortest paths, so
/// the result does not depend on chance; a few hundred nodes for the largest shipped network).
private struct FlowGraph {
    /// More than any finite cut (costs are nanoseconds of a forward pass).
    static let unbounded = Int.max / 4
    /// Each edge's head and remaining capacity; edge e ^ 1 is e's reverse.
    private var head: [Int] = [], capacity: [Int] = []
    private var outgoing: [[Int]]

    init(nodes: Int) { outgoing = Array(repeating: [], count: nodes) }

    mutating func addEdge(_ from: Int, _ to: Int, _ amount: Int) {
        guard amount > 0 else { return }
        outgoing[from].append(head.count)
        head.append(to)
        capacity.append(amount)
        outgoing[to].append(head.count)
        head.append(from)
        capacity.append(0)
    }

    mutating func maximizeFlow(from source: Int, to sink: Int) {
        while let path = shortestPath(from: source, to: sink) {
            let amount = path.map { capacity[$0] }.min()!
            for e in path {
                capacity[e] -= amount
                capacity[e ^ 1] += amount
            }
        }
    }

    /// The edges of a shortest path with capacity left on each, breadth first.
    private func shortestPath(from source: Int, to sink: Int) -> [Int]? {
        var via = Array(repeating: -1, count: outgoing.count)
        var queue = [source], next = 0
        var seen = Array(repeating: false, count: outgoing.count)
        seen[source] = true
        while next < queue.count, !seen[sink] {
            let node = queue[next]
            next += 1
            for e in outgoing[node] where capacity[e] > 0 && !seen[head[e]] {
                seen[head[e]] = true
                via[head[e]] = e
                queue.append(head[e])
            }
        }
        guard seen[sink] else { return nil }
        var path: [Int] = [], node = sink
        while node != source {
            path.append(via[node])
            node = head[via[node] ^ 1]
        }
        return path
    }

    /// The nodes from which `sink` can still be reached along edges with capacity left.
    func reachingInResidual(_ sink: Int) -> [Bool] {
        var reached = Array(repeating: false, count: outgoing.count)
        reached[sink] = true
        var stack = [sink]
        while let node = stack.popLast() {
            // an edge u → node with capacity left is the reverse of an edge node → u in `outgoing[node]`
            for e in outgoing[node] where capacity[e ^ 1] > 0 && !reached[head[e]] {
                reached[head[e]] = true
                stack.append(head[e])
            }
        }
        return reached
    }
}
