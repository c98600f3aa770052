import Testing

@testable import ConvEngine

/// The preset's optional `data`: the data set `train`, `evaluate` and the exported `train.py` default to.
@Suite struct PresetDataTests {
    static func preset(data: String) -> String {
        """
        {"format": 1, "name": "n", "input": {"shape": [2, 1, 1]}, "layers": [{"type": "softmax"}], "data": \(data)}
        """
    }

    @Test(arguments: [
        ("\"digits\"", DataSource.digits), ("\"shapes:600\"", .shapes(count: 600)), ("\"mnist:/m\"", .mnist(directory: "/m")),
    ])
    func dataReadsAndWritesBack(_ c: (json: String, source: DataSource)) throws {
        let network = try Preset.decode(json: Self.preset(data: c.json))
        #expect(network.trainingData == c.source)
        #expect(Preset.encode(network).contains("\"data\": \(c.json)"))
        #expect(try Preset.decode(json: Preset.encode(network)) == network)
    }

    @Test func shippedPresetsNameTheirDataSet() throws {
        #expect(try Preset.load(path: PresetFixtures.path("nin-digits")).network.trainingData == .digits)
        #expect(try Preset.load(path: PresetFixtures.path("tiny-inception-shapes")).network.trainingData == .shapes(count: 3000))
        #expect(try Preset.load(path: PresetFixtures.path("nin-cifar10")).network.trainingData == nil)
    }

    @Test(arguments: [
        (json: "3", error: PresetError.wrongType(path: "data", expected: "a string", found: "a number 3")),
        (
            json: "\"imagenet\"",
            error: PresetError.invalidValue(
                path: "data", value: "\"imagenet\"",
                requirement: "a data set as --data takes: digits, shapes[:COUNT], mnist:DIR, cifar10:DIR or folder:DIR")
        ),
    ])
    func badDataNamesItsPlace(_ c: (json: String, error: PresetError)) {
        #expect(throws: c.error) { try Preset.decode(json: Self.preset(data: c.json)) }
    }
}
