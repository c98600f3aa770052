import ConvEngine
import Foundation

/// Input to the modal views. Each case reads and writes the data its mode carries.
func reduceModal(_ state: inout AppState, _ input: ModalInput) -> [Effect] {
    switch (input, state.mode) {
    case (.listMove(let delta), .pickType(var list)):
        list.index = max(0, min(NodeTemplate.all.count - 1, list.index + delta))
        state.mode = .pickType(list)
    case (.listMove(let delta), .picker(var picker)):
        picker.index = max(0, min(picker.items.count - 1, picker.index + delta))
        state.mode = .picker(picker)
    case (.listEdge(let toEnd), .pickType(var list)):
        list.index = toEnd ? NodeTemplate.all.count - 1 : 0
        state.mode = .pickType(list)
    case (.listEdge(let toEnd), .picker(var picker)):
        picker.index = toEnd ? max(0, picker.items.count - 1) : 0
        state.mode = .picker(picker)
    case (.choose, _):
        return choose(&state)
    case (.cancel, .prompt(let prompt)):
        if case .goToChannel(let zoom?) = prompt.purpose { state.mode = .zoom(zoom) } else { state.mode = state.restingMode }
    case (.cancel, .confirm(let question)):
        // Esc on a question: no — except before quitting with trained weights, where it stays.
        state.mode = state.restingMode
        if case .saveTrainedBeforeQuit = question { return [] }
        return answer(&state, question, yes: false)
    case (.cancel, _):
        state.mode = state.restingMode
    case (.type(let character), .form(var form)):
        if form.fields[form.focus].choices == nil { form.fields[form.focus].text.append(character) }
        state.mode = .form(form)
    case (.type(let character), .prompt(var prompt)):
        prompt.text.append(character)
        state.mode = .prompt(prompt)
    case (.deleteBackward, .form(var form)):
        if form.fields[form.focus].choices == nil, !form.fields[form.focus].text.isEmpty { form.fields[form.focus].text.removeLast() }
        state.mode = .form(form)
    case (.deleteBackward, .prompt(var prompt)):
        if !prompt.text.isEmpty { prompt.text.removeLast() }
        state.mode = .prompt(prompt)
    case (.clearField, .form(var form)):
        if form.fields[form.focus].choices == nil { form.fields[form.focus].text = "" }
        state.mode = .form(form)
    case (.clearField, .prompt(var prompt)):
        prompt.text = ""
        state.mode = .prompt(prompt)
    case (.nextField(let delta), .form(var form)):
        form.focus = ((form.focus + delta) % form.fields.count + form.fields.count) % form.fields.count
        state.mode = .form(form)
    case (.cycleChoice(let delta), .form(var form)):
        if let choices = form.fields[form.focus].choices {
            let index = choices.firstIndex(of: form.fields[form.focus].text) ?? 0
            form.fields[form.focus].text = choices[((index + delta) % choices.count + choices.count) % choices.count]
        }
        state.mode = .form(form)
    case (.confirm(let yes), .confirm(let question)):
        state.mode = state.restingMode
        return answer(&state, question, yes: yes)
    case (.scroll(let delta), _):
        scroll(&state) { $0 + delta }
    case (.scrollEdge(let toEnd), _):
        scroll(&state) { _ in toEnd ? Int.max : 0 }
    default:
        break
    }
    return []
}

/// Scrolls the help, compare or message overlay, kept within its content at the current size.
private func scroll(_ state: inout AppState, _ change: (Int) -> Int) {
    func clamp(_ value: Int, _ most: Int) -> Int { max(0, min(most, value)) }
    switch state.mode {
    case .help(let scroll): state.mode = .help(scroll: clamp(change(scroll), HelpOverlay.maxScroll(state.size)))
    case .message(let scroll): state.mode = .message(scroll: clamp(change(scroll), MessageOverlay.maxScroll(state, size: state.size)))
    case .compare(var view):
        view.scroll = clamp(change(view.scroll), ComparePane.maxScroll(view, body: Frame(state, size: state.size).body))
        state.mode = .compare(view)
    default: break
    }
}

