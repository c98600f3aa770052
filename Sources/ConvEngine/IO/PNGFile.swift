import CPNG

/// Reads PNG files through libpng's simplified `png_image` API: any bit depth and colour type (grey, grey +
/// alpha, RGB, RGBA, palette) comes out as 8-bit grey or RGB; transparency is composited onto white.
enum PNGFile {
    /// Decodes the whole file's bytes; `path` only names the file in errors. The header's size is checked
    /// against `memoryCap` before the pixels are allocated (a small PNG may promise terabytes).
    static func decode(_ bytes: [UInt8], path: String, memoryCap: Int = defaultMemoryCap) throws(InputError) -> DecodedImage {
        // libpng keeps pointing into `bytes` from begin to finish, so both calls share one borrow.
        let result: Result<DecodedImage, InputError> = bytes.withUnsafeBytes { raw in
            var image = png_image()
            image.version = png_uint_32(PNG_IMAGE_VERSION)
            guard png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) != 0 else {
                defer { png_image_free(&image) }
                return .failure(decodeError(message(of: image), path: path))
            }
            let colour = image.format & png_uint_32(PNG_FORMAT_FLAG_COLOR) != 0
            let channels = colour ? 3 : 1
            image.format = colour ? png_uint_32(PNG_FORMAT_FLAG_COLOR) : 0  // PNG_FORMAT_RGB : PNG_FORMAT_GRAY
            let width = Int(image.width), height = Int(image.height)
            let budget = Result { () throws(InputError) in
                try DecodeBudget(path: path, memoryCap: memoryCap).check(width: width, height: height, channels: channels, format: "PNG")
            }
            if case .failure(let error) = budget {
                png_image_free(&image)
                return .failure(error)
            }
            // Prefilled white: libpng composites transparent pixels directly onto the buffer.
            var pixels = [UInt8](repeating: 255, count: width * height * channels)
            let finished = pixels.withUnsafeMutableBytes { buffer in
                png_image_finish_read(&image, nil, buffer.baseAddress, 0, nil)
            }
            guard finished != 0 else {
                defer { png_image_free(&image) }
                return .failure(decodeError(message(of: image), path: path))
            }
            return .success(
                DecodedImage(
                    width: width, height: height, channels: channels,
                    samples: pixels.map { Float($0) / 255 }))
        }
        return try result.get()
    }

    /// libpng's error text, a NUL-terminated `char[64]` inside the image struct.
    private static func message(of image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// libpng's message as a malformed-PNG error, saying so plainly when the data ran out.
    private static func decodeError(_ reason: String, path: String) -> InputError {
        let lowered = reason.lowercased()
        if ["eof", "end of data", "not enough", "read error", "truncated"].contains(where: lowered.contains) {
            return .malformed(path: path, format: "PNG", reason: "the data ends early (libpng: \(reason))")
        }
        return .malformed(path: path, format: "PNG", reason: "libpng: \(reason.isEmpty ? "unknown error" : reason)")
    }
}
