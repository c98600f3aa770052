import ConvEngine
import Testing

@testable import ConvPlayTUI

/// The edit form is built from each layer type's schema and reads back to the same node.
struct LayerFormTests {
    @Test(arguments: NodeTemplate.all.map(\.label))
    func anUntouchedFormGivesBackItsNode(label: String) throws {
        let template = try #require(NodeTemplate.all.first { $0.label == label })
        let node = template.makeNode(name: "x", channels: 8)
        let form = LayerForm(title: "edit", target: .edit(.top(0)), node: node)
        #expect(try form.makeNode() == node)
    }

    @Test func typedValuesReachTheLayer() throws {
        var form = LayerForm(title: "edit", target: .edit(.top(0)), node: Node("c", Conv(outChannels: 4, kernel: Size2(1))))
        func set(_ key: String, _ text: String) { form.fields[form.fields.firstIndex { $0.key == key }!].text = text }
        set("out", "12")
        set("kernel", "3×5")
        set("pad", "same")
        set("bias", "no")
        #expect(try form.makeNode() == Node("c", Conv(outChannels: 12, kernel: Size2(3, 5), padding: .same, hasBias: false)))
    }

    @Test func droppingWrittenWeightsReturnsToTheInitialiser() throws {
        let written = Conv(outChannels: 1, kernel: Size2(1), parameters: ExplicitParameters(weights: [2], biases: [1]))
        var form = LayerForm(title: "edit", target: .edit(.top(0)), node: Node("c", written))
        #expect(form.text("weights") == "explicit")
        form.fields[form.fields.firstIndex { $0.key == "weights" }!].text = "initialiser"
        #expect(try form.makeNode() == Node("c", Conv(outChannels: 1, kernel: Size2(1))))
    }

    @Test func aFieldThatIsNotANumberIsNamed() {
        var form = LayerForm(title: "edit", target: .edit(.top(0)), node: Node("l", LocalResponseNorm()))
        form.fields[form.fields.firstIndex { $0.key == "alpha" }!].text = "lots"
        #expect(throws: FormError(field: "alpha", text: "lots", expected: "a number")) { try form.makeNode() }
    }

    @Test func theInspectorSpellsOutAClip() throws {
        let network = Network(
            name: "n", input: InputSpec(shape: Shape(channels: 1, height: 4, width: 4)),
            nodes: [Node("narrow", Clip(minimum: -0.5, maximum: 0.5))])
        var driver = Driver(Fixture.state(network))
        driver.press(.down)
        let screen = render(driver.state, size: large)
        #expect(screen.row(containing: "clip · min -0.5 · max 0.5") != nil)
    }
}
