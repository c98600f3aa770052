import ConvEngine

/// The step cursor: one step (queued while one computes), back, run to the end, reset.
func reduceStepping(_ state: inout AppState, _ stepping: Stepping) -> [Effect] {
    switch stepping {
    case .forward:
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
    case .back:
        let effects = cancelJob(&state)
        state.session.stepBack()
        followCursor(&state)
        return effects
    case .reset:
        let effects = cancelJob(&state)
        state.session.reset()
        select(&state, nil)
        return effects
    }
}
