extension ConvGeometry {
    /// The four pads `[top, left, bottom, right]` that reproduce this geometry in a framework taking explicit
    /// per-side pads (ONNX, PyTorch's F.pad). Bottom and right are what the last output row and column reach:
    /// `(OH − 1)·s + (KH − 1)·d + 1 − H − top`, clamped at 0 when the stride skips the last input rows.
    public var sidePads: [Int] {
        let bottom = (outHeight - 1) * strideHeight + (kernelHeight - 1) * dilationHeight + 1 - inHeight - padTop
        let right = (outWidth - 1) * strideWidth + (kernelWidth - 1) * dilationWidth + 1 - inWidth - padLeft
        return [padTop, padLeft, max(0, bottom), max(0, right)]
    }
}
