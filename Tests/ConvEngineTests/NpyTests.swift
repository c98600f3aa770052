import Foundation
import Testing

@testable import ConvEngine

@Suite struct NpyTests {
    /// numpy.save(np.array([[1.5, -2.0], [0.25, 3.0]], dtype='<f8')) with NumPy 2.4.
    static let numpyFloat64: [UInt8] = [
        0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00, 0x7B, 0x27, 0x64, 0x65, 0x73, 0x63,
        0x72, 0x27, 0x3A, 0x20, 0x27, 0x3C, 0x66, 0x38, 0x27, 0x2C, 0x20, 0x27, 0x66, 0x6F, 0x72, 0x74,
        0x72, 0x61, 0x6E, 0x5F, 0x6F, 0x72, 0x64, 0x65, 0x72, 0x27, 0x3A, 0x20, 0x46, 0x61, 0x6C, 0x73,
        0x65, 0x2C, 0x20, 0x27, 0x73, 0x68, 0x61, 0x70, 0x65, 0x27, 0x3A, 0x20, 0x28, 0x32, 0x2C, 0x20,
        0x32, 0x29, 0x2C, 0x20, 0x7D, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0A,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xD0, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x40,
    ]
    /// numpy.save(np.array([0.5, -1.0, 7.0], dtype='<f4')) with NumPy 2.4.
    static let numpyFloat32: [UInt8] = [
        0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00, 0x7B, 0x27, 0x64, 0x65, 0x73, 0x63,
        0x72, 0x27, 0x3A, 0x20, 0x27, 0x3C, 0x66, 0x34, 0x27, 0x2C, 0x20, 0x27, 0x66, 0x6F, 0x72, 0x74,
        0x72, 0x61, 0x6E, 0x5F, 0x6F, 0x72, 0x64, 0x65, 0x72, 0x27, 0x3A, 0x20, 0x46, 0x61, 0x6C, 0x73,
        0x65, 0x2C, 0x20, 0x27, 0x73, 0x68, 0x61, 0x70, 0x65, 0x27, 0x3A, 0x20, 0x28, 0x33, 0x2C, 0x29,
        0x2C, 0x20, 0x7D, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0A,
        0x00, 0x00, 0x00, 0x3F, 0x00, 0x00, 0x80, 0xBF, 0x00, 0x00, 0xE0, 0x40,
    ]

    /// A version 1.0 file with a hand-written header dictionary, padded like NumPy does.
    static func handMade(_ dictionary: String, data: [UInt8]) -> [UInt8] {
        let padded = dictionary + String(repeating: " ", count: 127 - 10 - dictionary.utf8.count) + "\n"
        return [0x93] + Array("NUMPY".utf8) + [1, 0, 118, 0] + Array(padded.utf8) + data
    }

    /// The bytes NumPy writes for a (2, 3) float32 array's preamble, counted by hand: the dictionary is
    /// 59 characters; 10 + 59 + 1 = 70 rounds up to 128, so 58 spaces and a newline, header length 118.
    @Test func headerMatchesNumPy() {
        let dictionary = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
        #expect(dictionary.utf8.count == 59)
        let expected: [UInt8] =
            [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00]
            + Array(dictionary.utf8) + [UInt8](repeating: 0x20, count: 58) + [0x0A]
        let header = Npy.header(descr: "<f4", shape: [2, 3])
        #expect(header == expected)
        #expect(header.count == 128)
    }

