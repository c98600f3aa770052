import Testing

@testable import ConvEngine

@Suite struct TensorTopClassesTests {
    @Test func highestFirstTiesByIndexNaNNever() {
        let scores = Tensor(shape: Shape(channels: 6, height: 1, width: 1), data: [0.1, 0.5, 0.2, 0.5, .nan, 0.9])
        #expect(
            scores.topClasses(3) == [ClassScore(index: 5, score: 0.9), ClassScore(index: 1, score: 0.5), ClassScore(index: 3, score: 0.5)])
        #expect(scores.topClasses(10).count == 5)
        #expect(scores.topClasses(0).isEmpty)
    }
}
