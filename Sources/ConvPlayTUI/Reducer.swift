import ConvEngine
import Foundation

/// Applies one action to the state and returns the side effects the runtime must perform.
/// Pure: no terminal, no files, no threads — everything outside comes back as another action.
public func reduce(_ state: inout AppState, _ action: Action) -> [Effect] {
    switch action {
    // MARK: moving around
    case .moveSelection(let delta):
        let rows = state.rows
        let row = max(0, min(rows.count - 1, state.selectedRow + delta))
        select(&state, rows[row])
    case .selectFirst: select(&state, nil)
    case .selectLast: select(&state, state.rows.last ?? nil)
    case .switchPane:
        state.focus = state.focus == .layers ? .maps : .layers
    case .activate:
        if state.focus == .maps { return reduce(&state, .toggleZoom) }
        return reduce(&state, .beginEdit)
    case .toggleZoom:
        if state.mode == .zoom {
            state.mode = .normal
        } else if state.selectedTensor != nil {
            state.mode = .zoom
            state.focus = .maps
            let shape = state.selectedShape
            state.zoomChannel = min(state.zoomChannel, shape.channels - 1)
            state.cursorY = min(state.cursorY, shape.height - 1)
            state.cursorX = min(state.cursorX, shape.width - 1)
        } else {
            state.status = StatusMessage("nothing to zoom: step forward to compute this node first")
        }
    case .pageMaps(let delta):
        state.mapPage = max(0, state.mapPage + delta)  // render clamps to the page count at its size
    case .moveCursor(let dy, let dx):
        let shape = state.selectedShape
        state.cursorY = max(0, min(shape.height - 1, state.cursorY + dy))
        state.cursorX = max(0, min(shape.width - 1, state.cursorX + dx))
    case .zoomChannel(let delta):
        let channels = state.selectedShape.channels
        state.zoomChannel = ((state.zoomChannel + delta) % channels + channels) % channels
    case .cycleColormap: state.colormap = state.colormap.next
    case .cycleScaling: state.scaling = state.scaling.next
    case .toggleWeights: state.showWeights.toggle()
    case .toggleHelp: state.mode = state.mode == .help ? .normal : .help

    // MARK: stepping
    case .stepForward:
        if let job = state.job {
            if job.task == .step, job.done + 1 + state.pendingSteps < job.total { state.pendingSteps += 1 }
            return []
        }
        guard state.session.computedCount < state.session.order.count else {
            state.status = StatusMessage("the pass is complete — b steps back, R resets")
            return []
        }
        return startJob(&state, .step)
    case .runToEnd:
        let cancel = cancelJob(&state)
        guard state.session.computedCount < state.session.order.count else { return cancel }
        return cancel + startJob(&state, .runToEnd)
    case .stepBack:
        let effects = cancelJob(&state)
        state.session.stepBack()
        followCursor(&state)
        return effects
    case .reset:
        let effects = cancelJob(&state)
        state.session.reset()
        select(&state, nil)
        return effects
    case .computeProgress(let job, let session):
        guard let running = state.job, running.id == job else { return [] }
        state.session = session
        state.job?.done = session.computedCount
        if !running.task.isCatchUp { followCursor(&state) }
    case .computeFinished(let job, let session):
        guard let running = state.job, running.id == job else { return [] }
        state.session = session
        state.job = nil
        if !running.task.isCatchUp { followCursor(&state) }
        if state.pendingSteps > 0, session.computedCount < session.order.count {
            state.pendingSteps -= 1
            return startJob(&state, .step)
        }
        state.pendingSteps = 0

    // MARK: editing
    case .beginAdd, .beginInsert:
        state.insertBefore = { if case .beginInsert = action { return true } else { return false } }()
        state.typeIndex = 0
        state.mode = .pickType
    case .beginEdit:
        guard let path = state.selected, let node = state.network.node(at: path) else {
            state.status = StatusMessage("the input is set with I (pick input)")
            return []
        }
        state.form = LayerForm(title: "edit \(node.name)", target: .edit(path), node: node)
        state.mode = .form
    case .deleteLayer:
        guard let path = state.selected else {
            state.status = StatusMessage("the input cannot be deleted")
            return []
        }
        var network = state.network
        let name = network.node(at: path)?.name ?? ""
        network.modifySequence(containing: path) { $0.remove(at: path.index) }
        let next = neighbour(after: path, in: network)
        return apply(&state, network, select: next, message: "deleted \(name)")
    case .moveLayer(let delta):
        guard let path = state.selected else { return [] }
        var network = state.network
        var moved: NodePath?
        network.modifySequence(containing: path) { sequence in
            let target = path.index + delta
            guard sequence.indices.contains(target) else { return }
            sequence.swapAt(path.index, target)
            moved = path.sibling(at: target)
        }
        guard let moved else { return [] }
        return apply(&state, network, select: moved)
    case .addBranch:
        guard let blockPath = enclosingBlock(of: state.selected, in: state.network),
            var node = state.network.node(at: blockPath), var block = node.block
        else {
            state.status = StatusMessage("select a parallel block (or a node inside one) to add a branch")
            return []
        }
        let number = block.branches.count + 1
        let channels = state.session.shapes.inputs[blockPath]?.channels ?? 1
        block.branches.append(
            block.merge == .concat
                ? [Node("\(node.name)_b\(number)", Conv(outChannels: 16, kernel: Size2(1)))]
                : [Node("\(node.name)_b\(number)", Conv(outChannels: channels, kernel: Size2(1)))])
        node.kind = .parallel(block)
        var network = state.network
        network.replaceNode(at: blockPath, with: node)
        return apply(
            &state, network, select: blockPath.child(branch: block.branches.count - 1, index: 0),
            message: "added branch \(number) to \(node.name)")
    case .removeBranch:
        guard let path = state.selected, let branch = path.branch, let blockPath = path.parent,
            var node = state.network.node(at: blockPath), var block = node.block
        else {
            state.status = StatusMessage("select a node inside a branch to remove that branch")
            return []
        }
        block.branches.remove(at: branch)
        node.kind = .parallel(block)
        var network = state.network
        network.replaceNode(at: blockPath, with: node)
        return apply(&state, network, select: blockPath, message: "removed branch \(branch + 1) of \(node.name)")
    case .undo:
        guard let snapshot = state.undoStack.popLast() else {
            state.status = StatusMessage("nothing to undo")
            return []
        }
        state.redoStack.append(Snapshot(network: state.network, selected: state.selected))
        return restore(&state, snapshot, verb: "undid")
    case .redo:
        guard let snapshot = state.redoStack.popLast() else {
            state.status = StatusMessage("nothing to redo")
            return []
        }
        state.undoStack.append(Snapshot(network: state.network, selected: state.selected))
        return restore(&state, snapshot, verb: "redid")

    // MARK: files
    case .save:
        if let file = state.file, !state.isShipped {
            return [.save(state.network, path: file, overwrite: true)]
        }
        return reduce(&state, .saveAs)
    case .saveAs:
        state.prompt = Prompt(purpose: .saveAs, label: "save as", text: suggestedFileName(state.network.name))
        state.mode = .prompt
    case .open:
        return [.listPresets]
    case .presetsListed(let choices):
        state.picker = Picker(purpose: .open, title: "open a preset", items: choices)
        state.mode = .picker
    case .pickInput:
        let items =
            SyntheticPattern.allCases.map { PresetChoice(nameOrPath: $0.rawValue, summary: "synthetic \($0.rawValue)") }
            + [PresetChoice(nameOrPath: "image…", summary: "a PGM/PPM/PNG file (type its path)")]
        state.picker = Picker(purpose: .input, title: "pick the input (\(state.network.input.shape))", items: items)
        state.mode = .picker
    case .quit:
        if state.dirty {
            state.question = .quitUnsaved
            state.mode = .confirm
            return []
        }
        state.wantsQuit = true
        return [.cancelComputation, .quit]
    case .saved(let path):
        state.file = path
        state.isShipped = false
        state.dirty = false
        state.status = StatusMessage("saved \(path)")
    case .saveNeedsConfirmation(let path):
        state.question = .overwrite(path: path)
        state.mode = .confirm
    case .loaded(let preset):
        do {
            var fresh = try AppState(preset: preset)
            fresh.colormap = state.colormap
            fresh.scaling = state.scaling
            fresh.display = state.display
            fresh.nextJobID = state.nextJobID
            fresh.status = StatusMessage("opened \(preset.file ?? preset.network.name)")
            let effects = cancelJob(&state)
            state = fresh
            return effects
        } catch {
            state.status = StatusMessage(error.description, isError: true)
        }
    case .inputReady(let network, let tensor, let recordUndo):
        do {
            let session = try ForwardSession(network: network, input: tensor)
            let effects = cancelJob(&state)
            if recordUndo {
                state.undoStack.append(Snapshot(network: state.network, selected: state.selected))
                state.redoStack.removeAll()
            }
            state.session = session
            state.dirty = true
            state.status = StatusMessage("input: \(Format.source(network.input.source))")
            return effects
        } catch {
            state.status = StatusMessage(error.description, isError: true)
        }
    case .failed(let message):
        state.status = StatusMessage(message, isError: true)

    // MARK: modal input
    case .listMove(let delta):
        if state.mode == .pickType {
            state.typeIndex = max(0, min(NodeTemplate.all.count - 1, state.typeIndex + delta))
        } else if var picker = state.picker {
            picker.index = max(0, min(picker.items.count - 1, picker.index + delta))
            state.picker = picker
        }
    case .cancel:
        state.mode = .normal
        state.form = nil
        state.prompt = nil
        state.picker = nil
        state.question = nil
    case .choose:
        return choose(&state)
    case .type(let character):
        if state.mode == .form, var form = state.form {
            if form.fields[form.focus].choices == nil { form.fields[form.focus].text.append(character) }
            state.form = form
        } else if state.mode == .prompt {
            state.prompt?.text.append(character)
        }
    case .deleteBackward:
        if state.mode == .form, var form = state.form {
            if !form.fields[form.focus].text.isEmpty, form.fields[form.focus].choices == nil { form.fields[form.focus].text.removeLast() }
            state.form = form
        } else if state.mode == .prompt, state.prompt?.text.isEmpty == false {
            state.prompt?.text.removeLast()
        }
    case .nextField(let delta):
        if var form = state.form {
            form.focus = ((form.focus + delta) % form.fields.count + form.fields.count) % form.fields.count
            state.form = form
        }
    case .cycleChoice(let delta):
        if var form = state.form, let choices = form.fields[form.focus].choices {
            let index = choices.firstIndex(of: form.fields[form.focus].text) ?? 0
            form.fields[form.focus].text = choices[((index + delta) % choices.count + choices.count) % choices.count]
            state.form = form
        }
    case .confirm(let yes):
        let question = state.question
        state.question = nil
        state.mode = .normal
        guard yes, let question else { return [] }
        switch question {
        case .quitUnsaved:
            state.wantsQuit = true
            return [.cancelComputation, .quit]
        case .overwrite(let path):
            return [.save(state.network, path: path, overwrite: true)]
        case .discardAndOpen(let name):
            return [.load(name)]
        }
    }
    return []
}

