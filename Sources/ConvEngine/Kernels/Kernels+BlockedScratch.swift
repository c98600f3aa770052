extension Kernels {
    /// Floats of per-thread scratch `blockedConv2d` takes for `g` at most, for the memory budget (`Conv.workingFloats`)
    /// and the plan's figure (`InferenceMemory.scratchBytes`): a band's partial sums between its input-block groups —
    /// 4 output blocks × the band's positions, a band ⌈256 / OW⌉ output rows (at most OH) — when the input blocks do
    /// not fit one group (weights of 4 output blocks: 32 KB a k×k group, 16 KB a 1×1 group, at least one block); none
    /// otherwise, nor for a depthwise conv. The pointwise kernel's bands (256 positions at most) take no more.
    /// Mirrors `ck_blocked_conv_rows_avx2` (`BT_MAX_BLOCKS`, `BT_BAND_POSITIONS`, `BT_GROUP_WEIGHT_BYTES`,
    /// `BT_POINTWISE_WEIGHT_BYTES`) and `ck_blocked_pointwise_rows_avx2` (`PW_BLOCKS`, `PW_GROUP_BLOCKS`,
    /// `PW_BAND_POSITIONS`): a change there changes this.
    static func blockedConvScratchFloats(_ g: ConvGeometry) -> Int {
        guard !g.isDepthwise, blockedConvSupported(g), g.outWidth > 0 else { return 0 }
        let (tileBlocks, bandPositions) = (4, 256)
        let taps = g.kernelHeight * g.kernelWidth
        let groupBytes = taps == 1 ? 16 * 1024 : 32 * 1024
        let blockBytes = tileBlocks * taps * blockChannels * blockChannels * MemoryLayout<Float>.size
        guard g.inChannels / blockChannels > max(1, groupBytes / blockBytes) else { return 0 }
        let bandRows = min((bandPositions + g.outWidth - 1) / g.outWidth, g.outHeight)
        return tileBlocks * bandRows * g.outWidth * blockChannels
    }
}
