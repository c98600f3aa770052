import ConvEngine
import Foundation

/// The training view: `T` opens it on the current network (asking for a data set the preset does not name),
/// space runs and pauses, `n` trains one batch, `+` / `-` move the learning rate, `x` shows the confusion
/// matrix; leaving pauses the run and shows the trained network on the preset's own input.
func reduceTraining(_ state: inout AppState, _ action: TrainingAction) -> [Effect] {
    switch action {
    case .enter:
        return enterTraining(&state)
    case .leave:
        return leaveTraining(&state)
    case .toggleRun:
        guard var view = readyTraining(&state) else { return [] }
        view.isRunning.toggle()
        state.training = view
        state.status = StatusMessage(view.isRunning ? "training — space pauses" : "paused after batch \(view.step) — space goes on")
        return [.controlTraining(job: view.job, view.isRunning ? .run : .pause)]
    case .oneBatch:
        guard var view = readyTraining(&state) else { return [] }
        view.isRunning = false
        state.training = view
        return [.controlTraining(job: view.job, .oneBatch)]
    case .changeRate(let direction):
        guard var view = state.training else { return [] }
        let factor = direction > 0 ? PlaygroundTraining.rateFactor : 1 / PlaygroundTraining.rateFactor
        let rate = min(PlaygroundTraining.highestRate, max(PlaygroundTraining.lowestRate, view.learningRate * factor))
        guard rate != view.learningRate else {
            state.status = StatusMessage(
                "the learning rate is already at its \(direction > 0 ? "highest" : "lowest"), \(Format.rate(rate))")
            return []
        }
        view.learningRate = rate
        state.training = view
        state.status = StatusMessage("learning rate \(Format.rate(rate)) from the next batch")
        return [.controlTraining(job: view.job, .setLearningRate(rate))]
    case .toggleConfusion:
        guard var view = state.training else { return [] }
        guard view.evaluation != nil else {
            state.status = StatusMessage("the confusion matrix comes with the held-out accuracy at the end of the first epoch")
            return []
        }
        view.showsConfusion.toggle()
        state.training = view
    }
    return []
}

/// The training view when its run is ready for commands; otherwise says it is still loading.
private func readyTraining(_ state: inout AppState) -> TrainingView? {
    guard let view = state.training else { return nil }
    guard view.isReady else {
        state.status = StatusMessage("loading \(view.source) — a moment")
        return nil
    }
    return view
}

/// Opens the training view: the paused run again when the network is the one it left, a new run (on the same
/// data) after an edit, or first the question which data to train on.
private func enterTraining(_ state: inout AppState) -> [Effect] {
    let effects = cancelJob(&state)
    if var view = state.training {
        guard view.network == state.network, view.isReady, let watched = view.watchedSession else {
            return effects + startTraining(&state, on: view.source)
        }
        view.isShown = true
        state.training = view
        state.session = watched
        state.mode = .training
        state.status = StatusMessage("back to training on \(view.source) — space goes on")
        return effects
    }
    if let source = state.network.trainingData { return effects + startTraining(&state, on: source) }
    state.mode = .picker(
        Picker(purpose: .trainingData, title: "train \(state.network.name) on…", items: trainingDataChoices(classes: classCount(state))))
    return effects
}

/// The data sets to offer: the shipped ones (the one whose classes fit the network first, marked "fits:"), then
/// a line for a typed source.
func trainingDataChoices(classes: Int) -> [PresetChoice] {
    let digits = PresetChoice(nameOrPath: "digits", summary: "10 classes · scikit-learn's 8×8 handwritten digits (shipped)")
    let shapes = PresetChoice(
        nameOrPath: "shapes", summary: "\(Dataset.shapeClasses.count) classes · synthetic shapes drawn at the network's input size")
    var shipped = [digits, shapes]
    if let fitting = shipped.firstIndex(where: { $0.nameOrPath == "shapes" ? classes == Dataset.shapeClasses.count : classes == 10 }) {
        var choice = shipped.remove(at: fitting)
        choice.summary = "fits: " + choice.summary
        shipped.insert(choice, at: 0)
    }
    return shipped + [
        PresetChoice(nameOrPath: "type…", summary: "mnist:DIR, cifar10:DIR, folder:DIR or shapes:COUNT, as convplay train --data takes it")
    ]
}

