import ConvEngine

/// What the runtime reports back: computed steps, files saved and opened, comparisons timed, inputs made,
/// failures, and the terminal's size.
func reduceEvent(_ state: inout AppState, _ event: RuntimeEvent) -> [Effect] {
    switch event {
    case .computeProgress(let job, let session):
        guard let running = state.job, running.id == job else { return [] }
        state.session = session
        state.job?.done = session.computedCount
        if !running.task.isCatchUp { followCursor(&state) }
    case .computeFinished(let job, let session):
        guard let running = state.job, running.id == job else { return [] }
        state.session = session
        if !running.task.isCatchUp { followCursor(&state) }
        state.job = nil
        if state.pendingSteps > 0, session.computedCount < session.order.count {
            state.pendingSteps -= 1
            return startJob(&state, .step)
        }
        state.pendingSteps = 0
    case .saved(let path):
        state.file = path
        state.isShipped = false
        state.savedNetwork = state.network
        state.status = StatusMessage("saved \(path)")
    case .saveNeedsConfirmation(let path):
        state.mode = .confirm(.overwrite(path: path))
    case .presetsListed(let choices, let purpose):
        switch purpose {
        case .compare: state.mode = .picker(comparePicker(state, presets: choices))
        case .trainingData: break
        case .open, .input: state.mode = .picker(Picker(purpose: purpose, title: "open a preset", items: choices))
        }
    case .loaded(let preset):
        return replace(&state, with: preset, message: "opened \(preset.file ?? preset.network.name)")
    case .recovered(let preset):
        let effects = replace(&state, with: preset, message: "recovered the unsaved edits — w saves them")
        state.savedNetwork = nil
        return effects
    case .recoverySetAside(let path):
        state.status = StatusMessage("the recovered network is kept at \(path)")
    case .loadedForComparison(let preset):
        do {
            let first = try ForwardSession(network: preset.network, input: preset.input, memoryCap: state.memoryCap)
            return try beginComparison(&state, first: first, title: "\(preset.network.name) → \(state.network.name) (this network)")
        } catch {
            state.status = StatusMessage(error.description, isError: true)
        }
    case .comparisonTimed(let job, let comparison):
        guard case .compare(var view) = state.mode, view.timingJob == job else { return [] }
        view.comparison = comparison
        view.timingJob = nil
        state.mode = .compare(view)
    case .inputReady(let network, let tensor, let recordUndo):
        do {
            let session = try ForwardSession(network: network, input: tensor, memoryCap: state.memoryCap)
            let effects = cancelJob(&state)
            if recordUndo {
                state.undoStack.append(Snapshot(network: state.network, selected: state.selected))
                state.redoStack.removeAll()
            }
            state.session = session
            state.status = StatusMessage("input: \(Format.source(network.input.source))")
            return effects
        } catch {
            state.status = StatusMessage(error.description, isError: true)
        }
    case .failed(let message):
        state.status = StatusMessage(message, isError: true)
    case .resized(let size):
        state.size = size
    case .trainingStarted, .trainingProgress, .trainingEvaluated, .trainingFailed, .trainedSaved, .trainedSaveNeedsConfirmation:
        return reduceTrainingEvent(&state, event)
    }
    return []
}

/// Makes a freshly opened network the playground's, keeping the display choices.
private func replace(_ state: inout AppState, with preset: PlaygroundPreset, message: String) -> [Effect] {
    do {
        var fresh = try AppState(preset: preset, memoryCap: state.memoryCap, dataCap: state.dataCap)
        fresh.colormap = state.colormap
        fresh.scalingChoice = state.scalingChoice
        fresh.display = state.display
        fresh.size = state.size
        fresh.nextJobID = state.nextJobID
        fresh.status = StatusMessage(message)
        let effects = cancelJob(&state)
        state = fresh
        return effects
    } catch {
        state.status = StatusMessage(error.description, isError: true)
        return []
    }
}
