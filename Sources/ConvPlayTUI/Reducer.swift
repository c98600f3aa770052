import ConvEngine

/// Applies one action to the state and returns the side effects the runtime must perform. Pure: no
/// terminal, no files, no threads — everything outside comes back as another action. Each action group has
/// its own reducer (`Reducer+*.swift`); the helpers below are what they share.
public func reduce(_ state: inout AppState, _ action: Action) -> [Effect] {
    switch action {
    case .navigate(let navigation): return reduceNavigation(&state, navigation)
    case .view(let view): return reduceView(&state, view)
    case .step(let stepping): return reduceStepping(&state, stepping)
    case .edit(let editing): return reduceEditing(&state, editing)
    case .file(let file): return reduceFile(&state, file)
    case .modal(let input): return reduceModal(&state, input)
    case .mouse(let event): return reduceMouse(&state, event)
    case .train(let training): return reduceTraining(&state, training)
    case .event(let event): return reduceEvent(&state, event)
    }
}

/// Selects a row and resets what depends on the selected tensor (channel, zoom cursor, inspector scroll).
func select(_ state: inout AppState, _ path: NodePath?) {
    guard state.selected != path else { return }
    state.selected = path
    state.channel = 0
    state.inspectorScroll = 0
    if case .zoom = state.mode {
        let shape = state.selectedShape
        state.mode = state.selectedTensor == nil ? .normal : .zoom(ZoomCursor(row: shape.height / 2, column: shape.width / 2))
    }
}

/// After a step the maps follow the step cursor: the last computed node (or the folded block holding it) is
/// selected — unless the user has moved the selection since the job started.
func followCursor(_ state: inout AppState) {
    guard state.job?.followsStep ?? true else { return }
    let count = state.session.computedCount
    select(&state, count > 0 ? visibleAncestor(state.session.order[count - 1], state) : nil)
    if case .zoom = state.mode, state.selectedTensor == nil { state.mode = .normal }
}

func startJob(_ state: inout AppState, _ task: ComputeTask) -> [Effect] {
    let id = state.nextJobID
    state.nextJobID += 1
    state.job = Job(id: id, task: task, done: state.session.computedCount, total: state.session.order.count)
    state.status = nil
    return [.compute(job: id, session: state.session, task: task)]
}

/// Forgets the running job: its late results no longer match `state.job` and are dropped.
func cancelJob(_ state: inout AppState) -> [Effect] {
    state.pendingSteps = 0
    guard state.job != nil else { return [] }
    state.job = nil
    return [.cancelComputation]
}

/// Makes `network` the current one if the engine accepts it — shape inference with its overflow checks and the
/// one memory budget (weights, activations, scratch) — otherwise says why and changes nothing.
func apply(_ state: inout AppState, _ network: Network, select path: NodePath?, message: String? = nil) -> [Effect] {
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
    select(&state, path.flatMap { network.node(at: $0) != nil ? visibleAncestor($0, state) : nil })
    state.status = message.map { StatusMessage($0) }
    return effects + catchUp(&state, to: target)
}

/// Where the step cursor should be again after an edit: the end if the pass was complete, else as far as it was.
func catchUpTarget(before: ForwardSession, after: ForwardSession) -> Int {
    before.isComplete ? after.order.count : min(before.computedCount, after.order.count)
}

/// Recomputes what an edit invalidated, off the UI thread, until `target` nodes are done again.
func catchUp(_ state: inout AppState, to target: Int) -> [Effect] {
    let status = state.status
    guard state.session.computedCount < target else { return [] }
    let effects = startJob(&state, .catchUp(to: target))
    state.status = status
    return effects
}

/// Returns to a snapshot (undo, redo): the network and the selection.
func restore(_ state: inout AppState, _ snapshot: Snapshot, verb: String) -> [Effect] {
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
    select(&state, snapshot.selected.flatMap { snapshot.network.node(at: $0) != nil ? visibleAncestor($0, state) : nil })
    state.status = StatusMessage("\(verb) · \(state.undoStack.count) undo / \(state.redoStack.count) redo left")
    return effects + catchUp(&state, to: target)
}
