import ConvEngine

/// Mouse events, hit-tested against the same `Frame` the screen was drawn with: a click selects a stack row
/// (on ▼/▶ it folds or unfolds the block), a tile, or — zoomed — a map position; the wheel scrolls whatever
/// is under it (the stack's selection, channel pages, the inspector, the overlays).
func reduceMouse(_ state: inout AppState, _ event: MouseEvent) -> [Effect] {
    switch state.mode.kind {
    case .help, .compare, .message:
        if event.kind != .press { return reduceModal(&state, .scroll(event.kind == .wheelUp ? -3 : 3)) }
        return []
    case .normal, .zoom:
        break
    default:
        return []
    }
    let frame = Frame(state, size: state.size)
    guard !frame.isTooSmall else { return [] }
    let delta = event.kind == .wheelUp ? -1 : 1
    if frame.layers.contains(x: event.x, y: event.y) {
        if event.kind != .press { return reduceNavigation(&state, .moveSelection(3 * delta)) }
        guard let hit = LayersPane.row(at: event.y, x: event.x, frame) else { return [] }
        state.focus = .layers
        if hit.onGlyph, let path = hit.row.path {
            if state.selected != path { selectByUser(&state, path) }
            return reduceNavigation(&state, hit.row.isFolded ? .expand : .collapse)
        }
        selectByUser(&state, hit.row.path)
        return []
    }
    if case .zoom(var cursor) = state.mode {
        guard event.kind == .press else { return reduceNavigation(&state, .zoomChannel(delta)) }
        if let shape = state.selectedTensor?.shape,
            let position = ZoomLayout(state, shape: shape, rect: frame.right).position(atX: event.x, y: event.y, shape: shape)
        {
            cursor = position
            state.mode = .zoom(cursor)
        }
        return []
    }
    if frame.maps.contains(x: event.x, y: event.y), !frame.weightsInMaps {
        state.focus = .maps
        if event.kind != .press { return reduceNavigation(&state, .pageMaps(delta)) }
        if let channel = MapsPane.channel(atX: event.x, y: event.y, state, frame) {
            // A second click on the selected tile zooms it.
            if channel == state.channel { return reduceNavigation(&state, .toggleZoom) }
            state.channel = channel
        }
        return []
    }
    if frame.inspector.contains(x: event.x, y: event.y) {
        state.focus = .inspector
        if event.kind != .press { return reduceNavigation(&state, .scrollInspector(3 * delta)) }
    }
    return []
}
