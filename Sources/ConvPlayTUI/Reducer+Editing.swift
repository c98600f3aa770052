import ConvEngine

/// Changes to the network: add, insert, edit (through forms), delete, move, branches, undo and redo. Every
/// change goes through `apply`, so an impossible one is refused with the engine's reason.
func reduceEditing(_ state: inout AppState, _ editing: Editing) -> [Effect] {
    switch editing {
    case .beginAdd: state.mode = .pickType(TypeList(insertBefore: false))
    case .beginInsert: state.mode = .pickType(TypeList(insertBefore: true))
    case .beginEdit:
        guard let path = state.selected, let node = state.network.node(at: path) else {
            state.status = StatusMessage("the input is set with I (pick input)")
            return []
        }
        state.mode = .form(LayerForm(title: "edit \(node.name)", target: .edit(path), node: node))
    case .delete:
        guard let path = state.selected else {
            state.status = StatusMessage("the input cannot be deleted")
            return []
        }
        var network = state.network
        let name = network.node(at: path)?.name ?? ""
        network.modifySequence(containing: path) { $0.remove(at: path.index) }
        let next: NodePath? = network.node(at: path) != nil ? path : path.previousSibling ?? path.parent
        return apply(&state, network, select: next, message: "deleted \(name)")
    case .move(let delta):
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
        guard let blockPath = enclosingBlock(of: state.selected, in: state.network), var node = state.network.node(at: blockPath),
            var block = node.block
        else {
            state.status = StatusMessage("select a parallel block (or a node inside one) to add a branch")
            return []
        }
        let number = block.branches.count + 1
        let channels = state.session.shapes.inputs[blockPath]?.channels ?? 1
        block.branches.append([
            Node("\(node.name)_b\(number)", Conv(outChannels: block.merge == .concat ? 16 : channels, kernel: Size2(1)))
        ])
        node.kind = .parallel(block)
        var network = state.network
        network.replaceNode(at: blockPath, with: node)
        state.collapsed.remove(node.name)
        return apply(
            &state, network, select: blockPath.child(branch: block.branches.count - 1, index: 0),
            message: "added branch \(number) to \(node.name)")
    case .removeBranch:
        guard let path = state.selected, let branch = path.branch, let blockPath = path.parent,
            var node = state.network.node(at: blockPath),
            var block = node.block
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
    }
    return []
}

/// Applies the form: the node it describes replaces the edited one or is inserted; an impossible edit is
/// refused with the reason and the form stays open with what was typed.
func applyForm(_ state: inout AppState, _ form: LayerForm) -> [Effect] {
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
    if state.undoStack.count > before { state.mode = .normal }
    return effects
}

/// The form for a new node of the chosen type, inserted after (or before) the selection.
func beginForm(_ state: inout AppState, _ list: TypeList) {
    let template = NodeTemplate.all[list.index]
    let (container, index) = insertionPoint(state, before: list.insertBefore)
    let channels = state.session.shapes.inputs[state.selected ?? .top(0)]?.channels ?? state.network.input.shape.channels
    let inputChannels = list.insertBefore ? channels : state.selectedShape.channels
    let node = template.makeNode(name: uniqueName(template.namePrefix, in: state.network), channels: inputChannels)
    state.mode = .form(
        LayerForm(
            title: "\(list.insertBefore ? "insert" : "add") \(template.label)", target: .insert(sequenceOf: container, index: index),
            node: node))
}

/// Where `a` / `i` put a new node: the sequence holding the selection (a branch or the top level) and the
/// index in it. On the input row, the top of the network.
private func insertionPoint(_ state: AppState, before: Bool) -> (NodePath?, Int) {
    guard let path = state.selected else { return (nil, 0) }
    let index = before ? path.index : path.index + 1
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

/// "conv3" when conv1 and conv2 exist.
private func uniqueName(_ prefix: String, in network: Network) -> String {
    let names = Set(network.displayOrder.compactMap { network.node(at: $0)?.name })
    var number = 1
    while names.contains("\(prefix)\(number)") { number += 1 }
    return "\(prefix)\(number)"
}