// MARK: - helpers

/// Selects a row and resets what depends on the selected tensor (page, zoom cursor).
private func select(_ state: inout AppState, _ path: NodePath?) {
    if state.selected != path {
        state.selected = path
        state.mapPage = 0
        state.zoomChannel = 0
        state.cursorX = 0
        state.cursorY = 0
    }
}

/// After a step the maps follow the step cursor: the last computed node is selected.
private func followCursor(_ state: inout AppState) {
    let count = state.session.computedCount
    select(&state, count > 0 ? state.session.order[count - 1] : nil)
    if state.mode == .zoom, state.selectedTensor == nil { state.mode = .normal }
}

private func startJob(_ state: inout AppState, _ task: ComputeTask) -> [Effect] {
    let id = state.nextJobID
    state.nextJobID += 1
    state.job = Job(id: id, task: task, done: state.session.computedCount, total: state.session.order.count)
    state.status = nil
    return [.compute(job: id, session: state.session, task: task)]
}

/// Forgets the running job: its late results no longer match `state.job` and are dropped.
private func cancelJob(_ state: inout AppState) -> [Effect] {
    state.pendingSteps = 0
    guard state.job != nil else { return [] }
    state.job = nil
    return [.cancelComputation]
}

/// Makes `network` the current one if shape inference accepts it; otherwise says why and changes nothing.
private func apply(_ state: inout AppState, _ network: Network, select path: NodePath?, message: String? = nil) -> [Effect] {
    var session = state.session
    do {
        try session.update(network: network)
    } catch {
        state.status = StatusMessage(error.description, isError: true)
        return []
    }
    let effects = cancelJob(&state)
    let target = catchUpTarget(before: state.session, after: session)
    state.undoStack.append(Snapshot(network: state.network, selected: state.selected))
    state.redoStack.removeAll()
    state.session = session
    state.dirty = true
    select(&state, path.flatMap { network.node(at: $0) != nil ? $0 : nil })
    state.status = message.map { StatusMessage($0) }
    return effects + catchUp(&state, to: target)
}

