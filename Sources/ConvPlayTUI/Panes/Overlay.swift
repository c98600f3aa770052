/// A centred box over the screen for overlays (help, forms, lists, questions); returns its inside.
func overlayBox(_ screen: inout Screen, width: Int, height: Int, title: String, note: String = "") -> Rect {
    let w = min(width, screen.size.columns - 2), h = min(height, screen.size.rows - 2)
    let rect = Rect(x: (screen.size.columns - w) / 2, y: max(1, (screen.size.rows - h) / 2), width: w, height: h)
    screen.fill(rect)
    screen.box(rect, title: title, note: note, style: Style(foreground: Theme.accent))
    return rect.inner
}

/// "↓ 12 more" / "↑↓" marks on a scrolled box's bottom border, so clipped content never looks complete.
func drawScrollMarks(_ screen: inout Screen, box: Rect, scroll: Int, total: Int, visible: Int) {
    guard total > visible else { return }
    let below = total - visible - scroll
    var text = " "
    if scroll > 0 { text += "↑ \(scroll) above " }
    if below > 0 { text += "↓ \(below) more " }
    guard text.count > 1 else { return }
    screen.put(text, x: box.maxX - 2 - text.count, y: box.maxY - 1, style: Style(foreground: Theme.accent), limit: box.maxX - 1)
}
