import Testing

@testable import ConvEngine

@Suite struct InputSpecTests {
    @Test(arguments: SyntheticPattern.allCases)
    func syntheticSourceDrawsThePattern(pattern: SyntheticPattern) throws {
        let shape = Shape(channels: 3, height: 6, width: 9)
        let spec = InputSpec(shape: shape, source: .synthetic(pattern, seed: 4))
        #expect(try spec.makeTensor(relativeTo: nil) == SyntheticInput.make(pattern, shape: shape, seed: 4))
    }

    @Test func imagePathResolvesAgainstThePresetFolder() throws {
        try withTemporaryFolder("input-tests") { folder throws in
            writeInputTestFile(Array("P2 2 1 4  1 3".utf8), named: "tiny.pgm", in: folder)
            let spec = InputSpec(shape: Shape(channels: 1, height: 1, width: 2), source: .image(path: "tiny.pgm"))
            #expect(try spec.makeTensor(relativeTo: folder).data == [0.25, 0.75])
            #expect(try spec.makeTensor(relativeTo: folder + "/").data == [0.25, 0.75])
            let absolute = InputSpec(shape: spec.shape, source: .image(path: folder + "/tiny.pgm"))
            #expect(try absolute.makeTensor(relativeTo: "/elsewhere").data == [0.25, 0.75])
        }
    }

    @Test func missingImageNamesTheResolvedPath() {
        let spec = InputSpec(shape: Shape(channels: 1, height: 2, width: 2), source: .image(path: "cat.png"))
        #expect(throws: InputError.fileNotFound(path: "/no/such/folder/cat.png")) {
            try spec.makeTensor(relativeTo: "/no/such/folder")
        }
    }

    @Test func resolveTable() {
        let cases: [(String, String?, String)] = [
            ("a.png", nil, "a.png"), ("a.png", "", "a.png"), ("a.png", "presets", "presets/a.png"),
            ("a.png", "presets/", "presets/a.png"), ("/abs/a.png", "presets", "/abs/a.png"),
        ]
        for (path, directory, expected) in cases {
            #expect(InputSpec.resolve(path, relativeTo: directory) == expected, "\(path) in \(directory ?? "nil")")
        }
    }
}
