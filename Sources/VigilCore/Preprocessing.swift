// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// The evaluation preprocessing of the MobileViGv2 reference (timm's eval transform on PIL
/// images), reproduced exactly:
///
/// 1. `Resize(floor(size / cropPct))`: the shorter side to that length, the longer side to
///    `int(short * long / short_in)`, with Pillow's antialiased bicubic filter on 8-bit RGB;
/// 2. `CenterCrop(size)`: top-left at `round((h - size) / 2)` with round-half-even (zero
///    padding if the resized image is smaller than the crop, as torchvision does);
/// 3. `ToTensor`: `Float(v) / 255` in Float32;
/// 4. `Normalize(mean, std)`: `(x - mean[c]) / std[c]` in Float32.
///
/// The 8-bit stage is bit-identical to Pillow; the Float stage repeats torch's Float32
/// operations in the same order.
///
///     let pre = Preprocessing.imagenet(size: 224)
///     let chw = pre.apply(try ImageDecoder.decode(path: "cat.jpg"))  // 3 * 224 * 224 floats
///
/// ### See Also
/// - ``ImageDecoder``
public struct Preprocessing: Sendable {
  /// Side of the square model input, in pixels.
  public var size: Int
  /// Fraction of the resized shorter side that the crop keeps (timm's `crop_pct`).
  public var cropPct: Double = 0.9
  /// Per-channel mean (R, G, B) subtracted after scaling to [0, 1].
  public var mean: (Float, Float, Float)
  /// Per-channel standard deviation (R, G, B) divided by after subtracting the mean.
  public var std: (Float, Float, Float)

  /// ImageNet's mean, rounded from Double to Float the way `torch.tensor((0.485, ...))` does.
  public static let imagenetMean: (Float, Float, Float) = (
    Float(0.485 as Double), Float(0.456 as Double), Float(0.406 as Double)
  )
  /// ImageNet's standard deviation, rounded from Double like ``imagenetMean``.
  public static let imagenetStd: (Float, Float, Float) = (
    Float(0.229 as Double), Float(0.224 as Double), Float(0.225 as Double)
  )

  /// - Parameters:
  ///   - size: side of the square output, > 0.
  ///   - cropPct: crop fraction in (0, ...]; the resize target is `floor(size / cropPct)`.
  ///   - mean: per-channel mean.
  ///   - std: per-channel standard deviation (nonzero).
  public init(
    size: Int, cropPct: Double = 0.9,
    mean: (Float, Float, Float) = Preprocessing.imagenetMean,
    std: (Float, Float, Float) = Preprocessing.imagenetStd
  ) {
    self.size = size
    self.cropPct = cropPct
    self.mean = mean
    self.std = std
  }

  /// The reference evaluation: ImageNet mean and std, crop_pct 0.9.
  public static func imagenet(size: Int) -> Preprocessing {
    Preprocessing(size: size)
  }

  /// The largest accepted ``size`` (the model format's input-size limit).
  public static let maxSize = 2048
  /// The accepted ``cropPct`` values: the resize target stays within 4 x ``size``.
  public static let cropPctRange: ClosedRange<Double> = 0.25...1.0
  /// The accepted ``std`` values: normalized inputs stay within +-1024.
  public static let stdRange: ClosedRange<Float> = 0x1p-10...0x1p10

  /// Checks every field against the ranges the arithmetic below can serve (the model loader
  /// refuses the same ranges): size 1...``maxSize``, cropPct in ``cropPctRange``, mean in
  /// [0, 1], std in ``stdRange``. NaN fails every range.
  public func validate() throws(ImageError) {
    guard size >= 1 && size <= Self.maxSize else {
      throw .invalidArgument("preprocessing size \(size) is not in 1...\(Self.maxSize)")
    }
    guard Self.cropPctRange.contains(cropPct) else {
      throw .invalidArgument(
        "preprocessing crop_pct \(cropPct) is not in [0.25, 1] (the resize target size / crop_pct must stay within 4 x size)")
    }
    for (name, m, s) in [("R", mean.0, std.0), ("G", mean.1, std.1), ("B", mean.2, std.2)] {
      guard m >= 0 && m <= 1 else {
        throw .invalidArgument("preprocessing mean \(name) = \(m) is not in [0, 1]")
      }
      guard Self.stdRange.contains(s) else {
        throw .invalidArgument("preprocessing std \(name) = \(s) is not in [2^-10, 2^10]")
      }
    }
  }

  /// The length the shorter side is resized to: `floor(size / cropPct)` (248 for 224), or nil
  /// when that is not a positive length below 2^31 (a cropPct outside ``cropPctRange``).
  public var checkedResizeShorterSide: Int? {
    let side = (Double(size) / cropPct).rounded(.down)
    guard side >= 1 && side < 0x1p31 else { return nil }  // NaN and infinities fail too
    return Int(side)
  }

