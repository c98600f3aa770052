import Testing

@testable import ConvEngine

@Suite struct ChannelExtremesTests {
    /// Three 2×2 channels: all zero (a dead ReLU channel), a ramp, and a constant 0.5.
    @Test func eachChannelsExtremesTellFlatFromLive() {
        let tensor = Tensor(shape: Shape(channels: 3, height: 2, width: 2), data: [0, 0, 0, 0, -1, 2, 3, 4, 0.5, 0.5, 0.5, 0.5])
        let extremes = tensor.channelExtremes()
        #expect(
            extremes == [
                ChannelExtremes(minimum: 0, maximum: 0), ChannelExtremes(minimum: -1, maximum: 4),
                ChannelExtremes(minimum: 0.5, maximum: 0.5),
            ])
        #expect(extremes.map(\.isDead) == [true, false, false])
        #expect(extremes.map(\.isConstant) == [true, false, true])
        #expect(tensor.extremes(ofChannel: 1) == extremes[1])
    }
}