/// Enter in a list, form or prompt.
private func choose(_ state: inout AppState) -> [Effect] {
    switch state.mode {
    case .pickType(let list):
        beginForm(&state, list)
    case .form(let form):
        return applyForm(&state, form)
    case .prompt(let prompt):
        return accept(&state, prompt)
    case .picker(let picker):
        guard picker.items.indices.contains(picker.index) else {
            state.mode = state.restingMode
            return []
        }
        state.mode = state.restingMode
        return pick(&state, picker.items[picker.index], purpose: picker.purpose)
    default:
        break
    }
    return []
}

private func accept(_ state: inout AppState, _ prompt: Prompt) -> [Effect] {
    let text = prompt.text.trimmingCharacters(in: .whitespaces)
    switch prompt.purpose {
    case .goToChannel(let zoom):
        let channels = state.selectedShape.channels
        guard let channel = Int(text), (0..<channels).contains(channel) else {
            state.status = StatusMessage("“\(text)” is not a channel — type a number from 0 to \(channels - 1)", isError: true)
            return []
        }
        state.channel = channel
        state.mode = zoom.map { .zoom($0) } ?? .normal
        state.focus = .maps
        return []
    case .trainingData:
        return acceptTrainingData(&state, text)
    case .trainedFolder:
        guard !text.isEmpty else {
            state.status = StatusMessage("type a folder name first", isError: true)
            return []
        }
        state.mode = state.restingMode
        return saveTrained(state, folder: text, overwrite: false, thenQuit: false)
    case .saveAs, .imagePath:
        guard !text.isEmpty else {
            state.status = StatusMessage("type a file name first", isError: true)
            return []
        }
        state.mode = .normal
        if case .saveAs = prompt.purpose {
            return [.save(state.network, path: text.hasSuffix(".json") ? text : text + ".json", overwrite: false)]
        }
        return [.useTypedImage(state.network, typedPath: text, file: state.file)]
    }
}

private func pick(_ state: inout AppState, _ item: PresetChoice, purpose: PickerPurpose) -> [Effect] {
    switch purpose {
    case .open:
        if state.dirty {
            state.mode = .confirm(.discardAndOpen(item.nameOrPath))
            return []
        }
        return [.load(item.nameOrPath)]
    case .input:
        if let pattern = SyntheticPattern(rawValue: item.nameOrPath) {
            var network = state.network
            network.input.source = .synthetic(pattern, seed: 0)
            return [.makeInput(network, file: state.file, recordUndo: true)]
        }
        state.mode = .prompt(Prompt(purpose: .imagePath, label: "image path (from the working directory)", text: ""))
    case .trainingData:
        return pickTrainingData(&state, item)
    case .compare:
        guard item.isSavedVersion, let saved = state.savedNetwork else { return [.loadForComparison(item.nameOrPath)] }
        let input = state.session.input.shape == saved.input.shape ? state.session.input : Tensor(shape: saved.input.shape)
        do {
            return try beginComparison(
                &state, first: try ForwardSession(network: saved, input: input, memoryCap: state.memoryCap),
                title: "saved file → unsaved edits")
        } catch {
            state.status = StatusMessage(error.description, isError: true)
        }
    }
    return []
}

/// What a yes or no to a question does.
private func answer(_ state: inout AppState, _ question: Question, yes: Bool) -> [Effect] {
    switch question {
    case .openRecovered:
        return [yes ? .openRecovered : .setAsideRecovery]
    case .quitUnsaved where yes:
        state.wantsQuit = true
        return [.stopTraining, .cancelComputation, .quit]
    case .saveTrainedBeforeQuit(let folder):
        if yes { return saveTrained(state, folder: folder, overwrite: false, thenQuit: true) }
        state.wantsQuit = true
        return [.stopTraining, .cancelComputation, .quit]
    case .overwriteTrained(let folder, let thenQuit) where yes:
        return saveTrained(state, folder: folder, overwrite: true, thenQuit: thenQuit)
    case .overwrite(let path) where yes:
        return [.save(state.network, path: path, overwrite: true)]
    case .discardAndOpen(let name) where yes:
        return [.load(name)]
    default:
        return []
    }
}
