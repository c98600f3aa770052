import ConvEngine
import Foundation
import Testing

@testable import ConvPlayTUI

extension Fixture {
    /// A small digits classifier: conv 3×3 → 4, ReLU, 1×1 → 10, global average pooling, softmax, naming `data`
    /// as its training data the way a preset's "data" key does.
    static func digitsNetwork(data: DataSource? = .digits, channels: Int = 1) -> Network {
        Network(
            name: "tiny digits", summary: "a tiny classifier", input: InputSpec(shape: Shape(channels: channels, height: 8, width: 8)),
            initialization: Initialization(scheme: .he, seed: 1),
            nodes: [
                Node("conv", Layer(Conv(outChannels: 4, kernel: Size2(3), padding: .explicit(Size2(1))))),
                Node("relu", Layer(ReLU())),
                Node("mix", Layer(Conv(outChannels: 10, kernel: Size2(1)))),
                Node("pool", Layer(GlobalAveragePool())),
                Node("softmax", Layer(Softmax())),
            ], trainingData: data)
    }

    static let presetInput = Tensor(shape: Shape(channels: 1, height: 8, width: 8), repeating: 0.25)

    static func trainingDriver(_ network: Network = digitsNetwork(), dataCap: Int = defaultDataCap) -> Driver {
        var driver = Driver(state(network, input: Tensor(shape: network.input.shape, repeating: 0.25), dataCap: dataCap))
        driver.state.size = large
        return driver
    }
}

extension Driver {
    var training: TrainingView { state.training! }

    /// The actions the last key produced: its effects, in order.
    mutating func effects(of key: Key) -> [Effect] {
        let before = effects.count
        press(key)
        return Array(effects[before...])
    }
}

/// The training view's keys, each through the key table and the reducer, the run trained in line by the driver.
@Suite struct ReducerTrainingTests {
    @Test func tOpensTheViewOnTheDataThePresetNames() {
        var driver = Fixture.trainingDriver()
        let effects = driver.effects(of: .character("T"))
        guard case .startTraining(_, let network, .digits, _, let rate, _, let dataCap) = effects.last, dataCap == defaultDataCap else {
            Issue.record("T did not start training on digits: \(effects)")
            return
        }
        #expect(network == Fixture.digitsNetwork())
        #expect(rate == PlaygroundTraining.learningRate)
        #expect(driver.state.mode == .training)
        #expect(driver.training.isReady)
        #expect(driver.training.classNames == (0..<10).map(String.init))
        #expect(driver.training.trainingCount == 1442 && driver.training.heldOutCount == 355)
        #expect(driver.training.stepsPerEpoch == 46)
        // The maps show the watched held-out image (digits' first held-out image is a 5), computed to the end.
        #expect(driver.training.watchedLabel == 5)
        #expect(driver.state.session.input != Fixture.presetInput)
        #expect(driver.state.session.isComplete)
        #expect(driver.state.status?.text.contains("1,442 training images, 355 held out") == true)
        #expect(!driver.state.dirty && !driver.state.trainedWeightsUnsaved)
    }

    @Test func tAsksForDataWhenThePresetNamesNone() {
        var driver = Fixture.trainingDriver(Fixture.digitsNetwork(data: nil))
        driver.press(.character("T"))
        let picker = driver.state.picker
        #expect(picker?.purpose == .trainingData)
        // The set whose classes fit comes first (10 classes: the digits), then the shapes, then a typed source.
        #expect(picker?.items.map(\.nameOrPath) == ["digits", "shapes", "type…"])
        #expect(picker?.items.first?.summary == "fits: 10 classes · scikit-learn's 8×8 handwritten digits (shipped)")
        driver.press(.enter)
        #expect(driver.state.mode == .training && driver.training.source == .digits && driver.training.isReady)
    }

    @Test func shapesComeFirstForSixClasses() {
        #expect(trainingDataChoices(classes: 6).map(\.nameOrPath) == ["shapes", "digits", "type…"])
        #expect(trainingDataChoices(classes: 3).map(\.nameOrPath) == ["digits", "shapes", "type…"])
    }

    @Test func dataThatDoesNotFitIsOneSentenceAndThePlaygroundGoesOn() {
        var driver = Fixture.trainingDriver(Fixture.digitsNetwork(data: nil))
        driver.press(.character("T"), .down, .enter)  // shapes: 6 classes for a network scoring 10
        #expect(driver.state.training == nil && driver.state.mode == .normal)
        #expect(
            driver.state.status
                == StatusMessage(
                    "tiny digits scores 10 classes but shapes:3000 has 6 — pick a preset whose last layer has 6 outputs", isError: true))
        #expect(driver.state.session.input == Fixture.presetInput)