/// The number of class scores the network ends in (its last node's output, a softmax's input alike).
private func classCount(_ state: AppState) -> Int {
    state.session.order.last.map { state.session.shapes.output(of: $0).elementCount } ?? 0
}

/// A picked data set: a shipped one starts training, "type…" asks for a source.
func pickTrainingData(_ state: inout AppState, _ item: PresetChoice) -> [Effect] {
    guard let source = try? DataSource(parsing: item.nameOrPath) else {
        state.mode = .prompt(Prompt(purpose: .trainingData, label: "data (mnist:DIR, cifar10:DIR, folder:DIR)", text: ""))
        return []
    }
    return startTraining(&state, on: source)
}

/// A typed data set: starts training on it, or says what is wrong with the spelling and keeps the prompt.
func acceptTrainingData(_ state: inout AppState, _ text: String) -> [Effect] {
    do {
        let source = try DataSource(parsing: text)
        return startTraining(&state, on: source)
    } catch {
        state.status = StatusMessage(error.description, isError: true)
        return []
    }
}

/// Starts a new run on the current network and opens the view on it (it shows once the data is loaded).
private func startTraining(_ state: inout AppState, on source: DataSource) -> [Effect] {
    let job = state.nextJobID
    state.nextJobID += 1
    let rate = state.training?.learningRate ?? PlaygroundTraining.learningRate
    let presetInput = state.training?.isShown == true ? state.training!.presetInput : state.session.input
    state.training = TrainingView(job: job, source: source, network: state.network, learningRate: rate, presetInput: presetInput)
    state.mode = .training
    state.status = StatusMessage("loading \(source)…")
    return [
        .startTraining(
            job: job, state.network, source, file: state.file, learningRate: rate, memoryCap: state.memoryCap,
            dataCap: state.dataCap)
    ]
}

/// Leaves the view: pauses the run, puts the preset's input back under the trained network and computes it.
private func leaveTraining(_ state: inout AppState) -> [Effect] {
    guard var view = state.training else {
        state.mode = .normal
        return []
    }
    state.mode = .normal
    guard view.isReady else {
        state.training = nil
        state.status = StatusMessage("training cancelled")
        return [.stopTraining]
    }
    let wasRunning = view.isRunning
    view.isRunning = false
    view.isShown = false
    view.showsConfusion = false
    state.training = view
    state.status = StatusMessage("left training after batch \(view.step) (paused) — T goes back")
    return (wasRunning ? [.controlTraining(job: view.job, .pause)] : []) + showOnPresetInput(&state, view.network)
}

/// The playground's own view of `network` (trained weights) on the preset's input, computed to the end.
private func showOnPresetInput(_ state: inout AppState, _ network: Network) -> [Effect] {
    guard let view = state.training else { return [] }
    var session = state.session
    do { try session.update(network: network, input: view.presetInput) } catch {
        state.status = StatusMessage(error.description, isError: true)
        return []
    }
    state.session = session
    let effects = cancelJob(&state) + startJob(&state, .runToEnd)
    state.job?.followsStep = false  // the selection stays on the layer the user was watching
    return effects
}

