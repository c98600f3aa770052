extension JSONField {
    /// The preset's `labels`: class names by output index, each a non-empty string.
    func labels() throws(PresetError) -> [String] {
        var names: [String] = []
        for element in try array(expected: "an array of class names, e.g. [\"airplane\", \"automobile\", …]") {
            let name = try element.string()
            guard !name.isEmpty else {
                throw PresetError.invalidValue(path: element.path, value: "\"\"", requirement: "a class name, not an empty string")
            }
            names.append(name)
        }
        return names
    }
}
