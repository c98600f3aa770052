import Testing

@testable import ConvEngine

@Suite struct PresetJSONTests {
    @Test func keepsKeyOrderBooleansAndNumberText() throws {
        let value = try JSONParser.parse(#"{"b": true, "a": 1e-05, "c": [0, -2.50, null], "d": "x\"\u00e9\n"}"#)
        #expect(
            value
                == .object([
                    JSONMember("b", .bool(true)),
                    JSONMember("a", .number("1e-05")),
                    JSONMember("c", .array([.number("0"), .number("-2.50"), .null])),
                    JSONMember("d", .string("x\"é\n")),
                ]))
        #expect(value["a"] == .number("1e-05"))
        #expect(value["missing"] == nil)
    }

    @Test func decodesSurrogatePairs() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String, text: String, line: Int, column: Int, problem: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "missing comma", text: "{\n  \"a\": 1\n  \"b\": 2\n}", line: 3, column: 3,
            problem: "expected ',' or '}' after the value of \"a\", found '\"' — add the missing comma or close the object"),
        Case(
            name: "missing array comma", text: "[1 2]", line: 1, column: 4,
            problem: "expected ',' or ']' after an array element, found '2' — add the missing comma or close the array"),
        Case(
            name: "unterminated object", text: "{\"a\": 1", line: 1, column: 8,
            problem: "expected ',' or '}' after the value of \"a\", found the end of the file — add the missing comma or close the object"),
        Case(
            name: "duplicate key", text: "{\"a\": 1,\n \"a\": 2}", line: 2, column: 2,
            problem: "duplicate key \"a\" — keep only one of them"),
        Case(name: "leading zero", text: "[01]", line: 1, column: 2, problem: "numbers cannot start with 0 — remove the leading zero"),
        Case(
            name: "bare word", text: "[yes]", line: 1, column: 2,
            problem: "unexpected 'y' where a value should be — write a number, a \"string\", true, false, null, [ or {"),
        Case(
            name: "columns count characters, not bytes", text: "{\"é\": 1 2}", line: 1, column: 9,
            problem: "expected ',' or '}' after the value of \"é\", found '2' — add the missing comma or close the object"),
        Case(
            name: "text after the document", text: "{} {}", line: 1, column: 4,
            problem: "unexpected text after the end of the JSON document — remove it or wrap everything in one object"),
        Case(
            name: "line break in a string", text: "\"a\nb\"", line: 1, column: 3,
            problem: "a line break or control character inside a string — close the string with \" or write \\n"),
    ]

    @Test(arguments: cases)
    func syntaxErrorsPointAtLineAndColumn(_ testCase: Case) {
        #expect(throws: JSONSyntaxError(line: testCase.line, column: testCase.column, problem: testCase.problem)) {
            _ = try JSONParser.parse(testCase.text)
        }
    }
}
