import Foundation
enum Kernels {
    static func conv2d(_ g: ConvGeometry, input x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output y: UnsafeMutablePointer<Float>) {
        let cg = g.inChannels / g.groups, kg = g.outChannels / g.groups
        for k in 0..<g.outChannels { let grp = k / kg
            for oy in 0..<g.outHeight { for ox in 0..<g.outWidth {
                var s: Float = bias?[k] ?? 0
                for ci in 0..<cg { let c = grp * cg + ci
                    for ky in 0..<g.kernelHeight { let iy = oy * g.strideHeight - g.padTop + ky * g.dilationHeight
                        if iy < 0 || iy >= g.inHeight { continue }
                        for kx in 0..<g.kernelWidth { let ix = ox * g.strideWidth - g.padLeft + kx * g.dilationWidth
                            if ix < 0 || ix >= g.inWidth { continue }
                            s += w[((k * cg + ci) * g.kernelHeight + ky) * g.kernelWidth + kx] * x[(c * g.inHeight + iy) * g.inWidth + ix]
                        } } }
                y[(k * g.outHeight + oy) * g.outWidth + ox] = s } } }
    }
    static func pool(_ g: PoolGeometry, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ isMax: Bool) {
        for c in 0..<g.channels { for oy in 0..<g.outHeight { for ox in 0..<g.outWidth {
            var hs = oy * g.strideHeight - g.padTop, ws = ox * g.strideWidth - g.padLeft
            var he = min(hs + g.kernelHeight, g.inHeight + g.padTop), we = min(ws + g.kernelWidth, g.inWidth + g.padLeft)
            let size = Float((he - hs) * (we - ws))
            hs = max(hs, 0); ws = max(ws, 0); he = min(he, g.inHeight); we = min(we, g.inWidth)
            var m = -Float.infinity, s: Float = 0
            for iy in hs..<he { for ix in ws..<we { let v = x[(c * g.inHeight + iy) * g.inWidth + ix]; m = max(m, v); s += v } }
            y[(c * g.outHeight + oy) * g.outWidth + ox] = isMax ? m : s / size } } }
    }
    static func maxPool2d(_ g: PoolGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) { pool(g, input, output, true) }
    static func averagePool2d(_ g: PoolGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) { pool(g, input, output, false) }
    static func globalAveragePool(channels: Int, planeSize: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for c in 0..<channels { var s: Float = 0; for i in 0..<planeSize { s += input[c * planeSize + i] }; output[c] = s / Float(planeSize) }
    }
    static func relu(count: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) { for i in 0..<count { output[i] = max(input[i], 0) } }
    static func leakyRelu(count: Int, slope: Float, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) { for i in 0..<count { output[i] = input[i] > 0 ? input[i] : slope * input[i] } }
    static func sigmoid(count: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) { for i in 0..<count { output[i] = 1 / (1 + Foundation.exp(-input[i])) } }
    static func tanh(count: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) { for i in 0..<count { output[i] = Foundation.tanh(input[i]) } }
    static func batchNorm(channels: Int, planeSize: Int, mean: [Float], variance: [Float], scale: [Float], shift: [Float], epsilon: Float, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for c in 0..<channels { let a = scale[c] / (variance[c] + epsilon).squareRoot(); for i in 0..<planeSize { output[c * planeSize + i] = (input[c * planeSize + i] - mean[c]) * a + shift[c] } }
    }
    static func localResponseNorm(channels: Int, planeSize: Int, size: Int, alpha: Float, beta: Float, k: Float, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for c in 0..<channels { for i in 0..<planeSize { var s: Float = 0
            for j in max(0, c - size / 2)...min(channels - 1, c + size / 2) { let v = input[j * planeSize + i]; s += v * v }
            output[c * planeSize + i] = input[c * planeSize + i] / Foundation.pow(k + alpha / Float(size) * s, beta) } }
    }
    static func dense(inFeatures: Int, outFeatures: Int, input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        for o in 0..<outFeatures { var s = bias?[o] ?? 0; for i in 0..<inFeatures { s += weight[o * inFeatures + i] * input[i] }; output[o] = s }
    }
    static func softmax(channels: Int, planeSize: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for i in 0..<planeSize { var m = -Float.infinity; for c in 0..<channels { m = max(m, input[c * planeSize + i]) }
            var s: Float = 0; for c in 0..<channels { let e = Foundation.exp(input[c * planeSize + i] - m); output[c * planeSize + i] = e; s += e }
            for c in 0..<channels { output[c * planeSize + i] /= s } }
    }
    static func lateral(channels n: Int, planeSize: Int, m: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for p in 0..<planeSize { for j in 0..<n { var s = input[j * planeSize + p]; for i in 0..<n { s += m[i * n + j] * input[i * planeSize + p] }; output[j * planeSize + p] = s } }
    }
}
