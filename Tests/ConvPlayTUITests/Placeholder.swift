import Testing
@Test func tuiPlaceholder() { #expect(true) }