    @Test func shapeTuplesAreWrittenAsPython() {
        func dictionary(_ shape: [Int]) -> String {
            let header = Npy.header(descr: "<f4", shape: shape)
            #expect(header.count % 64 == 0, "\(shape): \(header.count) bytes")
            #expect(header.last == 0x0A)
            return String(decoding: header[10...], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(dictionary([5]) == "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }")
        #expect(dictionary([]) == "{'descr': '<f4', 'fortran_order': False, 'shape': (), }")
        #expect(dictionary([192, 3, 5, 5]) == "{'descr': '<f4', 'fortran_order': False, 'shape': (192, 3, 5, 5), }")
    }

    @Test func valuesAreLittleEndianFloat32() throws {
        try withTemporaryFolder("input-tests") { folder in
            let path = folder + "/v.npy"
            try Npy.write([1, -2.5], shape: [2], to: path)
            let bytes = [UInt8](FileManager.default.contents(atPath: path)!)
            // 1.0 = 0x3F800000, −2.5 = 0xC0200000, least significant byte first.
            #expect(Array(bytes[128...]) == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0])
        }
    }

    @Test func roundTrip() throws {
        try withTemporaryFolder("input-tests") { folder in
            let path = folder + "/w.npy"
            let values: [Float] = [0, 1, -1, 0.1, 3.4028235e38, -Float.leastNormalMagnitude / 4, 12345.678, .pi, 7, 8, 9, 10]
            try Npy.write(values, shape: [2, 3, 2], to: path)
            let read = try Npy.read(path: path)
            #expect(read.shape == [2, 3, 2])
            #expect(read.values == values, "a float32 round trip must be exact")
            // Overwriting replaces the file and leaves no temporary behind.
            try Npy.write([4, 5], shape: [1, 2], to: path)
            #expect(try Npy.read(path: path).values == [4, 5])
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["w.npy"])
        }
    }

    @Test func readsWhatNumPyWrote() throws {
        try withTemporaryFolder("input-tests") { folder in
            let float64 = try Npy.read(path: writeInputTestFile(Self.numpyFloat64, named: "f8.npy", in: folder))
            #expect(float64.shape == [2, 2] && float64.values == [1.5, -2, 0.25, 3])
            let float32 = try Npy.read(path: writeInputTestFile(Self.numpyFloat32, named: "f4.npy", in: folder))
            #expect(float32.shape == [3] && float32.values == [0.5, -1, 7])
        }
    }

    struct Failure: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]?
        var message: String
        var testDescription: String { name }
    }

    static let failures: [Failure] = [
        Failure(name: "missing", bytes: nil, message: "FILE: no such file — check the path of the .npy file"),
        Failure(
            name: "not npy", bytes: Array("PK\u{3}\u{4}zip".utf8),
            message: "FILE: starts with bytes 50 4B 03 04 (\"PK..\"), not the .npy magic \\x93NUMPY — save the array with numpy.save"),
        Failure(
            name: "int32", bytes: handMade("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", data: [1, 0, 0, 0, 2, 0, 0, 0]),
            message: "FILE: element type '<i4' is not supported — save it as float32 (numpy.save(path, array.astype('<f4')))"),
        Failure(
            name: "big-endian float32",
            bytes: handMade("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", data: [0x3F, 0x80, 0, 0]),
            message: "FILE: element type '>f4' is not supported — save it as float32 (numpy.save(path, array.astype('<f4')))"),
        Failure(
            name: "fortran order",
            bytes: handMade("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", data: [UInt8](repeating: 0, count: 16)),
            message: "FILE: the array is in Fortran order — save numpy.ascontiguousarray(array) instead"),
        Failure(
            name: "truncated",
            bytes: handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data: [UInt8](repeating: 0, count: 20)),
            message: "FILE: its header promises shape [2, 3] (24 bytes) but 20 bytes of values follow — "
                + "the file is cut short or its header is wrong, write it again"),
        Failure(
            name: "a shape whose byte count overflows",
            bytes: handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", data: []),
            message:
                "FILE: its header promises shape [4294967296, 4294967296] (more bytes than any file holds) but 0 bytes of values follow — "
                + "the file is cut short or its header is wrong, write it again"),
        Failure(
            name: "no shape", bytes: handMade("{'descr': '<f4', 'fortran_order': False, }", data: []),
            message: "FILE: the .npy header is invalid: no 'shape' tuple — save the array again with numpy.save"),
    ]

    @Test(arguments: failures)
    func readFailsWithASentence(_ failure: Failure) throws {
        try withTemporaryFolder("input-tests") { folder in
            let path = folder + "/bad.npy"
            if let bytes = failure.bytes { writeInputTestFile(bytes, named: "bad.npy", in: folder) }
            do throws(NpyError) {
                let read = try Npy.read(path: path)
                Issue.record("read \(read.shape) instead of failing")
            } catch {
                #expect(error.description == failure.message.replacingOccurrences(of: "FILE", with: path))
            }
        }
    }

    @Test func writeRefusesValuesThatDoNotFillTheShape() {
        #expect(throws: NpyError.shapeMismatch(path: "x.npy", shape: [2, 3], valueCount: 5)) {
            try Npy.write([1, 2, 3, 4, 5], shape: [2, 3], to: "x.npy")
        }
        #expect(
            NpyError.shapeMismatch(path: "x.npy", shape: [2, 3], valueCount: 5).description
                == "x.npy: shape [2, 3] holds 6 values but 5 were given — pass as many values as the shape holds")
    }

    @Test func writeIntoAMissingFolderFails() {
        do {
            try Npy.write([1], shape: [1], to: "/no/such/folder/x.npy")
            Issue.record("wrote into a missing folder")
        } catch {
            #expect(error.description.hasPrefix("/no/such/folder/x.npy: cannot write ("), "\(error)")
            #expect(error.description.hasSuffix(") — check that the folder exists and is writable"), "\(error)")
        }
    }
}
