import Foundation
import Testing

@testable import ConvEngine

/// The default preset must mean something to the eye: its first map is the edge strength |gx| + |gy| of
/// the photo, computed here directly from the input pixels with the textbook Sobel sums.
struct EdgesPresetTests {
    @Test func combinedMapIsSobelEdgeStrength() throws {
        let loaded = try Preset.load(path: PresetFixtures.path("edges"))
        let input = try loaded.network.input.makeTensor(relativeTo: loaded.directory)
        let output = try loaded.network.forward(input)
        #expect(output.shape == Shape(channels: 3, height: 94, width: 126))
        var largest: Float = 0, strongest: Float = 0
        for y in 0..<94 {
            for x in 0..<126 {
                let p = { (dy: Int, dx: Int) in input[0, y + dy, x + dx] }
                let gx = (p(0, 2) + 2 * p(1, 2) + p(2, 2)) - (p(0, 0) + 2 * p(1, 0) + p(2, 0))
                let gy = (p(2, 0) + 2 * p(2, 1) + p(2, 2)) - (p(0, 0) + 2 * p(0, 1) + p(0, 2))
                let strength = abs(gx) + abs(gy)
                largest = max(largest, abs(output[0, y, x] - strength))
                strongest = max(strongest, strength)
            }
        }
        #expect(largest < 1e-5, "maxdiff = \(largest)")
        // A photo has real edges: the strongest is far above the flat parts.
        #expect(strongest > 0.5)
    }
}
