import ConvEngine

/// Moving around: the layer stack (and folding its blocks), the maps' tile cursor and pages, zoom and its
/// cursor, the focus, and the inspector's scroll.
func reduceNavigation(_ state: inout AppState, _ navigation: Navigation) -> [Effect] {
    switch navigation {
    case .moveSelection(let delta):
        let rows = state.rows
        selectByUser(&state, rows[max(0, min(rows.count - 1, state.selectedRow + delta))])
    case .selectFirst: selectByUser(&state, nil)
    case .selectLast: selectByUser(&state, state.rows.last ?? nil)
    case .collapse:
        guard let path = state.selected else { return [] }
        if let node = state.network.node(at: path), node.block != nil, !state.collapsed.contains(node.name) {
            state.collapsed.insert(node.name)
        } else if let parent = path.parent {
            selectByUser(&state, parent)
        }
    case .expand:
        guard let path = state.selected, let node = state.network.node(at: path), let block = node.block else { return [] }
        if state.collapsed.remove(node.name) == nil, let first = block.branches.firstIndex(where: { !$0.isEmpty }) {
            selectByUser(&state, path.child(branch: first, index: 0))
        }
    case .toggleAllBlocks:
        let blocks = Set(
            state.network.displayOrder.compactMap { path in state.network.node(at: path).flatMap { $0.block != nil ? $0.name : nil } })
        guard !blocks.isEmpty else {
            state.status = StatusMessage("no parallel blocks to fold in this network")
            return []
        }
        state.collapsed = state.collapsed.isSuperset(of: blocks) ? [] : blocks
        if let selected = state.selected { select(&state, visibleAncestor(selected, state)) }
        state.status = StatusMessage(state.collapsed.isEmpty ? "every block unfolded" : "\(blocks.count) blocks folded — f unfolds them")
    case .switchPane(let delta):
        let panes = Pane.allCases
        state.focus = panes[((panes.firstIndex(of: state.focus)! + delta) % panes.count + panes.count) % panes.count]
    case .moveTile(let dy, let dx):
        let frame = Frame(state, size: state.size)
        let across: Int
        if case .grid(let grid) = frame.mapsView { across = grid.columns } else { across = 1 }
        setChannel(&state, state.channel + dy * across + dx)
    case .pageMaps(let delta):
        let (_, _, perPage) = Frame(state, size: state.size).page(state)
        setChannel(&state, state.channel + delta * perPage)
    case .firstChannel: setChannel(&state, 0)
    case .lastChannel: setChannel(&state, state.selectedShape.channels - 1)
    case .toggleZoom:
        if case .zoom = state.mode {
            state.mode = .normal
        } else if state.selectedTensor != nil {
            let shape = state.selectedShape
            state.channel = min(state.channel, shape.channels - 1)
            state.mode = .zoom(ZoomCursor(row: shape.height / 2, column: shape.width / 2))
            state.focus = .maps
        } else {
            state.status = StatusMessage("nothing to zoom: step forward to compute this node first")
        }
    case .moveCursor(let dy, let dx):
        guard case .zoom(var cursor) = state.mode else { return [] }
        let shape = state.selectedShape
        cursor.row = max(0, min(shape.height - 1, cursor.row + dy))
        cursor.column = max(0, min(shape.width - 1, cursor.column + dx))
        state.mode = .zoom(cursor)
    case .zoomChannel(let delta):
        let channels = state.selectedShape.channels
        state.channel = ((state.channel + delta) % channels + channels) % channels
    case .goToChannel:
        let channels = state.selectedShape.channels
        guard channels > 1 else {
            state.status = StatusMessage("this map has one channel")
            return []
        }
        state.mode = .prompt(Prompt(purpose: .goToChannel(zoom: state.zoomCursor), label: "go to channel (0–\(channels - 1))", text: ""))
    case .scrollInspector(let delta):
        let most = Frame(state, size: state.size).inspectorMaxScroll
        state.inspectorScroll = max(0, min(most, state.inspectorScroll + delta))
    }
    return []
}

/// A selection the user made: it also stops a running pass from moving the selection to its step cursor.
func selectByUser(_ state: inout AppState, _ path: NodePath?) {
    state.job?.followsStep = false
    select(&state, path)
}

/// Moves the tile cursor to channel `c`, kept inside the map's channels.
func setChannel(_ state: inout AppState, _ c: Int) {
    state.channel = max(0, min(state.selectedShape.channels - 1, c))
}
