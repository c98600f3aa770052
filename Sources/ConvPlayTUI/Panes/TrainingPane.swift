import ConvEngine

/// The training pane, in the inspector's place while the training view is open: where the run stands, the
/// learning rate and speed, loss and accuracy per batch as braille sparklines, the held-out accuracy of the
/// last epoch, the watched image's prediction and top five, and — where it fits — the confusion matrix.
enum TrainingPane {
    typealias Line = (text: String, style: Style)

    /// Rows each sparkline takes (8 levels of dots).
    static let sparklineRows = 2
    /// Columns of the label beside a sparkline ("loss  ", "0.213 ").
    static let labelWidth = 8

    /// The pane's lines above the confusion matrix, for an inside `width` wide.
    static func lines(_ state: AppState, width: Int) -> [Line] {
        guard let view = state.training else { return [] }
        let dim = Style(foreground: Theme.dim)
        guard view.isReady else { return [("loading \(view.source)…", dim)] }
        var lines: [Line] = []
        let head = view.isRunning ? "▶ training · " : "‖ paused · "
        let batch = "epoch \(view.epoch + 1) · batch \(view.batchInEpoch)/\(view.stepsPerEpoch)"
        let position = Format.first([batch + " · step \(Format.grouped(view.step))", batch], fitting: width - head.count)
        lines.append(
            (
                head + position,
                view.isRunning ? Style(foreground: Theme.computed, bold: true) : Style(foreground: Theme.warning, bold: true)
            ))
        let rate = "lr \(Format.rate(view.learningRate))",
            speed = view.imagesPerSecond.map { " · \(Format.grouped(Int($0.rounded()))) img/s" } ?? ""
        lines.append(
            (
                Format.first(
                    [rate + " · batch \(view.batchSize) · sgd" + speed, rate + " · batch \(view.batchSize)" + speed, rate + speed],
                    fitting: width), .plain
            ))
        let recent = view.recent()
        let graphWidth = max(1, width - labelWidth)
        let loss = Sparkline.rows(view.losses, width: graphWidth, rows: sparklineRows)
        let accuracy = Sparkline.rows(view.accuracies, width: graphWidth, rows: sparklineRows, range: 0...1)
        let lossLabels = ["loss", recent.map { String(format: "%.3f", $0.loss) } ?? "–"]
        let accuracyLabels = ["acc", recent.map { Format.accuracy($0.accuracy) } ?? "–"]
        for (labels, graph) in [(lossLabels, loss), (accuracyLabels, accuracy)] {
            for (label, row) in zip(labels, graph) {
                lines.append((label.fitted(labelWidth) + row, Style(foreground: Theme.accent)))
            }
        }
        if let evaluation = view.evaluation {
            let accuracy = "held-out \(Format.accuracy(evaluation.accuracy)) (\(evaluation.correct)/\(evaluation.count))"
            let variants = [accuracy + " after epoch \(view.evaluatedEpoch)", accuracy + " · epoch \(view.evaluatedEpoch)", accuracy]
            lines.append((Format.first(variants, fitting: width), Style(bold: true)))
        } else {
            lines.append(
                (
                    Format.first(
                        ["held-out accuracy: at the end of epoch 1 (\(view.stepsPerEpoch) batches)", "held-out accuracy: after epoch 1"],
                        fitting: width), dim
                ))
        }
        lines += predictionLines(state, view, width: width)
        return lines
    }

    /// "held-out #0 (a 3) → predicts 3 ✓" and the top five with bars.
    private static func predictionLines(_ state: AppState, _ view: TrainingView, width: Int) -> [Line] {
        guard let last = state.session.order.last, let scores = state.session.output(of: last) else { return [] }
        let names = view.classNames
        func name(_ index: Int) -> String { names.indices.contains(index) ? names[index] : "class \(index)" }
        let top = scores.topClasses(5)
        guard let best = top.first else { return [] }
        let right = best.index == view.watchedLabel
        var lines: [Line] = [
            (
                "held-out #\(view.watchedIndex) (a \(name(view.watchedLabel))) → predicts \(name(best.index)) \(right ? "✓" : "✗")",
                Style(foreground: right ? Theme.computed : Theme.error, bold: true)
            )
        ]
        let isProbability = state.network.node(at: last)?.layer?.is(Softmax.self) ?? false
        let nameWidth = min(12, max(3, top.map { name($0.index).count }.max() ?? 3))
        let barWidth = max(0, min(24, width - nameWidth - 14))
        let scale = max(abs(best.score), 1e-12)
        for (i, entry) in top.enumerated() {
            let value = isProbability ? String(format: "%.3f", entry.score) : Format.number(entry.score)
            let bar = Format.bar(Double(max(0, entry.score) / scale), width: barWidth)
            lines.append(
                (
                    "\(i + 1). " + name(entry.index).fitted(nameWidth) + " " + value.fitted(8, alignRight: true) + " " + bar,
                    i == 0 ? Style(bold: true) : .plain
                ))
        }
        return lines
    }