/// Where the step cursor should be again after an edit: the end if the pass was complete, else as far as it was.
private func catchUpTarget(before: ForwardSession, after: ForwardSession) -> Int {
    before.isComplete ? after.order.count : min(before.computedCount, after.order.count)
}

/// Recomputes what an edit invalidated, off the UI thread, until `target` nodes are done again.
private func catchUp(_ state: inout AppState, to target: Int) -> [Effect] {
    let status = state.status
    guard state.session.computedCount < target else { return [] }
    let effects = startJob(&state, .catchUp(to: target))
    state.status = status
    return effects
}

private func restore(_ state: inout AppState, _ snapshot: Snapshot, verb: String) -> [Effect] {
    let effects = cancelJob(&state)
    if snapshot.network.input != state.network.input {
        return effects + [.makeInput(snapshot.network, file: state.file, recordUndo: false)]
    }
    var session = state.session
    do { try session.update(network: snapshot.network) } catch {
        state.status = StatusMessage(error.description, isError: true)
        return effects
    }
    let target = catchUpTarget(before: state.session, after: session)
    state.session = session
    state.dirty = true
    select(&state, snapshot.selected.flatMap { snapshot.network.node(at: $0) != nil ? $0 : nil })
    state.status = StatusMessage("\(verb) · \(state.undoStack.count) undo / \(state.redoStack.count) redo left")
    return effects + catchUp(&state, to: target)
}

