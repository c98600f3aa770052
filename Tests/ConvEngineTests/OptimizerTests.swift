import Foundation
import Testing

@testable import ConvEngine

/// The optimisers against torch.optim (Tests/Reference/torch_optim.py) over the same gradients and learning
/// rates, and the schedules against values worked out by hand.
@Suite(.serialized)
struct OptimizerTests {
    struct Case: Sendable {
        let settings: OptimizerSettings
        var testDescription: String {
            "\(settings.kind.rawValue) momentum \(settings.momentum) nesterov \(settings.nesterov) decay \(settings.weightDecay)"
        }
    }

    static let cases: [Case] = [
        Case(settings: OptimizerSettings(kind: .sgd, learningRate: 0.1, momentum: 0)),
        Case(settings: OptimizerSettings(kind: .sgd, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)),
        Case(settings: OptimizerSettings(kind: .sgd, learningRate: 0.1, momentum: 0.8, nesterov: true, weightDecay: 0.05)),
        Case(settings: OptimizerSettings(kind: .adam, learningRate: 0.01)),
        Case(settings: OptimizerSettings(kind: .adam, learningRate: 0.01, weightDecay: 0.1)),
        Case(settings: OptimizerSettings(kind: .adamw, learningRate: 0.01, weightDecay: 0.1)),
    ]

    /// Four steps with changing learning rates per case, all cases in one Python call.
    @Test func matchesTorchOptim() throws {
        var rng = SplitMix64(seed: 17)
        var specs: [[String: Any]] = [], ours: [LayerParameters] = []
        for check in Self.cases {
            let weight = (0..<7).map { _ in rng.nextNormal() }, bias = (0..<3).map { _ in rng.nextNormal() }
            let gradients = (0..<4).map { _ in
                LayerGradients(weight: (0..<7).map { _ in rng.nextNormal() }, bias: (0..<3).map { _ in rng.nextNormal() })
            }
            let rate = check.settings.learningRate, rates: [Float] = [rate, rate * 0.5, rate, 0.002]
            var parameters: [NodePath: LayerParameters] = [.top(0): LayerParameters(weight: weight, weightShape: [7], bias: bias)]
            var optimizer = Optimizer(check.settings)
            for (rate, gradient) in zip(rates, gradients) {
                optimizer.update(&parameters, gradients: [.top(0): gradient], learningRate: rate)
            }
            ours.append(parameters[.top(0)]!)
            specs.append([
                "kind": check.settings.kind.rawValue, "lr": rates.map(Double.init), "momentum": Double(check.settings.momentum),
                "nesterov": check.settings.nesterov, "weight_decay": Double(check.settings.weightDecay), "weight": weight.map(Double.init),
                "bias": bias.map(Double.init),
                "gradients": gradients.map { ["weight": $0.weight.map(Double.init), "bias": $0.bias!.map(Double.init)] },
            ])
        }
        let output = try ReferencePython.run("torch_optim.py", [], input: try JSONSerialization.data(withJSONObject: specs))
        #expect(output.status == 0, "\(output.output)")
        let torch = try #require(try JSONSerialization.jsonObject(with: Data(output.output.utf8)) as? [[String: [Double]]])
        for (i, check) in Self.cases.enumerated() {
            let difference = max(
                largestDifference(ours[i].weight, torch[i]["weight"]!.map(Float.init)),
                largestDifference(ours[i].bias!, torch[i]["bias"]!.map(Float.init)))
            print("OPTIMIZER OK \(check.testDescription), maxdiff = \(difference)")
            #expect(difference <= 2e-6, "\(check.testDescription): largest difference \(difference)")
        }
    }

    @Test func schedules() {
        let cosine = LearningRateSchedule(.cosine, warmupSteps: 4)
        #expect(cosine.rate(base: 1, step: 0, totalSteps: 14, stepsPerEpoch: 7) == 0.25)
        #expect(cosine.rate(base: 1, step: 3, totalSteps: 14, stepsPerEpoch: 7) == 1)
        #expect(cosine.rate(base: 1, step: 4, totalSteps: 14, stepsPerEpoch: 7) == 1)
        #expect(abs(cosine.rate(base: 1, step: 9, totalSteps: 14, stepsPerEpoch: 7) - 0.5) < 1e-6)
        #expect(abs(cosine.rate(base: 1, step: 13, totalSteps: 14, stepsPerEpoch: 7) - Float(0.5 * (1 + cos(Double.pi * 0.9)))) < 1e-6)
        let step = LearningRateSchedule(.step(epochs: 2, factor: 0.5))
        #expect(
            (0..<8).map { step.rate(base: 0.4, step: $0 * 3, totalSteps: 24, stepsPerEpoch: 3) } == [
                0.4, 0.4, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05,
            ])
        #expect(LearningRateSchedule().rate(base: 0.3, step: 99, totalSteps: 10, stepsPerEpoch: 1) == 0.3)
    }

    @Test(arguments: [
        ("constant", LearningRateSchedule.Shape.constant), ("cosine", .cosine), ("step:3", .step(epochs: 3, factor: 0.1)),
        ("step:5:0.5", .step(epochs: 5, factor: 0.5)),
    ])
    func scheduleSpellings(_ text: String, _ shape: LearningRateSchedule.Shape) {
        #expect(LearningRateSchedule.parseShape(text) == shape)
    }

    @Test(arguments: ["", "step", "step:0", "step:2:-1", "cosine:3", "linear", "step:x"])
    func badScheduleSpellings(_ text: String) { #expect(LearningRateSchedule.parseShape(text) == nil) }
}
