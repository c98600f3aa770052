extension JSONField {
    /// The preset's `data`: a data set as `train --data` spells it (`digits`, `shapes:600`, `mnist:DIR`, …).
    func dataSource() throws(PresetError) -> DataSource {
        let text = try string()
        do { return try DataSource(parsing: text) } catch {
            throw PresetError.invalidValue(
                path: path, value: "\"\(text)\"",
                requirement: "a data set as --data takes: digits, shapes[:COUNT], mnist:DIR, cifar10:DIR or folder:DIR")
        }
    }
}
