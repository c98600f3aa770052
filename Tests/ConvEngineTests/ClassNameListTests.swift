import Foundation
import Testing

@testable import ConvEngine

/// `ClassNameList`: the text files `convplay import --labels` reads, one class name per line.
@Suite struct ClassNameListTests {
    @Test func oneNamePerLineInAnyLineEndingTrimmed() throws {
        #expect(
            try ClassNameList.decode("tench\ngoldfish\ngreat white shark\n", path: "c.txt") == ["tench", "goldfish", "great white shark"])
        #expect(try ClassNameList.decode("cat\r\ndog\r\n\r\n\n", path: "c.txt") == ["cat", "dog"], "CR LF; blank lines at the end")
        #expect(try ClassNameList.decode("\u{FEFF}cat\rdog", path: "c.txt") == ["cat", "dog"], "byte-order mark; CR; no final newline")
        #expect(try ClassNameList.decode("  tabby cat\t\n\tEgyptian cat ", path: "c.txt") == ["tabby cat", "Egyptian cat"])
        #expect(try ClassNameList.decode("chat, félin\n猫\n", path: "c.txt") == ["chat, félin", "猫"])
    }

    @Test func aBlankLineBetweenNamesIsRefusedByLineNumber() {
        #expect(throws: ClassNameListError.blankLine(path: "c.txt", line: 3)) {
            try ClassNameList.decode("cat\ndog\n  \nbird\n", path: "c.txt")
        }
        #expect(
            ClassNameListError.blankLine(path: "c.txt", line: 3).description
                == "c.txt, line 3, is blank, so every later name would land on the wrong class — remove the blank line or write the missing name"
        )
    }

    @Test func emptyFilesLongLinesAndWrongCountsAreRefused() throws {
        for text in ["", "\n\n", " \r\n"] {
            #expect(throws: ClassNameListError.noNames(path: "c.txt")) { try ClassNameList.decode(text, path: "c.txt") }
        }
        let long = String(repeating: "x", count: ClassNameList.nameLimit + 1)
        #expect(throws: ClassNameListError.nameTooLong(path: "c.txt", line: 2, characters: 201)) {
            try ClassNameList.decode("cat\n\(long)\n", path: "c.txt")
        }
        #expect(try ClassNameList.decode(String(repeating: "y", count: ClassNameList.nameLimit), path: "c.txt").count == 1)
        try ClassNameList.check(["cat", "dog"], path: "c.txt", outputs: 2)
        #expect(throws: ClassNameListError.countMismatch(path: "c.txt", names: 1, outputs: 1000)) {
            try ClassNameList.check(["cat"], path: "c.txt", outputs: 1000)
        }
        #expect(
            ClassNameListError.countMismatch(path: "c.txt", names: 1, outputs: 1000).description
                == "c.txt names 1 class but the model has 1000 outputs — give one name per output, in output order")
    }

    @Test func filesAreReadAsTextOrRefusedWithTheReason() throws {
        try withTemporaryFolder("classnames") { folder in
            try Data("cat\ndog\n".utf8).write(to: URL(fileURLWithPath: folder + "/good.txt"))
            #expect(try ClassNameList.read(folder + "/good.txt") == ["cat", "dog"])
            try Data([0x63, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: folder + "/binary.txt"))
            #expect(throws: ClassNameListError.notText(path: folder + "/binary.txt")) { try ClassNameList.read(folder + "/binary.txt") }
            #expect(throws: ClassNameListError.unreadableFile(path: folder + "/none.txt", .notFound)) {
                try ClassNameList.read(folder + "/none.txt")
            }
            #expect(throws: ClassNameListError.unreadableFile(path: folder, .notRegular(kind: "a folder"))) {
                try ClassNameList.read(folder)
            }
        }
    }
}