    /// The pane's height for an inside `width` wide: its lines, the confusion matrix when there is one, the border.
    static func height(_ state: AppState, width: Int) -> Int {
        let matrix = state.training?.evaluation.map { ConfusionView.size($0) }
        let matrixRows = matrix.map { $0.width <= width ? $0.height + 1 : 1 } ?? 0
        return lines(state, width: width).count + matrixRows + 2
    }

    static func draw(_ screen: inout Screen, _ state: AppState, _ rect: Rect) {
        guard let view = state.training else { return }
        let title = "Training · \(view.source)"
        let note = view.isReady ? "\(Format.grouped(view.trainingCount)) images · \(Format.grouped(view.heldOutCount)) held out" : ""
        screen.box(rect, title: title, note: Screen.fittingNote([note], width: rect.width, title: title))
        let inner = rect.inner
        let lines = lines(state, width: inner.width)
        for (i, line) in lines.prefix(inner.height).enumerated() {
            screen.put(line.text, x: inner.x, y: inner.y + i, style: line.style, limit: inner.maxX)
        }
        guard let evaluation = view.evaluation, !view.showsConfusion else { return }
        let y = inner.y + lines.count + 1
        let size = ConfusionView.size(evaluation)
        if size.width <= inner.width, y + size.height <= inner.maxY {
            ConfusionView.draw(
                &screen, evaluation, epoch: view.evaluatedEpoch, Rect(x: inner.x, y: y, width: inner.width, height: size.height))
        } else if y - 1 < inner.maxY {
            screen.put("x shows the confusion matrix", x: inner.x, y: y - 1, style: Style(foreground: Theme.dim), limit: inner.maxX)
        }
    }
}

/// The held-out confusion matrix: a row per true class, a column per predicted one; the diagonal (right) in the
/// accent colour, mistakes in the warning colour, zeros as dots.
enum ConfusionView {
    /// Columns and rows it needs: the title, the header and a row per class.
    static func size(_ evaluation: Evaluation) -> (width: Int, height: Int) {
        let layout = Layout(evaluation)
        return (layout.labelWidth + layout.cellWidth * evaluation.classNames.count, evaluation.classNames.count + 2)
    }

    private struct Layout {
        let labelWidth: Int, cellWidth: Int
        init(_ evaluation: Evaluation) {
            let most = evaluation.confusion.flatMap { $0 }.max() ?? 0
            cellWidth = max(2, String(most).count, evaluation.classNames.map { min($0.count, 4) }.max() ?? 1) + 1
            labelWidth = min(9, evaluation.classNames.map(\.count).max() ?? 1) + 1
        }
    }

    static func draw(_ screen: inout Screen, _ evaluation: Evaluation, epoch: Int, _ rect: Rect) {
        let layout = Layout(evaluation)
        let dim = Style(foreground: Theme.dim)
        let titles = [
            "confusion after epoch \(epoch): rows true, columns predicted", "confusion, epoch \(epoch): rows true, columns predicted",
            "rows: true class · columns: predicted", "rows true · columns predicted",
        ]
        screen.put(Format.first(titles, fitting: rect.width), x: rect.x, y: rect.y, style: Style(bold: true), limit: rect.maxX)
        var x = rect.x + layout.labelWidth
        for name in evaluation.classNames {
            x = screen.put(
                String(name.prefix(layout.cellWidth - 1)).fitted(layout.cellWidth, alignRight: true), x: x, y: rect.y + 1, style: dim,
                limit: rect.maxX)
        }
        for (row, counts) in evaluation.confusion.enumerated() {
            let y = rect.y + 2 + row
            guard y < rect.maxY else { break }
            var x = screen.put(
                String(evaluation.classNames[row].prefix(layout.labelWidth - 1)).fitted(layout.labelWidth), x: rect.x, y: y, style: dim,
                limit: rect.maxX)
            for (column, count) in counts.enumerated() {
                let style =
                    count == 0
                    ? dim : column == row ? Style(foreground: Theme.accent, bold: true) : Style(foreground: Theme.warning, bold: true)
                x = screen.put(
                    (count == 0 ? "·" : String(count)).fitted(layout.cellWidth, alignRight: true), x: x, y: y, style: style,
                    limit: rect.maxX)
            }
        }
    }

    /// The matrix in the maps' place (`x`), boxed.
    static func drawPane(_ screen: inout Screen, _ state: AppState, _ rect: Rect) {
        guard let view = state.training, let evaluation = view.evaluation else { return }
        screen.box(rect, title: "Held-out · \(Format.accuracy(evaluation.accuracy)) · epoch \(view.evaluatedEpoch)", note: "x: maps")
        draw(&screen, evaluation, epoch: view.evaluatedEpoch, rect.inner)
    }
}
