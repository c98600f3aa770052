import Testing

@testable import ConvEngine

/// The minimum cut that labels the inference plan's steps planar or blocked (`LayoutLabelling`), on hand-built
/// labellings whose best answer is worked out by hand, and against every labelling of small random ones.
@Suite struct LayoutLabellingTests {
    typealias Variable = LayoutLabelling.Variable
    typealias Group = LayoutLabelling.Group

    /// A chain outside → 1 → 2 → … → outside (variable 0 the planar outside), `reorder` a value between neighbours.
    static func chain(_ steps: [(planar: Int, blocked: Int?)], reorder: Int) -> LayoutLabelling {
        var labelling = LayoutLabelling()
        labelling.variables = [Variable(planar: 0, blocked: nil)] + steps.map { Variable(planar: $0.planar, blocked: $0.blocked) }
        let ends = [0] + Array(1...steps.count) + [0]
        labelling.groups = zip(ends, ends.dropFirst()).map { Group(members: [$0, $1], cost: reorder) }
        return labelling
    }

    /// A winning conv between two losing ones gains 10 but would pay two reorders of 30: everything stays planar.
    @Test func islandBetweenLosingConvsStaysPlanar() {
        let labelling = Self.chain([(100, 110), (100, 90), (100, 110)], reorder: 30)
        #expect(labelling.solve() == [false, false, false, false])
    }

    /// Three winners of 25 each (75) against one reorder in and one out (60): the whole chain goes blocked; and two
    /// winners of 35 around a loser of 5 (65 > 60) go blocked with it (leaving it planar would cost two more reorders).
    @Test func chainOfWinnersGoesBlockedWithOneReorderEachWay() {
        let winners = Self.chain([(100, 75), (100, 75), (100, 75)], reorder: 30)
        #expect(winners.solve() == [false, true, true, true])
        #expect(winners.cost(of: winners.solve()) == 3 * 75 + 2 * 30)
        let withLoser = Self.chain([(100, 65), (100, 105), (100, 65)], reorder: 30)
        #expect(withLoser.solve() == [false, true, true, true])
        // a step without a blocked kernel cuts the chain: each side alone gains 25 < 60, so all planar
        let cut = Self.chain([(100, 75), (100, nil), (100, 75)], reorder: 30)
        #expect(cut.solve() == [false, false, false, false])
    }

    /// A conv whose gain is just below its two reorders stays planar; just above, it goes blocked; exactly equal,
    /// planar (ties go planar).
    @Test func gainAgainstItsReorders() {
        #expect(Self.chain([(1000, 1000 - 59)], reorder: 30).solve() == [false, false])
        #expect(Self.chain([(1000, 1000 - 60)], reorder: 30).solve() == [false, false])
        #expect(Self.chain([(1000, 1000 - 61)], reorder: 30).solve() == [false, true])
    }

    /// One value read by two steps pays one reorder, not one a reader: the planar input (cost 20 to reorder) read by
    /// two convs gaining 15 each, whose outputs are 1×1 maps (no reorder), goes blocked once for both (30 > 20); one
    /// reader alone would not (15 < 20).
    @Test func aValueIsReorderedOnceForAllItsReaders() {
        var labelling = LayoutLabelling()
        labelling.variables = [Variable(planar: 0, blocked: nil), Variable(planar: 100, blocked: 85), Variable(planar: 100, blocked: 85)]
        labelling.groups = [Group(members: [0, 1, 2], cost: 20), Group(members: [1, 0], cost: 0), Group(members: [2, 0], cost: 0)]
        #expect(labelling.solve() == [false, true, true])
        labelling.variables[2].blocked = nil
        #expect(labelling.solve() == [false, false, false])
    }

    /// A concat region: two branches (a winner of 40 each) from a planar input into a concat (no cost either way)
    /// read by a planar-only head. Blocked branches with a planar concat pay the input's reorder (30) and both parts'
    /// (2 × 30), more than they gain (80); with the concat blocked too, the input's and the concat's (40): 70 < 80, so
    /// all three go blocked.
    @Test func concatRegionGoesBlockedWhole() {
        var labelling = LayoutLabelling()
        labelling.variables = [
            Variable(planar: 0, blocked: nil), Variable(planar: 100, blocked: 60), Variable(planar: 100, blocked: 60),
            Variable(planar: 0, blocked: 0), Variable(planar: 50, blocked: nil),
        ]
        labelling.groups = [
            Group(members: [0, 1, 2], cost: 30), Group(members: [1, 3], cost: 30), Group(members: [2, 3], cost: 30),
            Group(members: [3, 4], cost: 40), Group(members: [4, 0], cost: 0),
        ]
        #expect(labelling.solve() == [false, true, true, true, false])
        // the concat three times as dear to reorder (120): the gain no longer pays
        labelling.groups[3].cost = 120
        #expect(labelling.solve() == [false, false, false, false, false])
    }

    /// The cut's labelling costs no more than any other, on random labellings of up to 9 variables (every labelling
    /// tried), and is the same on every call.
    @Test func cutIsOptimalOnRandomLabellings() {
        var rng = SplitMix64(seed: 41)
        for _ in 0..<200 {
            let n = 2 + Int(rng.nextUnit() * 8)
            var labelling = LayoutLabelling()
            labelling.variables =
                [Variable(planar: 0, blocked: nil)]
                + (1..<n).map { _ in
                    Variable(planar: Int(rng.nextUnit() * 100), blocked: rng.nextUnit() < 0.15 ? nil : Int(rng.nextUnit() * 100))
                }
            labelling.groups = (0..<n + 2).map { _ in
                let size = 2 + Int(rng.nextUnit() * 3)
                return Group(members: (0..<size).map { _ in Int(rng.nextUnit() * Float(n)) }, cost: Int(rng.nextUnit() * 60))
            }
            let labels = labelling.solve()
            let best = (0..<(1 << n)).map { mask in (0..<n).map { mask >> $0 & 1 == 1 } }
                .filter { labels in labelling.variables.indices.allSatisfy { labels[$0] == false || labelling.variables[$0].blocked != nil }
                }
                .map(labelling.cost).min()!
            #expect(labelling.cost(of: labels) == best)
            #expect(labelling.solve() == labels)
        }
    }
}
