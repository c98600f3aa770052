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

    /// The ImageNet presets name ILSVRC-2012's 1000 classes in the order the published models' outputs have them
    /// (sorted WordNet ids, BVLC Caffe's order too), with the short names torchvision gives them
    /// (`_IMAGENET_CATEGORIES`, torchvision/models/_meta.py). Entries copied from that list: 0 tench, 1 goldfish,
    /// 281 tabby, 285 Egyptian cat, 817 sports car, 954 banana, 999 toilet tissue.
    @Test(arguments: ["resnet50", "googlenet", "squeezenet", "mobilenet-v2"])
    func imageNetPresetsNameTheThousandClasses(_ name: String) throws {
        let network = try Preset.load(path: PresetFixtures.path(name)).network
        #expect(try network.inferShapes().output.elementCount == network.labels.count)
        #expect(network.labels.count == 1000 && Set(network.labels).count == 1000)
        for (index, label) in [
            (0, "tench"), (1, "goldfish"), (281, "tabby"), (285, "Egyptian cat"), (817, "sports car"),
            (954, "banana"), (999, "toilet tissue"),
        ] where network.labels.indices.contains(index) {
            #expect(network.labels[index] == label, "\(name) labels[\(index)]")
        }
        #expect(network.labels == (try Preset.load(path: PresetFixtures.path("resnet50")).network.labels))
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
