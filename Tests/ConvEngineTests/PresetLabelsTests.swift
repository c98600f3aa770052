import Testing

@testable import ConvEngine

@Suite struct PresetLabelsTests {
    static func preset(labels: String) -> String {
        """
        {"format": 1, "name": "n", "input": {"shape": [2, 1, 1]}, "layers": [{"type": "softmax"}], "labels": \(labels)}
        """
    }

    @Test func labelsReadAndWriteBack() throws {
        let network = try Preset.decode(json: Self.preset(labels: "[\"cat\", \"dog\"]"))
        #expect(network.labels == ["cat", "dog"])
        #expect(Preset.encode(network).contains("\"labels\": [\"cat\", \"dog\"]"))
        #expect(try Preset.decode(json: Preset.encode(network)) == network)
    }

    @Test func nin_cifar10NamesItsTenClasses() throws {
        let network = try Preset.load(path: PresetFixtures.path("nin-cifar10")).network
        #expect(network.labels == ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"])
        #expect(try network.inferShapes().output.channels == network.labels.count)
    }

    @Test(arguments: [
        (
            json: "\"cat\"",
            error: PresetError.wrongType(
                path: "labels", expected: "an array of class names, e.g. [\"airplane\", \"automobile\", …]", found: "a string \"cat\"")
        ),
        (json: "[\"cat\", 3]", error: PresetError.wrongType(path: "labels[1]", expected: "a string", found: "a number 3")),
        (
            json: "[\"\"]",
            error: PresetError.invalidValue(path: "labels[0]", value: "\"\"", requirement: "a class name, not an empty string")
        ),
    ])
    func badLabelsNameTheirPlace(_ c: (json: String, error: PresetError)) {
        #expect(throws: c.error) { try Preset.decode(json: Self.preset(labels: c.json)) }
    }
}
