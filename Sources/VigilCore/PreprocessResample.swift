// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// Pillow's antialiased bicubic resize of 8-bit images, reproduced bit for bit.
///
/// Pillow (`src/libImaging/Resample.c`) resizes in two separable passes, horizontal first,
/// each rounding and clipping to 8 bits. For each output coordinate it evaluates the bicubic
/// kernel (a = -0.5) with its support widened by the downscale factor (antialiasing),
/// normalizes the weights in double precision, then converts them to 22-bit fixed point.
/// Every step below follows that arithmetic exactly, including C's truncating casts.
///
/// Each output pixel depends only on its own row and column weights, so the resize can be
/// restricted to a window of the output (a centre crop) without changing any value.
enum PillowBicubic {
  /// Fixed-point fraction bits of the 8-bit weights: 32 - 8 - 2 (two bits of headroom for
  /// weights that sum above 1 or below 0 on the way).
  static let precisionBits = 22

  /// Weights for one axis: output index `i` reads `count[i]` input samples from `first[i]`
  /// with weights `weights[i * taps ..< i * taps + count[i]]`.
  struct Axis {
    var first: [Int]
    var count: [Int]
    var weights: [Int32]
    var taps: Int
  }

  /// The bicubic kernel with a = -0.5, written as Pillow evaluates it.
  @inline(__always)
  static func kernel(_ t: Double) -> Double {
    let a = -0.5
    let x = t < 0 ? -t : t
    if x < 1.0 { return ((a + 2.0) * x - (a + 3.0)) * x * x + 1 }
    if x < 2.0 { return (((x - 5) * x + 8) * x - 4) * a }
    return 0.0
  }

  /// Computes the weights of output indices `outStart ..< outStart + outCount` for resizing
  /// an axis of `inSize` samples to `outSize`.
  static func axis(inSize: Int, outSize: Int, outStart: Int, outCount: Int) -> Axis {
    // Pillow: scale = (double)(in1 - in0) / outSize with a float box (0, inSize): exact for
    // sizes below 2^24, which the decoder limits guarantee.
    let scale = Double(inSize) / Double(outSize)
    let filterScale = scale < 1.0 ? 1.0 : scale
    let support = 2.0 * filterScale
    let taps = Int(support.rounded(.up)) * 2 + 1
    let inverse = 1.0 / filterScale
    let unit = Double(1 << precisionBits)

    var first = [Int](repeating: 0, count: outCount)
    var count = [Int](repeating: 0, count: outCount)
    var weights = [Int32](repeating: 0, count: outCount * taps)
    var w = [Double](repeating: 0, count: taps)
    for i in 0..<outCount {
      let center = (Double(outStart + i) + 0.5) * scale
      // C's (int) cast truncates toward zero; so does Int(Double).
      var lo = Int(center - support + 0.5)
      if lo < 0 { lo = 0 }
      var hi = Int(center + support + 0.5)
      if hi > inSize { hi = inSize }
      let n = hi - lo
      var sum = 0.0
      for k in 0..<n {
        let v = kernel((Double(k + lo) - center + 0.5) * inverse)
        w[k] = v
        sum += v
      }
      for k in 0..<n {
        var v = w[k]
        if sum != 0.0 { v /= sum }
        // Round half away from zero, then truncate, as Pillow's normalize_coeffs_8bpc.
        weights[i * taps + k] = v < 0 ? Int32(-0.5 + v * unit) : Int32(0.5 + v * unit)
      }
      first[i] = lo
      count[i] = n
    }
    return Axis(first: first, count: count, weights: weights, taps: taps)
  }

  /// Rounds a fixed-point accumulator (which already holds the +0.5 bias) to a clipped byte.
  @inline(__always)
  static func clip8(_ acc: Int32) -> UInt8 {
    let v = acc >> Int32(precisionBits)
    return v < 0 ? 0 : (v > 255 ? 255 : UInt8(truncatingIfNeeded: v))
  }

