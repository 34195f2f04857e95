// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Testing
import VigilCore

/// Inputs with a `<stem>.s64.u8.npy` golden (timm eval transform up to CenterCrop).
let preprocessFixtures = [
  "landscape.jpg", "portrait.jpg", "gray.jpg", "small.jpg", "progressive.jpg",
  "chroma444.jpg", "chroma422.jpg", "cmyk.jpg", "alpha.png", "palette.png", "gray-alpha.png",
  "bilevel.png", "rgb16.png", "interlaced.png", "rgb8.ppm", "gray8.pgm", "maxval100.ppm",
  "maxval1000.ppm", "exif-6.jpg",
]

@Suite struct PreprocessingTests {
  /// The reference decodes with PIL, which does not apply Exif orientation.
  func referenceDecode(_ file: String) throws -> RGBImage {
    try ImageDecoder.decode(path: imageFixture(file), applyExifOrientation: false)
  }

  /// The 8-bit resize + centre crop is bit-identical to Pillow + torchvision.
  @Test(arguments: preprocessFixtures.map { ($0, 64) } + [("landscape.jpg", 224)])
  func resizeAndCropMatchesPillow(file: String, size: Int) throws {
    let image = try referenceDecode(file)
    let out = Preprocessing.imagenet(size: size).resizeAndCrop(image)
    let golden = try goldenImage("\(stem(file)).s\(size).u8.npy")
    #expect(out.width == size && out.height == size)
    let diff = byteDifference(out.pixels, golden.pixels)
    #expect(diff.count == 0, "\(file)@\(size): \(diff.count) bytes differ, max |diff| \(diff.maxAbs)")
  }

  /// crop_pct 1.2 resizes the shorter side to 53 < 64: torchvision pads with zeros.
  @Test func cropLargerThanImagePadsWithZeros() throws {
    let pre = Preprocessing(size: 64, cropPct: 1.2)
    #expect(pre.resizeShorterSide == 53)
    let out = pre.resizeAndCrop(try referenceDecode("portrait.jpg"))
    let golden = try goldenImage("portrait.pad120.s64.u8.npy")
    let diff = byteDifference(out.pixels, golden.pixels)
    #expect(diff.count == 0, "\(diff.count) bytes differ, max |diff| \(diff.maxAbs)")
  }

  /// The Float tensor matches torch within 1e-6 (measured: printed below; 0 expected, since
  /// the Float32 operations are the same IEEE operations in the same order).
  @Test(arguments: [("landscape.jpg", 64), ("landscape.jpg", 224), ("gray.jpg", 64), ("alpha.png", 64)])
  func tensorMatchesTorch(file: String, size: Int) throws {
    let tensor = Preprocessing.imagenet(size: size).apply(try referenceDecode(file))
    let (shape, golden) = try Npy.readFloat32(path: imageFixture("\(stem(file)).s\(size).f32.npy"))
    #expect(shape == [3, size, size])
    #expect(tensor.count == golden.count)
    var maxDiff: Float = 0
    var unequal = 0
    for i in 0..<min(tensor.count, golden.count) {
      let d = abs(tensor[i] - golden[i])
      maxDiff = max(maxDiff, d)
      if tensor[i].bitPattern != golden[i].bitPattern { unequal += 1 }
    }
    print("tensorMatchesTorch(\(file), \(size)): max |diff| \(maxDiff), \(unequal) of \(tensor.count) not bit-equal")
    #expect(maxDiff <= 1e-6)
  }

  @Test func resizeTargetsFollowTorchvision() {
    let pre = Preprocessing.imagenet(size: 224)
    #expect(pre.resizeShorterSide == 248)
    #expect(Preprocessing.imagenet(size: 64).resizeShorterSide == 71)
    // int(248 * long / short), truncated.
    #expect(pre.resizedSize(width: 300, height: 200) == (372, 248))
    #expect(pre.resizedSize(width: 150, height: 220) == (248, 363))  // 363.73
    #expect(pre.resizedSize(width: 640, height: 480) == (330, 248))  // 330.67
    #expect(pre.resizedSize(width: 500, height: 500) == (248, 248))
    #expect(pre.resizedSize(width: 1, height: 1000) == (248, 248_000))
  }

  @Test func centreCropRoundsHalfToEven() {
    // torchvision: int(round((length - crop) / 2.0)).
    #expect(Preprocessing.centerCropOffset(length: 64, crop: 64) == 0)
    #expect(Preprocessing.centerCropOffset(length: 65, crop: 64) == 0)  // 0.5 -> 0
    #expect(Preprocessing.centerCropOffset(length: 67, crop: 64) == 2)  // 1.5 -> 2
    #expect(Preprocessing.centerCropOffset(length: 69, crop: 64) == 2)  // 2.5 -> 2
    #expect(Preprocessing.centerCropOffset(length: 71, crop: 64) == 4)  // 3.5 -> 4
    #expect(Preprocessing.centerCropOffset(length: 372, crop: 224) == 74)
    #expect(Preprocessing.centerCropOffset(length: 53, crop: 64) == -5)  // pad 5 left, 6 right
  }

  @Test func grayImagesAreReplicated() {
    let gray = RGBImage(width: 2, height: 1, gray: [10, 200])
    #expect(gray.pixels == [10, 10, 10, 200, 200, 200])
    let tensor = Preprocessing.imagenet(size: 2).apply(gray)
    #expect(tensor.count == 12)
  }

  /// An image already at the resize target is only cropped (Pillow returns a copy).
  @Test func noResizeWhenSizesMatch() {
    var pixels = [UInt8](repeating: 0, count: 71 * 80 * 3)
    for i in 0..<pixels.count { pixels[i] = UInt8(truncatingIfNeeded: i &* 31) }
    let image = RGBImage(width: 71, height: 80, pixels: pixels)
    let out = Preprocessing.imagenet(size: 64).resizeAndCrop(image)
    // Height 80 -> int(71 * 80 / 71) = 80: no resampling; crop at (4, 8).
    for y in 0..<64 {
      for x in 0..<64 {
        for c in 0..<3 {
          #expect(out.pixels[(y * 64 + x) * 3 + c] == pixels[((y + 8) * 71 + x + 4) * 3 + c])
        }
      }
    }
  }

  @Test func normalizationIsTorchArithmetic() {
    let pre = Preprocessing.imagenet(size: 1)
    let image = RGBImage(width: 1, height: 1, pixels: [0, 128, 255])
    let t = pre.normalize(image)
    #expect(t[0] == (Float(0) / 255 - Float(0.485 as Double)) / Float(0.229 as Double))
    #expect(t[1] == (Float(128) / 255 - Float(0.456 as Double)) / Float(0.224 as Double))
    #expect(t[2] == (Float(255) / 255 - Float(0.406 as Double)) / Float(0.225 as Double))
  }
}