private func choose(_ state: inout AppState) -> [Effect] {
    switch state.mode {
    case .pickType:
        let template = NodeTemplate.all[state.typeIndex]
        let (container, index) = insertionPoint(state)
        let channels = state.session.shapes.inputs[state.selected ?? .top(0)]?.channels ?? state.network.input.shape.channels
        let inputChannels = state.insertBefore ? channels : state.selectedShape.channels
        let node = template.makeNode(name: uniqueName(template.namePrefix, in: state.network), channels: inputChannels)
        state.form = LayerForm(
            title: "\(state.insertBefore ? "insert" : "add") \(template.label)",
            target: .insert(sequenceOf: container, index: index), node: node)
        state.mode = .form
    case .form:
        guard let form = state.form else {
            state.mode = .normal
            return []
        }
        let node: Node
        do { node = try form.makeNode() } catch {
            state.status = StatusMessage(error.description, isError: true)
            return []
        }
        var network = state.network
        let path: NodePath
        switch form.target {
        case .edit(let target):
            network.replaceNode(at: target, with: node)
            path = target
        case .insert(let container, let index):
            if let container {
                network.modifySequence(containing: container) { $0.insert(node, at: index) }
                path = container.sibling(at: index)
            } else {
                network.nodes.insert(node, at: index)
                path = .top(index)
            }
        }
        let before = state.undoStack.count
        let effects = apply(&state, network, select: path, message: "\(form.title): \(node.name) \(Format.spec(node))")
        if state.undoStack.count > before {
            state.form = nil
            state.mode = .normal
        }
        return effects
    case .prompt:
        guard let prompt = state.prompt else {
            state.mode = .normal
            return []
        }
        let text = prompt.text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else {
            state.status = StatusMessage("type a file name first", isError: true)
            return []
        }
        state.prompt = nil
        state.mode = .normal
        switch prompt.purpose {
        case .saveAs:
            return [.save(state.network, path: text.hasSuffix(".json") ? text : text + ".json", overwrite: false)]
        case .imagePath:
            var network = state.network
            network.input.source = .image(path: text)
            return [.makeInput(network, file: state.file, recordUndo: true)]
        }
    case .picker:
        guard let picker = state.picker, picker.items.indices.contains(picker.index) else {
            state.mode = .normal
            return []
        }
        let item = picker.items[picker.index]
        state.picker = nil
        state.mode = .normal
        switch picker.purpose {
        case .open:
            if state.dirty {
                state.question = .discardAndOpen(item.nameOrPath)
                state.mode = .confirm
                return []
            }
            return [.load(item.nameOrPath)]
        case .input:
            if let pattern = SyntheticPattern(rawValue: item.nameOrPath) {
                var network = state.network
                network.input.source = .synthetic(pattern, seed: 0)
                return [.makeInput(network, file: state.file, recordUndo: true)]
            }
            state.prompt = Prompt(purpose: .imagePath, label: "image path", text: "")
            state.mode = .prompt
        }
    default:
        break
    }
    return []
}

/// Where `a` / `i` put a new node: the sequence holding the selection (a branch or the top level) and
/// the index in it. On the input row, the top of the network.
private func insertionPoint(_ state: AppState) -> (NodePath?, Int) {
    guard let path = state.selected else { return (nil, 0) }
    let index = state.insertBefore ? path.index : path.index + 1
    return path.depth == 0 ? (nil, index) : (path, index)
}

/// The block at `path`, or the block enclosing it.
private func enclosingBlock(of path: NodePath?, in network: Network) -> NodePath? {
    var current = path
    while let candidate = current {
        if network.node(at: candidate)?.block != nil { return candidate }
        current = candidate.parent
    }
    return nil
}

/// What to select after deleting `path`: the node now at its place, the one before, or the parent.
private func neighbour(after path: NodePath, in network: Network) -> NodePath? {
    if network.node(at: path) != nil { return path }
    return path.previousSibling ?? path.parent
}

/// "conv3" when conv1 and conv2 exist.
private func uniqueName(_ prefix: String, in network: Network) -> String {
    let names = Set(network.displayOrder.compactMap { network.node(at: $0)?.name })
    var number = 1
    while names.contains("\(prefix)\(number)") { number += 1 }
    return "\(prefix)\(number)"
}

/// "nin-cifar10-edited.json" from a network name.
func suggestedFileName(_ name: String) -> String {
    let slug = name.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
    return (slug.isEmpty ? "network" : slug) + "-edited.json"
}
