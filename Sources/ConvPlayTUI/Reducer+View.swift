import ConvEngine

/// How things are drawn: colormap and scaling (each press changes what the maps look like), the weights
/// pane, help and the whole message.
func reduceView(_ state: inout AppState, _ view: ViewAction) -> [Effect] {
    switch view {
    case .cycleColormap:
        // The next colormap that changes what the maps look like (auto is viridis on a non-negative map, so
        // viridis after auto would change nothing there).
        let shown = shownColormap(state)
        for _ in Colormap.allCases {
            state.colormap = Colormap.allCases[(Colormap.allCases.firstIndex(of: state.colormap)! + 1) % Colormap.allCases.count]
            if shownColormap(state) != shown { break }
        }
    case .cycleScaling:
        // auto (the lesson's choice), then each scaling; skipping any that draws the maps as now.
        let choices: [Scaling?] = [nil] + Scaling.allCases.map { Optional($0) }
        let shown = state.scaling
        for _ in choices {
            state.scalingChoice = choices[(choices.firstIndex(of: state.scalingChoice)! + 1) % choices.count]
            if state.scaling != shown { break }
        }
    case .toggleWeights:
        state.weightsToggled.toggle()
        guard selectedHasParameters(state) else {
            state.status = StatusMessage("this row has no weights — W shows or hides the weights of the layers that have them")
            return []
        }
        let frame = Frame(state, size: state.size)
        if frame.weightsInMaps {
            state.status = StatusMessage("weights in place of the maps — W brings the maps back")
        } else if frame.weights == nil, state.weightsToggled {
            state.status = StatusMessage("weights pane hidden: the inspector has the width — W shows them again")
        } else {
            state.status = nil
        }
    case .toggleHelp:
        if case .help = state.mode { state.mode = .normal } else { state.mode = .help(scroll: 0) }
    case .showMessage:
        guard state.status != nil else {
            state.status = StatusMessage("no message to show")
            return []
        }
        state.mode = .message(scroll: 0)
    }
    return []
}

/// What the maps are drawn in for the selection: "picture" for an input shown as one colour picture,
/// otherwise the colormap's name.
func shownColormap(_ state: AppState) -> String {
    if case .picture = MapsView(state, shape: state.selectedShape, area: Rect(x: 0, y: 0, width: 40, height: 20)) { return "picture" }
    let minimum = state.selectedTensor.map { range(of: $0.data[...]).low } ?? 0
    return displayedColormap(state, minimum: minimum).rawValue
}
