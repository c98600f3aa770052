import Testing

@testable import ConvPlayTUI

@Suite struct ColormapTests {
    /// An xterm colour's RGB, for judging hues by hand.
    private func rgb(_ index: Int16) -> (red: Int, green: Int, blue: Int) { Colormap.rgb(ofXterm: Int(index)) }

    /// Colours that are exactly in the cube or the grey ramp map to themselves (distance 0).
    @Test(arguments: [
        (name: "yellow 220", red: 255.0, green: 215.0, blue: 0.0, index: Int16(220)),
        (name: "black 16", red: 0, green: 0, blue: 0, index: 16),
        (name: "grey 232", red: 8, green: 8, blue: 8, index: 232),
        (name: "grey 255", red: 238, green: 238, blue: 238, index: 255),
        (name: "teal 30", red: 0, green: 135, blue: 135, index: 30),
    ])
    func exactXtermColoursMapToThemselves(_ c: (name: String, red: Double, green: Double, blue: Double, index: Int16)) {
        #expect(Colormap.xterm(red: c.red, green: c.green, blue: c.blue) == c.index, "\(c.name)")
    }

    @Test func xtermIndicesDecodeToTheirRGB() {
        #expect(rgb(16) == (0, 0, 0))
        #expect(rgb(231) == (255, 255, 255))
        #expect(rgb(61) == (95, 95, 175))  // 16 + 36·1 + 6·1 + 5
        #expect(rgb(244) == (128, 128, 128))  // 8 + 10·12
    }

    /// The bug this fixes: viridis's dark blue mid-levels snapped to the grey-lavender 60 (95, 95, 135).
    @Test func viridisNeverLandsOnAGrey() {
        for (level, color) in Colormap.sequential.palette.enumerated() {
            let c = rgb(color)
            #expect(!(c.red == c.green && c.green == c.blue), "level \(level) is grey \(color)")
            #expect(color != 60, "level \(level) is the grey-lavender 60")
        }
    }

    /// Dark purple at the bottom, blue then teal in the lower middle, green above, yellow at the top.
    @Test func viridisRunsPurpleBlueTealGreenYellow() {
        let p = Colormap.sequential.palette.map(rgb)
        #expect(p[0].red > p[0].green && p[0].blue > p[0].green)  // purple
        #expect(p[20].blue > p[20].red && p[20].blue > p[20].green)  // blue
        #expect(p[36].green > p[36].red && p[36].blue > p[36].red)  // teal
        #expect(p[52].green > p[52].red && p[52].green > p[52].blue)  // green
        #expect(p[63].red > p[63].blue && p[63].green > p[63].blue && p[63].red >= 215)  // yellow
    }

    @Test func divergingIsBlueWhiteRed() {
        let p = Colormap.diverging.palette.map(rgb)
        #expect(p[0].blue > p[0].red)
        #expect(p[63].red > p[63].blue)
        for level in [31, 32] { #expect(min(p[level].red, p[level].green, p[level].blue) >= 215, "level \(level) \(p[level])") }
    }

    @Test func grayscaleIsGreyAndNeverDarkensUpward() {
        let p = Colormap.grayscale.palette.map(rgb)
        for (i, c) in p.enumerated() {
            #expect(c.red == c.green && c.green == c.blue, "level \(i)")
            if i > 0 { #expect(c.red >= p[i - 1].red, "level \(i)") }
        }
        #expect(p[0].red == 0 && p[63].red == 255)
    }
}