        var twoChannels = Fixture.trainingDriver(Fixture.digitsNetwork(channels: 2))
        twoChannels.press(.character("T"))
        #expect(
            twoChannels.state.status?.text
                == "tiny digits takes 2-channel inputs but digits images have 1 — pick a network whose input has 1 or 3 channels, or data with 2"
        )
        #expect(twoChannels.state.mode == .normal)
    }

    @Test func theDataCapHoldsInTheTrainingViewToo() {
        var driver = Fixture.trainingDriver(Fixture.digitsNetwork(data: nil), dataCap: 1 << 10)
        driver.press(.character("T"), .down)
        let effects = driver.effects(of: .enter)  // shapes:3000, 3000 images of 8×8 floats: 768,000 bytes
        guard case .startTraining(_, _, .shapes, _, _, _, let dataCap) = effects.last, dataCap == 1 << 10 else {
            Issue.record("enter did not start training on shapes under the playground's data cap: \(effects)")
            return
        }
        #expect(driver.state.training == nil && driver.state.mode == .normal)
        #expect(driver.state.status?.isError == true)
        #expect(
            driver.state.status?.text.hasSuffix("data-set cap — use a smaller set or raise --data-cap") == true, "\(driver.state.status!)")
    }

    @Test func aTypedSourceIsReadAsTrainDataIs() {
        var driver = Fixture.trainingDriver(Fixture.digitsNetwork(data: nil))
        driver.press(.character("T"), .end, .enter)
        #expect(driver.state.prompt?.purpose == .trainingData)
        driver.type("pictures")
        driver.press(.enter)
        // A spelling train does not take keeps the prompt open with the reason.
        #expect(driver.state.prompt?.purpose == .trainingData)
        #expect(driver.state.status?.text.hasPrefix("--data pictures: unknown data — use digits, shapes") == true)
        driver.press(.control("u"))
        driver.type("mnist:/nonexistent/mnist")
        driver.press(.enter)
        #expect(driver.state.mode == .normal && driver.state.training == nil)
        #expect(driver.state.status?.isError == true)
        #expect(driver.state.status?.text.hasPrefix("/nonexistent/mnist") == true)
    }

    @Test func nTrainsOneBatchAndMarksTheWeightsUnsaved() {
        var driver = Fixture.trainingDriver()
        driver.press(.character("T"))
        let untrained = driver.state.session.parameters(of: NodePath([2]))!.weight
        let effects = driver.effects(of: .character("n"))
        #expect(effects.contains { if case .controlTraining(_, .oneBatch) = $0 { true } else { false } })
        #expect(driver.training.step == 1 && driver.training.losses.count == 1 && driver.training.accuracies.count == 1)
        #expect(!driver.training.isRunning)
        #expect(driver.state.session.parameters(of: NodePath([2]))!.weight != untrained)
        #expect(driver.state.trainedWeightsUnsaved && driver.state.dirty)
        #expect(render(driver.state, size: large).line(0).contains("● unsaved"))
    }

    @Test func spaceRunsAndPausesAndTheLossFalls() {
        var driver = Fixture.trainingDriver()
        driver.press(.character("T"))
        let run = driver.effects(of: .character(" "))
        #expect(run.contains { if case .controlTraining(_, .run) = $0 { true } else { false } })
        #expect(driver.training.isRunning)
        driver.trainRunning(92)  // two epochs
        let view = driver.training
        #expect(view.step == 92 && view.epoch == 2 && view.batchInEpoch == 0)
        let early = view.losses.prefix(10).reduce(0, +) / 10, late = view.losses.suffix(10).reduce(0, +) / 10
        #expect(late < early, "loss \(early) → \(late)")
        #expect(view.evaluation?.count == 355 && view.evaluatedEpoch == 2)
        #expect(driver.state.status?.text.hasPrefix("epoch 2: held-out accuracy") == true)
        let pause = driver.effects(of: .character(" "))
        #expect(pause.contains { if case .controlTraining(_, .pause) = $0 { true } else { false } })
        #expect(!driver.training.isRunning)
    }

    /// A loss of nan (here from nan weights) pauses the run with the reason in the message area, never trains on.
    @Test func aLossOfNanPausesTheRunWithTheReason() {
        var network = Fixture.digitsNetwork()
        network.initialization.loadedWeights["mix"] = LoadedParameters(
            parameters: LayerParameters(
                weight: [Float](repeating: .nan, count: 40), weightShape: [10, 4, 1, 1], bias: [Float](repeating: 0, count: 10)),
            file: "w")
        var driver = Fixture.trainingDriver(network)
        driver.press(.character("T"), .character(" "))
        #expect(driver.training.isRunning)
        let before = driver.effects.count
        driver.trainRunning(1)
        #expect(driver.effects[before...].contains { if case .controlTraining(_, .pause) = $0 { true } else { false } })
        #expect(!driver.training.isRunning)
        #expect(
            driver.state.status
                == StatusMessage(
                    "batch 1: the loss became nan at learning rate 0.05 — paused; lower the rate with - and train again from the start",
                    isError: true))
    }

    @Test func plusAndMinusMoveTheLearningRate() {
        var driver = Fixture.trainingDriver()
        driver.press(.character("T"))
        let up = driver.effects(of: .character("+"))
        #expect(driver.training.learningRate == 0.1)
        #expect(up.contains { if case .controlTraining(_, .setLearningRate(0.1)) = $0 { true } else { false } })
        driver.press(.character("="))
        #expect(driver.training.learningRate == 0.2)
        driver.press(.character("-"), .character("-"), .character("-"))
        #expect(driver.training.learningRate == 0.025)
        #expect(driver.trainingRun?.trainer.settings.optimizer.learningRate == 0.025)
        #expect(driver.state.status?.text == "learning rate 0.025 from the next batch")
        for _ in 0..<10 { driver.press(.character("+")) }
        #expect(driver.training.learningRate == PlaygroundTraining.highestRate)
        #expect(driver.state.status?.text == "the learning rate is already at its highest, 10")
    }

    @Test func xShowsTheConfusionMatrixOnceThereIsOne() {
        var driver = Fixture.trainingDriver()
        driver.press(.character("T"), .character("x"))
        #expect(!driver.training.showsConfusion)
        #expect(driver.state.status?.text.contains("at the end of the first epoch") == true)
        driver.press(.character(" "))
        driver.trainRunning(46)
        driver.press(.character("x"))
        #expect(driver.training.showsConfusion)
        let screen = render(driver.state, size: small)
        #expect(screen.row(containing: "Held-out · ") == 1)
        #expect(screen.row(containing: "rows: true class · columns: predicted") == 2)
        driver.press(.character("x"))
        #expect(!driver.training.showsConfusion)
    }

    @Test func arrowsAndLettersSelectLayers() {
        var driver = Fixture.trainingDriver()
        driver.press(.character("T"))
        driver.press(.down)
        #expect(driver.state.selected == NodePath([0]))
        driver.press(.character("j"), .character("j"))
        #expect(driver.state.selected == NodePath([2]))
        driver.press(.character("k"), .up)
        #expect(driver.state.selected == NodePath([0]))
        driver.press(.end)
        #expect(driver.state.selected == NodePath([4]))
        driver.press(.home)
        #expect(driver.state.selected == nil)
        driver.press(.pageDown)
        #expect(driver.state.selected == NodePath([4]))
        driver.press(.pageUp)
        #expect(driver.state.selected == nil)
        #expect(driver.state.mode == .training)
    }

    @Test func aClickOnTheStackSelectsALayerAndTheRestIgnoresTheMouse() {
        var driver = Fixture.trainingDriver()
        driver.press(.character("T"))
        let screen = render(driver.state, size: large)
        let conv = screen.row(containing: "✓ conv ")!
        driver.click(x: 5, y: conv)
        #expect(driver.state.selected == NodePath([0]) && driver.state.mode == .training)
        driver.click(x: 60, y: 3)  // the maps pane: no tile cursor here
        #expect(driver.state.mode == .training && driver.state.selected == NodePath([0]))
    }

    @Test func leavingPausesAndShowsTheTrainedNetworkOnThePresetInput() {
        for key in [Key.character("T"), .escape] {
            var driver = Fixture.trainingDriver()
            driver.press(.character("T"), .character(" "))
            driver.trainRunning(3)
            driver.press(.down)
            let leave = driver.effects(of: key)
            #expect(leave.contains { if case .controlTraining(_, .pause) = $0 { true } else { false } })
            #expect(driver.state.mode == .normal && driver.training.isShown == false && !driver.training.isRunning)
            #expect(driver.state.session.input == Fixture.presetInput)
            #expect(driver.state.network == driver.training.network)
            #expect(driver.state.session.isComplete)
            #expect(driver.state.selected == NodePath([0]), "the watched layer stays selected")
            #expect(driver.state.trainedWeightsUnsaved)
            // T comes back to the same run, paused where it was.
            let job = driver.training.job
            let back = driver.effects(of: .character("T"))
            #expect(!back.contains { if case .startTraining = $0 { true } else { false } })
            #expect(driver.state.mode == .training && driver.training.job == job && driver.training.step == 3)
            #expect(driver.state.session.input != Fixture.presetInput)
        }
    }

    @Test func anEditAfterLeavingStartsANewRunFromTheTrainedWeights() {
        var driver = Fixture.trainingDriver()
        driver.press(.character("T"), .character("n"), .character("T"))
        let trained = driver.state.session.parameters(of: NodePath([0]))!.weight
        let job = driver.training.job
        driver.press(.end, .character("d"))  // delete the softmax
        let effects = driver.effects(of: .character("T"))
        #expect(effects.contains { if case .startTraining = $0 { true } else { false } })
        #expect(driver.training.job != job && driver.training.step == 0)
        #expect(driver.state.session.parameters(of: NodePath([0]))!.weight == trained)
    }

    @Test func overlaysOpenedInTrainingReturnToIt() {
        var driver = Fixture.trainingDriver()
        driver.press(.character("T"), .character("?"))
        #expect(driver.state.mode == .help(scroll: 0))
        driver.press(.escape)
        #expect(driver.state.mode == .training)
        driver.press(.character("m"))
        #expect(driver.state.mode == .message(scroll: 0))
        driver.press(.escape)
        #expect(driver.state.mode == .training)
        driver.press(.character("W"))
        #expect(driver.state.weightsToggled)
        driver.press(.character("c"))
        #expect(driver.state.colormap != .auto)
        driver.press(.character("s"))
        #expect(driver.state.scalingChoice != nil)
        #expect(driver.state.mode == .training)
    }

    @Test func wWritesTheTrainedPresetAndItsWeights() throws {
        try withTemporaryFolder("trained") { root in
            let folder = root + "/trained"
            var driver = Fixture.trainingDriver()
            driver.press(.character("T"), .character("n"), .character("w"))
            #expect(driver.state.prompt?.purpose == .trainedFolder)
            #expect(driver.state.prompt?.text == "tiny-digits-trained")
            driver.press(.control("u"))
            driver.type(folder)
            driver.press(.enter)
            #expect(driver.state.mode == .training)
            #expect(driver.state.status?.text == "saved \(folder)/preset.json with its weights in \(folder)/weights")
            #expect(!driver.state.trainedWeightsUnsaved && !driver.state.dirty)
            #expect(render(driver.state, size: large).line(0).contains("unsaved") == false)
            let loaded = try Preset.load(nameOrPath: folder + "/preset.json")
            let trained = driver.state.session.parameters(of: NodePath([0]))!
            #expect(loaded.network.initialization.loadedWeights["conv"]?.parameters.weight == trained.weight)
            // A second w asks before it replaces the folder.
            driver.press(.character("n"), .character("w"))
            driver.press(.control("u"))
            driver.services.existing = [folder]
            driver.type(folder)
            driver.press(.enter)
            #expect(driver.state.question == .overwriteTrained(folder: folder, thenQuit: false))
            driver.press(.character("y"))
            #expect(driver.state.mode == .training && !driver.state.trainedWeightsUnsaved)
        }
    }

    @Test func quittingWithTrainedWeightsAsksToSaveThem() throws {
        var driver = Fixture.trainingDriver()
        driver.press(.character("T"), .character("n"), .character("q"))
        #expect(driver.state.question == .saveTrainedBeforeQuit(folder: "tiny-digits-trained"))
        #expect(render(driver.state, size: small).row(containing: "the trained weights are not saved") != nil)
        driver.press(.escape)  // stays
        #expect(driver.state.mode == .training && !driver.state.wantsQuit)
        driver.press(.control("c"))
        #expect(driver.state.question == .saveTrainedBeforeQuit(folder: "tiny-digits-trained"))
        driver.press(.character("n"))  // quits without them
        #expect(driver.state.wantsQuit)
        #expect(driver.effects.contains { if case .stopTraining = $0 { true } else { false } })

        try withTemporaryFolder("quit") { root in
            let folder = root + "/quit"
            var saving = Fixture.trainingDriver()
            saving.press(.character("T"), .character("n"))
            saving.state.mode = .confirm(.saveTrainedBeforeQuit(folder: folder))
            saving.press(.character("y"))
            #expect(saving.state.wantsQuit)
            #expect(FileManager.default.fileExists(atPath: folder + "/weights/manifest.json"))
        }
    }

    @Test func quittingWithoutTrainingAsksNothing() {
        var driver = Fixture.trainingDriver()
        driver.press(.character("T"), .character("q"))
        #expect(driver.state.wantsQuit)
    }
}
