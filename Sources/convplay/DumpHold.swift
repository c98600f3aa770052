import ConvEngine
func dumpActivations(session: ForwardSession, to: String, presetName: String) throws { throw UserError("--dump is not merged yet") }
