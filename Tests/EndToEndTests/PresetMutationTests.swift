import Foundation
import Testing

/// A seeded property test over the shipped presets: one random mutation each — an extreme number, a wrong
/// type, a control character, a key or layer removed or repeated, text cut short — then `summary` and `run`.
/// Every run ends with status 0, or status 2 and exactly one line on stderr, within 60 s and 8 GiB of address
/// space. `CONVPLAY_MUTATIONS` sets how many mutations (default 150), `CONVPLAY_MUTATION_SEED` the seed.
@Suite(.serialized)
struct PresetMutationTests {
    /// SplitMix64, so a seed names the same mutations everywhere.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    static var numbers: [Any] {
        [
            0, -1, 1, 2, 3, 7, 16_777_216, 16_777_217, 2_147_483_648, 4_294_967_296, 9_223_372_036_854_775_807, -2_147_483_648,
            0.5, 1e-45, 1e19, 3e38, 1e300, -1e19,
        ]
    }
    static let strings = [
        "", "\u{0}", "\u{FEFF}conv", "co\nnv", "same", "ceil", "conv", "relu", "dense", "parallel", "x.ppm", "../../etc/passwd",
    ]
    static var wrongTypes: [Any] { [NSNull(), true, "3", [Any](), [String: Any](), [1, 2, 3]] }

    /// Every place in a JSON tree, as the path of keys and indices that leads there.
    static func places(_ value: Any, _ path: [Any] = []) -> [[Any]] {
        var found: [[Any]] = [path]
        if let object = value as? [String: Any] {
            for (key, child) in object { found += places(child, path + [key]) }
        } else if let array = value as? [Any] {
            for (index, child) in array.enumerated() { found += places(child, path + [index]) }
        }
        return found
    }

    /// `root` with the value at `path` replaced by what `change` makes of it (`nil` removes it).
    static func update(_ root: Any, at path: ArraySlice<Any>, _ change: (Any) -> Any?) -> Any? {
        guard let step = path.first else { return change(root) }
        if var object = root as? [String: Any], let key = step as? String {
            object[key] = object[key].flatMap { update($0, at: path.dropFirst(), change) }
            return object
        }
        if var array = root as? [Any], let index = step as? Int, array.indices.contains(index) {
            if let changed = update(array[index], at: path.dropFirst(), change) { array[index] = changed } else { array.remove(at: index) }
            return array
        }
        return root
    }

    /// One random mutation of a preset's text, and what it was (for the failure message).
    static func mutate(_ text: String, _ random: inout Random) throws -> (text: String, what: String) {
        if random.below(10) == 0 {
            let cut = random.below(text.utf8.count)
            return (String(decoding: Array(text.utf8.prefix(cut)), as: UTF8.self), "cut at byte \(cut)")
        }
        let root = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        let path = random.pick(places(root))
        var what = "at \(path)"
        let mutated = update(root, at: path[...]) { value in
            switch random.below(4) {
            case 0:
                let replacement = value is String ? random.pick(strings) as Any : random.pick(numbers)
                what += " → \(replacement)"
                return replacement
            case 1:
                let replacement = random.pick(wrongTypes)
                what += " → \(replacement)"
                return replacement
            case 2:
                what += " removed"
                return nil
            default:
                if let array = value as? [Any], !array.isEmpty {
                    what += " doubled"
                    return array + array
                }
                what += " → 0"
                return 0
            }
        }
        let data = try JSONSerialization.data(withJSONObject: mutated ?? NSNull(), options: [.fragmentsAllowed])
        return (String(decoding: data, as: UTF8.self), what)
    }

    @Test func mutatedPresetsExitCleanly() throws {
        let environment = ProcessInfo.processInfo.environment
        let count = environment["CONVPLAY_MUTATIONS"].flatMap { Int($0) } ?? 150
        var random = Random(state: environment["CONVPLAY_MUTATION_SEED"].flatMap { UInt64($0) } ?? 2024)
        let presets = BinaryRunner.packageRoot.appendingPathComponent("presets").path
        let names = try FileManager.default.contentsOfDirectory(atPath: presets).filter { $0.hasSuffix(".json") }.sorted()
        try BinaryRunner.withTemporaryDirectory { dir in
            try FileManager.default.copyItem(atPath: presets + "/chelsea.ppm", toPath: dir + "/chelsea.ppm")
            var outcomes: [Int32: Int] = [:]
            for round in 0..<count {
                let name = names[round % names.count]
                let original = try String(contentsOfFile: presets + "/" + name, encoding: .utf8)
                let (text, what) = try Self.mutate(original, &random)
                let path = dir + "/m\(round).json"
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                for command in [["summary", path], ["run", path, "--memory-cap", "1024"]] {
                    let result = try BinaryRunner.run(command, in: dir, timeout: 60, memoryLimit: 8 << 30)
                    let context = "\(name) \(what): \(command[0]) → \(result.status) \(result.stderr)"
                    #expect(!result.timedOut, "hung: \(context)")
                    #expect(result.status == 0 || result.status == 2, "\(context)")
                    if result.status == 2 {
                        #expect(result.stderr.hasPrefix("convplay: ") && result.stderr.filter { $0 == "\n" }.count == 1, "\(context)")
                    }
                    outcomes[result.status, default: 0] += 1
                }
                try? FileManager.default.removeItem(atPath: path)
            }
            #expect(outcomes[0, default: 0] > 0 && outcomes[2, default: 0] > 0, "both outcomes seen: \(outcomes)")
            try? FileManager.default.removeItem(atPath: dir)
        }
    }
}
