import ArgumentParser
import ConvEngine
import Foundation

/// `convplay verify`: the note's equivalences, computed both ways on the preset's own weights.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the 1×1 equivalences on a preset: mlpconv = sliding MLP, lateral folds, 1×1 chain folds, Inception costs.",
        discussion: "Exit status 1 when a computed equivalence misses its tolerance (mlpconv 1e-4, folds 1e-5, relative).")

    @OptionGroup var options: PresetOptions

    static let mlpTolerance: Float = 1e-4
    static let foldTolerance: Float = 1e-5

    func run() throws {
        let loaded = try options.load()
        var session = try options.session(for: loaded)
        session.runToEnd()
        let network = session.network
        var failures = 0, checks = 0
        print("\(network.name): equivalences")

        func report(_ r: EquivalenceReport, tolerance: Float) {
            let ok = r.relativeDifference <= tolerance
            checks += 1
            if !ok { failures += 1 }
            print("  \(ok ? "✓" : "✗") \(r.subject): \(r.explanation)")
            print(
                "    max |difference| \(scientific(r.maxDifference)) (relative \(scientific(r.relativeDifference)), tolerance \(scientific(tolerance)))"
            )
            if r.paramsBefore != r.paramsAfter {
                print(
                    "    params \(formatGrouped(r.paramsBefore)) → \(formatGrouped(r.paramsAfter)) (\(formatGrouped(r.paramsBefore - r.paramsAfter)) fewer)"
                )
            }
        }

        let segments = network.mlpconvSegments()
        if !segments.isEmpty { print("mlpconv = a small MLP slid over every patch:") }
        for segment in segments { report(Equivalences.verifyMLPConv(segment, session: session), tolerance: Self.mlpTolerance) }

        let laterals = network.executionOrder.filter { network.node(at: $0)?.layer?.is(Lateral.self) == true }
        if !laterals.isEmpty { print("lateral connections (y = z + Mᵀz):") }
        for path in laterals {
            do {
                report(try Equivalences.verifyLateralFold(at: path, in: network, input: session.input), tolerance: Self.foldTolerance)
            } catch let refusal as FoldRefusal {
                print("  – fold refused: \(refusal.description)")
            }
        }

        let chains = Equivalences.pointwiseChains(in: network)
        if !chains.isEmpty { print("1×1 convs with nothing non-linear between them:") }
        for path in chains {
            report(try Equivalences.verifyPointwiseChainFold(at: path, in: network, input: session.input), tolerance: Self.foldTolerance)
        }

        for path in network.displayOrder {
            guard let node = network.node(at: path), node.block != nil else { continue }
            do {
                guard let c = try InceptionComparison.compare(blockAt: path, in: network), c.naiveMACs != c.reducedMACs else { continue }
                print("Inception \(c.name) (\(path)): with 1×1 reductions vs naive")
                print("    branch              reduced params     MACs          naive params       MACs")
                for b in c.branches {
                    print(
                        "    "
                            + [
                                b.label.padding(toLength: 18, withPad: " ", startingAt: 0),
                                pad(formatGrouped(b.reducedParams), 14), pad(formatGrouped(b.reducedMACs), 14),
                                pad(formatGrouped(b.naiveParams), 16), pad(formatGrouped(b.naiveMACs), 14),
                            ].joined(separator: " "))
                }
                print(
                    "    "
                        + [
                            "total".padding(toLength: 18, withPad: " ", startingAt: 0),
                            pad(formatGrouped(c.reducedParams), 14), pad(formatGrouped(c.reducedMACs), 14),
                            pad(formatGrouped(c.naiveParams), 16), pad(formatGrouped(c.naiveMACs), 14),
                        ].joined(separator: " "))
                print(
                    "    output \(c.reducedOutput) vs \(c.naiveOutput); the reductions cut MACs \(formatFixed(c.macRatio, digits: 2))× "
                        + "and params \(formatFixed(Double(c.naiveParams) / Double(max(c.reducedParams, 1)), digits: 2))×")
            } catch {
                print("  – \(node.name): \(error)")
            }
        }

        for path in network.executionOrder {
            guard let conv = network.node(at: path)?.layer?.as(Conv.self), conv.isPointwise,
                let p = session.parameters(of: path), p.isDiagonalChannelMix(groups: conv.groups)
            else { continue }
            let n = p.weightShape[0]
            print(
                "\(path) (\(network.node(at: path)!.name)): a diagonal 1×1 conv — each output channel is its input channel rescaled "
                    + "(no mixing), \(n) useful weights of \(n * n)")
        }

        if checks == 0 { print("(no mlpconv, lateral or 1×1 chain in this network to check)") }
        print("\(checks - failures) passed, \(failures) failed")
        if failures > 0 { throw ExitCode(1) }
    }

    private func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
}

/// 1.23e-06 style, for differences.
func scientific(_ value: Float) -> String { String(format: "%.2e", Double(value)) }