  /// The length the shorter side is resized to: `floor(size / cropPct)` (248 for 224).
  /// Traps with a message for parameters ``validate()`` refuses.
  public var resizeShorterSide: Int {
    guard let side = checkedResizeShorterSide else {
      preconditionFailure("Preprocessing: size / cropPct is not a usable length; call validate()")
    }
    return side
  }

  /// ``resizedSize(width:height:)`` in checked arithmetic: nil when a length would be below 1
  /// or reach 2^31 (never for a validated preprocessing and a decoded image).
  public func checkedResizedSize(width: Int, height: Int) -> (width: Int, height: Int)? {
    guard width > 0 && height > 0, let short = checkedResizeShorterSide else { return nil }
    let (longIn, shortIn) = width <= height ? (height, width) : (width, height)
    let (product, overflow) = short.multipliedReportingOverflow(by: longIn)
    guard !overflow else { return nil }
    // Python's int(a / b): true division (correctly rounded), then truncation.
    let long = (Double(product) / Double(shortIn)).rounded(.towardZero)
    guard long >= 1 && long < 0x1p31 else { return nil }
    return width <= height ? (short, Int(long)) : (Int(long), short)
  }

  /// The size an image of `width x height` is resized to before the crop, computed as
  /// torchvision does: the shorter side becomes ``resizeShorterSide`` and the longer one
  /// `int(short * long / shorter)`. Traps with a message where
  /// ``checkedResizedSize(width:height:)`` returns nil.
  public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
    guard let target = checkedResizedSize(width: width, height: height) else {
      preconditionFailure("Preprocessing: the resize target overflows; call validate()")
    }
    return target
  }

  /// The 8-bit stage: bicubic resize of the shorter side, then the centre crop.
  ///
  /// - Parameter image: any size.
  /// - Returns: a `size x size` image, bit-identical to PIL + torchvision.
  public func resizeAndCrop(_ image: RGBImage) -> RGBImage {
    precondition(size > 0, "Preprocessing: size must be positive")
    precondition(cropPct > 0, "Preprocessing: cropPct must be positive")
    let target = resizedSize(width: image.width, height: image.height)
    precondition(target.width > 0 && target.height > 0, "Preprocessing: resize target is empty")

    let left = Self.centerCropOffset(length: target.width, crop: size)
    let top = Self.centerCropOffset(length: target.height, crop: size)
    // Part of the crop window that lies on the resized image (all of it unless padding).
    let x0 = max(left, 0)
    let y0 = max(top, 0)
    let x1 = min(left + size, target.width)
    let y1 = min(top + size, target.height)
    let inside = PillowBicubic.resize(
      image, outWidth: target.width, outHeight: target.height,
      x0: x0, y0: y0, windowWidth: x1 - x0, windowHeight: y1 - y0)
    if x0 - left == 0 && y0 - top == 0 && inside.width == size && inside.height == size {
      return inside
    }
    // torchvision pads with zeros when the crop is larger than the image.
    var pixels = [UInt8](repeating: 0, count: size * size * 3)
    for y in 0..<inside.height {
      let dst = ((y + y0 - top) * size + (x0 - left)) * 3
      let src = y * inside.width * 3
      for i in 0..<(inside.width * 3) { pixels[dst + i] = inside.pixels[src + i] }
    }
    return RGBImage(width: size, height: size, pixels: pixels)
  }

  /// Where the crop starts along an axis of `length` resized pixels: torchvision's
  /// `int(round((length - crop) / 2.0))` (round-half-even), or minus the left/top padding
  /// `(crop - length) // 2` when the crop is longer.
  public static func centerCropOffset(length: Int, crop: Int) -> Int {
    let d = length - crop
    if d < 0 { return -((-d) / 2) }
    let half = d / 2
    if d % 2 == 0 { return half }
    return half % 2 == 0 ? half : half + 1  // exactly .5: round to even
  }

  /// The Float stage: scales a `size x size` image to [0, 1] and normalizes it, CHW.
  ///
  /// - Parameter image: the output of ``resizeAndCrop(_:)``.
  /// - Returns: `3 * height * width` floats, channel-major (R plane, G plane, B plane).
  public func normalize(_ image: RGBImage) -> [Float] {
    let plane = image.width * image.height
    var out = [Float](repeating: 0, count: 3 * plane)
    let means = [mean.0, mean.1, mean.2]
    let stds = [std.0, std.1, std.2]
    image.pixels.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        for c in 0..<3 {
          let m = means[c]
          let s = stds[c]
          for i in 0..<plane {
            // torch: uint8 -> float32, .div(255); then .sub(mean).div(std), all Float32.
            let x = Float(src[3 * i + c]) / 255
            dst[c * plane + i] = (x - m) / s
          }
        }
      }
    }
    return out
  }

  /// The whole transform: ``resizeAndCrop(_:)`` then ``normalize(_:)``.
  ///
  /// - Parameter image: any size.
  /// - Returns: `3 * size * size` floats, CHW, as timm's eval transform produces.
  public func apply(_ image: RGBImage) -> [Float] {
    normalize(resizeAndCrop(image))
  }
}
