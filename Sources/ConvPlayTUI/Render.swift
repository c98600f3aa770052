/// Draws the whole playground for `state` into a screen of `size`. Pure: the same state and size give the
/// same cells, so tests compare screens without a terminal. Each pane draws itself (`Panes/`) into the
/// rectangles `Frame` gives it.
public func render(_ state: AppState, size: Size) -> Screen {
    var screen = Screen(size: size)
    let frame = Frame(state, size: size)
    if frame.isTooSmall {
        TooSmall.draw(&screen)
        // A question (quitting with unsaved edits) must stay answerable at any size.
        if case .confirm(let question) = state.mode { QuestionOverlay.draw(&screen, question) }
        return finish(screen, state)
    }
    HeaderPane.draw(&screen, state, frame.header)
    if case .compare(let view) = state.mode {
        ComparePane.draw(&screen, view, frame.body)
    } else {
        LayersPane.draw(&screen, state, frame)
        if case .zoom(let cursor) = state.mode, state.selectedTensor != nil {
            ZoomPane.draw(&screen, state, cursor: cursor, frame.right)
        } else {
            if frame.weightsInMaps { WeightsPane.draw(&screen, state, frame.maps) } else { MapsPane.draw(&screen, state, frame) }
            InspectorPane.draw(&screen, state, frame)
            if let weights = frame.weights { WeightsPane.draw(&screen, state, weights) }
        }
    }
    StatusPane.draw(&screen, state, lines: frame.statusLines, frame.status)
    FooterPane.draw(&screen, state, frame.footer)
    switch state.mode {
    case .help(let scroll): HelpOverlay.draw(&screen, scroll: scroll)
    case .pickType(let list): ListOverlays.drawTypeList(&screen, list)
    case .form(let form): FormOverlay.draw(&screen, form)
    case .prompt(let prompt): PromptOverlay.draw(&screen, prompt)
    case .picker(let picker): ListOverlays.drawPicker(&screen, picker)
    case .confirm(let question): QuestionOverlay.draw(&screen, question)
    case .message(let scroll): MessageOverlay.draw(&screen, state, scroll: scroll)
    case .normal, .zoom, .compare: break
    }
    return finish(screen, state)
}

/// Without a UTF-8 locale every character the terminal cannot show becomes its ASCII stand-in.
private func finish(_ screen: Screen, _ state: AppState) -> Screen {
    state.display.unicode ? screen : screen.transliterated()
}