  /// Resizes `image` to `outWidth x outHeight` with Pillow's bicubic filter and returns only
  /// the output window at (`x0`, `y0`) of `windowWidth x windowHeight` (which must lie inside
  /// the output).
  static func resize(
    _ image: RGBImage, outWidth: Int, outHeight: Int,
    x0: Int, y0: Int, windowWidth: Int, windowHeight: Int
  ) -> RGBImage {
    precondition(outWidth > 0 && outHeight > 0, "resize: output size must be positive")
    precondition(
      x0 >= 0 && y0 >= 0 && windowWidth > 0 && windowHeight > 0
        && x0 + windowWidth <= outWidth && y0 + windowHeight <= outHeight,
      "resize: window outside the output")
    let needHorizontal = outWidth != image.width
    let needVertical = outHeight != image.height

    // Rows of the source that the window's vertical taps read (all window rows when the
    // height does not change).
    let vertical: Axis
    let rowFirst: Int
    let rowEnd: Int
    if needVertical {
      vertical = axis(inSize: image.height, outSize: outHeight, outStart: y0, outCount: windowHeight)
      rowFirst = vertical.first[0]
      rowEnd = vertical.first[windowHeight - 1] + vertical.count[windowHeight - 1]
    } else {
      vertical = Axis(first: [], count: [], weights: [], taps: 0)
      rowFirst = y0
      rowEnd = y0 + windowHeight
    }

    // Horizontal pass: source rows rowFirst..<rowEnd, window columns only.
    let midHeight = rowEnd - rowFirst
    var mid = [UInt8](repeating: 0, count: windowWidth * midHeight * 3)
    if needHorizontal {
      let h = axis(inSize: image.width, outSize: outWidth, outStart: x0, outCount: windowWidth)
      let bias = Int32(1) << Int32(precisionBits - 1)
      image.pixels.withUnsafeBufferPointer { src in
        h.weights.withUnsafeBufferPointer { wts in
          mid.withUnsafeMutableBufferPointer { dst in
            for row in 0..<midHeight {
              let srcRow = (rowFirst + row) * image.width * 3
              let dstRow = row * windowWidth * 3
              for x in 0..<windowWidth {
                var r = bias
                var g = bias
                var b = bias
                let wBase = x * h.taps
                var s = srcRow + h.first[x] * 3
                for k in 0..<h.count[x] {
                  let wk = wts[wBase + k]
                  r &+= Int32(src[s]) &* wk
                  g &+= Int32(src[s + 1]) &* wk
                  b &+= Int32(src[s + 2]) &* wk
                  s += 3
                }
                dst[dstRow + 3 * x] = clip8(r)
                dst[dstRow + 3 * x + 1] = clip8(g)
                dst[dstRow + 3 * x + 2] = clip8(b)
              }
            }
          }
        }
      }
    } else {
      for row in 0..<midHeight {
        let srcStart = ((rowFirst + row) * image.width + x0) * 3
        let dstStart = row * windowWidth * 3
        for i in 0..<(windowWidth * 3) { mid[dstStart + i] = image.pixels[srcStart + i] }
      }
    }
    if !needVertical {
      return RGBImage(width: windowWidth, height: windowHeight, pixels: mid)
    }

    // Vertical pass over the horizontally resized rows (shifted by rowFirst).
    var out = [UInt8](repeating: 0, count: windowWidth * windowHeight * 3)
    let bias = Int32(1) << Int32(precisionBits - 1)
    let stride = windowWidth * 3
    mid.withUnsafeBufferPointer { src in
      vertical.weights.withUnsafeBufferPointer { wts in
        out.withUnsafeMutableBufferPointer { dst in
          for y in 0..<windowHeight {
            let wBase = y * vertical.taps
            let top = vertical.first[y] - rowFirst
            for i in 0..<stride {
              var acc = bias
              var s = top * stride + i
              for k in 0..<vertical.count[y] {
                acc &+= Int32(src[s]) &* wts[wBase + k]
                s += stride
              }
              dst[y * stride + i] = clip8(acc)
            }
          }
        }
      }
    }
    return RGBImage(width: windowWidth, height: windowHeight, pixels: out)
  }
}
