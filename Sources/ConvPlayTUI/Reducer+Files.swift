import ConvEngine

/// Files and other networks: save (a shipped preset asks for a new name), save as, open, the input picker,
/// compare, and quitting (which asks first when there are unsaved edits).
func reduceFile(_ state: inout AppState, _ file: FileAction) -> [Effect] {
    switch file {
    case .save:
        if state.trainedWeightsUnsaved {
            state.mode = .prompt(
                Prompt(
                    purpose: .trainedFolder, label: "save the trained network to the folder",
                    text: suggestedTrainedFolder(state.network.name)))
            return []
        }
        if let path = state.file, !state.isShipped { return [.save(state.network, path: path, overwrite: true)] }
        return reduceFile(&state, .saveAs)
    case .saveAs:
        state.mode = .prompt(Prompt(purpose: .saveAs, label: "save as", text: suggestedFileName(state.network.name)))
    case .open:
        return [.listPresets(for: .open)]
    case .compare:
        return [.listPresets(for: .compare)]
    case .pickInput:
        let items =
            SyntheticPattern.allCases.map { PresetChoice(nameOrPath: $0.rawValue, summary: "synthetic \($0.rawValue)") }
            + [PresetChoice(nameOrPath: "image…", summary: "a PGM/PPM/PNG file (type its path, relative to the working directory)")]
        state.mode = .picker(Picker(purpose: .input, title: "pick the input (\(state.network.input.shape))", items: items))
    case .quit:
        if state.trainedWeightsUnsaved {
            state.mode = .confirm(.saveTrainedBeforeQuit(folder: suggestedTrainedFolder(state.network.name)))
            return []
        }
        if state.dirty {
            state.mode = .confirm(.quitUnsaved)
            return []
        }
        state.wantsQuit = true
        return [.stopTraining, .cancelComputation, .quit]
    }
    return []
}

/// The compare picker: the saved file first when there are unsaved edits, then the presets.
func comparePicker(_ state: AppState, presets: [PresetChoice]) -> Picker {
    var items = presets
    if state.dirty, state.savedNetwork != nil {
        items.insert(PresetChoice(nameOrPath: "saved file", summary: "this network before the unsaved edits", isSavedVersion: true), at: 0)
    }
    return Picker(purpose: .compare, title: "compare \(state.network.name) with…", items: items)
}

/// Opens the compare view of `first` against the current network, and asks for both to be timed.
func beginComparison(_ state: inout AppState, first: ForwardSession, title: String) throws(ShapeError) -> [Effect] {
    let comparison = try NetworkComparison(first.network, shapes: first.shapes, state.network, shapes: state.session.shapes)
    let job = state.nextJobID
    state.nextJobID += 1
    state.mode = .compare(CompareView(comparison: comparison, title: title, timingJob: job))
    return [.timeComparison(job: job, comparison, first: first, second: state.session)]
}

/// "nin-cifar10-edited.json" from a network name.
func suggestedFileName(_ name: String) -> String {
    let slug = name.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
    return (slug.isEmpty ? "network" : slug) + "-edited.json"
}
