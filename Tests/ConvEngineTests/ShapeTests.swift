import Testing
@testable import ConvEngine

@Test func placeholder() { #expect(Shape(channels: 1, height: 2, width: 3).elementCount == 6) }
