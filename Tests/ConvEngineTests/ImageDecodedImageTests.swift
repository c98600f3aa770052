import Testing

@testable import ConvEngine

@Suite struct ImageDecodedImageTests {
    @Test func formatFromMagic() {
        #expect(ImageFormat(magic: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == .png)
        for magic in ["P2", "P3", "P5", "P6"] {
            #expect(ImageFormat(magic: Array((magic + " 1 1 1").utf8)) == .netpbm, "\(magic)")
        }
        for other in ["P1 1 1", "P4", "P7", "GIF89a", "", "P"] {
            #expect(ImageFormat(magic: Array(other.utf8)) == nil, "\(other)")
        }
        #expect(ImageFormat(magic: [0x89, 0x50, 0x4E, 0x47]) == nil, "a cut signature is not PNG")
    }

    @Test func interleavedSubscript() {
        let image = DecodedImage(width: 2, height: 1, channels: 3, samples: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
        #expect(image[0, 1, 2] == 0.6 && image[0, 0, 1] == 0.2)
    }
}
