import Testing

@testable import ConvEngine

/// The manifest's JSON text, written out by hand.
struct ExportJSONValuePrettyTests {
    @Test func keepsOrderInlinesScalarArraysAndEscapes() throws {
        let value = JSONValue.members([
            ("path", .string("layers[0]")),
            ("shape", .array([.integer(8), .integer(4)])),
            ("eps", .float(1e-5)),
            ("note", .string("a \"b\"\n\u{1}")),
            ("empty", .members([])),
            ("list", .array([.members([("ok", .bool(true))])])),
        ])
        #expect(
            value.prettyText == """
                {
                  "path": "layers[0]",
                  "shape": [8, 4],
                  "eps": 1e-05,
                  "note": "a \\"b\\"\\n\\u0001",
                  "empty": {},
                  "list": [
                    {
                      "ok": true
                    }
                  ]
                }

                """)
        // It reads back through the preset codec's parser unchanged.
        #expect(try JSONParser.parse(value.prettyText) == value)
    }
}