/// What the training thread reports: the run started (or could not), batches trained, an epoch evaluated.
func reduceTrainingEvent(_ state: inout AppState, _ event: RuntimeEvent) -> [Effect] {
    switch event {
    case .trainingStarted(let job, let start):
        guard var view = state.training, view.job == job else { return [] }
        view.classNames = start.classNames
        view.trainingCount = start.trainingCount
        view.heldOutCount = start.heldOutCount
        view.stepsPerEpoch = start.stepsPerEpoch
        view.batchSize = start.batchSize
        view.watchedIndex = start.watchedIndex
        view.watchedLabel = start.watchedLabel
        view.watchedSession = start.watchedSession
        view.isReady = true
        state.training = view
        if view.isShown { state.session = start.watchedSession }
        state.status = StatusMessage(
            "\(view.source): \(Format.grouped(start.trainingCount)) training images, \(Format.grouped(start.heldOutCount)) held out — "
                + "space trains, n one batch")
    case .trainingProgress(let job, let progress):
        guard var view = state.training, view.job == job else { return [] }
        for report in progress.reports {
            view.losses.append(report.loss)
            view.accuracies.append(Double(report.correct) / Double(max(report.images, 1)))
        }
        view.step = progress.step
        view.epoch = progress.epoch
        view.batchInEpoch = progress.batchInEpoch
        if let speed = progress.imagesPerSecond { view.imagesPerSecond = speed }
        if !progress.isRunning { view.isRunning = false }
        view.network = progress.network
        view.watchedSession = progress.watchedSession
        state.training = view
        if !progress.reports.isEmpty { state.trainedWeightsUnsaved = true }
        // A loss of nan or inf: every weight after it is nan, so the run is paused with the reason, not trained on.
        var stop: [Effect] = []
        if let bad = progress.reports.first(where: { !$0.loss.isFinite }) {
            if view.isRunning { stop = [.controlTraining(job: view.job, .pause)] }
            view.isRunning = false
            state.training = view
            state.status = StatusMessage(
                "batch \(bad.step): the loss became \(bad.loss.isNaN ? "nan" : "inf") at learning rate \(Format.rate(bad.learningRate)) — "
                    + "paused; lower the rate with - and train again from the start", isError: true)
        }
        if view.isShown {
            state.session = progress.watchedSession
        } else {
            return stop + showOnPresetInput(&state, progress.network)
        }
        return stop
    case .trainingEvaluated(let job, let epoch, let evaluation):
        guard var view = state.training, view.job == job else { return [] }
        view.evaluation = evaluation
        view.evaluatedEpoch = epoch
        state.training = view
        state.status = StatusMessage(
            "epoch \(epoch): held-out accuracy \(Format.accuracy(evaluation.accuracy)) (\(evaluation.correct)/\(evaluation.count))")
    case .trainingFailed(let job, let message):
        // A run fails only before its start is reported, so the playground still shows the preset's input.
        guard state.training?.job == job else { return [] }
        state.training = nil
        if state.mode == .training { state.mode = .normal }
        state.status = StatusMessage(message, isError: true)
    case .trainedSaved(let folder, let thenQuit):
        let preset = (folder as NSString).appendingPathComponent("preset.json")
        state.file = preset
        state.isShipped = false
        state.savedNetwork = state.network
        state.trainedWeightsUnsaved = false
        state.status = StatusMessage("saved \(preset) with its weights in \((folder as NSString).appendingPathComponent("weights"))")
        if thenQuit {
            state.wantsQuit = true
            return [.stopTraining, .cancelComputation, .quit]
        }
    case .trainedSaveNeedsConfirmation(let folder, let thenQuit):
        state.mode = .confirm(.overwriteTrained(folder: folder, thenQuit: thenQuit))
    default:
        break
    }
    return []
}

/// Where the trained network is offered to be saved: "nin-digits-trained" from "NIN digits".
func suggestedTrainedFolder(_ name: String) -> String {
    String(suggestedFileName(name).dropLast("-edited.json".count)) + "-trained"
}

/// Writes the trained network to `folder` (the preset's own input goes along for its weights dump).
func saveTrained(_ state: AppState, folder: String, overwrite: Bool, thenQuit: Bool) -> [Effect] {
    let input = state.training?.presetInput ?? state.session.input
    return [.saveTrained(state.network, folder: folder, file: state.file, input: input, overwrite: overwrite, thenQuit: thenQuit)]
}
