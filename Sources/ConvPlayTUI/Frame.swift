import ConvEngine

/// Where everything goes for a state at a terminal size: the panes (sized to their content), the layer
/// stack's rows and scroll, the wrapped inspector and message lines, and how the maps are laid out. `render`
/// draws into it, and the reducer pages channels and hit-tests mouse clicks with it, so both always agree.
struct Frame {
    static let minimum = Size(columns: 80, rows: 24)

    let size: Size
    let isTooSmall: Bool
    let header: Rect
    /// Everything between the header and the message area (the compare view's room).
    let body: Rect
    let layers: Rect
    /// The right-hand column beside the stack: maps over inspector (and weights), or the zoom.
    let right: Rect
    let maps: Rect
    let inspector: Rect
    /// The weights pane where it has room of its own and is shown.
    let weights: Rect?
    /// True when the weights are drawn in the maps pane's place (narrow screens, after `W`).
    let weightsInMaps: Bool
    let status: Rect
    let footer: Rect
    let statusLines: [String]
    let stackRows: [StackRow]
    let stackColumns: StackColumns
    /// The first stack row shown.
    let stackOffset: Int
    /// The inspector's lines wrapped to its width (scrolled by `state.inspectorScroll` when drawn).
    let inspectorLines: [(text: String, style: Style)]
    let mapsView: MapsView

    /// The inside of the maps pane, where tiles go.
    var mapsArea: Rect { maps.inner }

    /// How far the inspector can scroll.
    var inspectorMaxScroll: Int { max(0, inspectorLines.count - inspector.inner.height) }

    init(_ state: AppState, size: Size) {
        self.size = size
        isTooSmall = size.columns < Self.minimum.columns || size.rows < Self.minimum.rows
        let width = size.columns
        header = Rect(x: 0, y: 0, width: width, height: 1)
        footer = Rect(x: 0, y: size.rows - 1, width: width, height: 1)
        statusLines = messageLines(state, width: width)
        status = Rect(x: 0, y: size.rows - 1 - statusLines.count, width: width, height: statusLines.count)
        body = Rect(x: 0, y: 1, width: width, height: status.y - 1)

        // The stack takes what its rows need, at most two fifths of the width (36 columns on small screens).
        stackRows = ConvPlayTUI.stackRows(state)
        let layersWidth = min(max(30, StackColumns.natural(state.derived) + 2), max(36, width * 2 / 5))
        layers = Rect(x: 0, y: body.y, width: layersWidth, height: body.height)
        stackColumns = StackColumns(state.derived, innerWidth: layersWidth - 2)
        let selectedRow = stackRows.firstIndex { $0.path == state.selected } ?? 0
        let visibleRows = layers.inner.height
        stackOffset = max(0, min(stackRows.count - visibleRows, selectedRow - visibleRows / 2))

        right = Rect(x: layersWidth, y: body.y, width: width - layersWidth, height: body.height)
        let wide = right.width >= 70
        let hasWeights = selectedHasParameters(state)
        let weightsBeside = wide && hasWeights && !state.weightsToggled
        weightsInMaps = !wide && hasWeights && state.weightsToggled
        let inspectorWidth = weightsBeside ? max(38, right.width / 2) : right.width
        let unwrapped = ConvPlayTUI.inspectorLines(state)
        inspectorLines = unwrapped.flatMap { line in wrap(line.text, width: inspectorWidth - 2).map { (text: $0, style: line.style) } }
        // The inspector's height follows its lines, between 7 rows (12 beside weights) and 40 % of the body;
        // longer content scrolls.
        let most = max(7, body.height * 40 / 100)
        let bottom = min(most, max(weightsBeside ? 12 : 7, inspectorLines.count + 2))
        maps = Rect(x: right.x, y: body.y, width: right.width, height: body.height - bottom)
        inspector = Rect(x: right.x, y: maps.maxY, width: inspectorWidth, height: bottom)
        weights = weightsBeside ? Rect(x: right.x + inspectorWidth, y: maps.maxY, width: right.width - inspectorWidth, height: bottom) : nil
        mapsView = MapsView(state, shape: state.selectedShape, area: maps.inner)
    }

    /// The page of channels the tile cursor is on, and how many pages there are.
    func page(_ state: AppState) -> (page: Int, pages: Int, perPage: Int) {
        let channels = state.selectedShape.channels
        let perPage = mapsView.perPage(channels: channels)
        let pages = max(1, (channels + perPage - 1) / perPage)
        return (min(state.channel / perPage, pages - 1), pages, perPage)
    }
}

/// Whether the selected node is a layer that carries parameters (conv, dense, lateral, batch norm).
func selectedHasParameters(_ state: AppState) -> Bool {
    guard let path = state.selected, let layer = state.network.node(at: path)?.layer else { return false }
    return layer.kind.parameterShapes(state.session.shapes.io(at: path)) != nil
}

/// `text` broken at spaces into lines of at most `width` characters; a word longer than a line (a path) is
/// broken across lines, so nothing is ever lost.
func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0, text.count > width else { return [text] }
    var lines: [String] = [], current = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: false) {
        let candidate = current.isEmpty ? String(word) : current + " " + word
        if candidate.count <= width {
            current = candidate
            continue
        }
        if !current.isEmpty { lines.append(current) }
        var rest = Substring(word)
        while rest.count > width {
            lines.append(String(rest.prefix(width)))
            rest = rest.dropFirst(width)
        }
        current = String(rest)
    }
    if !current.isEmpty { lines.append(current) }
    return lines
}
