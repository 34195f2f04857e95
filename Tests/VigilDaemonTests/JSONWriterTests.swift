// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing
@testable import VigilDaemon

@Suite struct JSONWriterTests {
  func parse(_ writer: JSONWriter) throws -> [String: Any] {
    #expect(writer.bytes.last == UInt8(ascii: "\n"))
    #expect(writer.bytes.dropLast().contains(UInt8(ascii: "\n")) == false, "one line only")
    return try JSONSerialization.jsonObject(with: Data(writer.bytes)) as! [String: Any]
  }

  @Test func everyControlCharacterQuoteAndBackslashRoundTrips() throws {
    var all = ""
    for scalar in 0..<0x80 { all.unicodeScalars.append(Unicode.Scalar(UInt8(scalar))) }
    let samples = [all, "quote \" backslash \\ slash /", "", "é ü 日本 🚀 \u{2028}\u{2029}",
                   "line\nbreak\r\ttab", "\u{0}\u{1}\u{1F}\u{7F}"]
    for sample in samples {
      var json = JSONWriter()
      json.begin()
      json.key("s"); json.string(sample)
      json.key(sample); json.int(1)
      json.end()
      let object = try parse(json)
      #expect(object["s"] as? String == sample)
      #expect(object[sample] as? Int == 1)
    }
  }

  @Test func randomStringsRoundTrip() throws {
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<200 {
      var s = ""
      for _ in 0..<Int.random(in: 0..<40, using: &rng) {
        let pick = Int.random(in: 0..<4, using: &rng)
        let value: UInt32 = pick == 0 ? UInt32.random(in: 0..<0x20, using: &rng)
          : pick == 1 ? UInt32.random(in: 0x20..<0x80, using: &rng)
          : pick == 2 ? UInt32.random(in: 0x80..<0xD800, using: &rng)
          : UInt32.random(in: 0x10000..<0x10FFFF, using: &rng)
        s.unicodeScalars.append(Unicode.Scalar(value)!)
      }
      var json = JSONWriter()
      json.begin(); json.key("s"); json.string(s); json.end()
      #expect(try parse(json)["s"] as? String == s)
    }
  }

  @Test func numbersNestingAndNonFinite() throws {
    var json = JSONWriter()
    json.begin()
    json.key("i"); json.int(-42)
    json.key("u"); json.uint(UInt64.max)
    json.key("f"); json.fixed(0.1234567)
    json.key("neg"); json.fixed(-2.5, digits: 3)
    json.key("tiny"); json.fixed(-0.0000001)
    json.key("nan"); json.fixed(.nan)
    json.key("inf"); json.fixed(.infinity)
    json.key("a"); json.beginArray(); json.int(1); json.beginObject(); json.key("x"); json.null()
    json.endObject(); json.bool(true); json.endArray()
    json.key("t"); json.bool(false)
    json.end()
    let text = String(decoding: json.bytes, as: UTF8.self)
    #expect(text.contains("\"f\":0.123457"))
    #expect(text.contains("\"neg\":-2.500"))
    #expect(text.contains("\"tiny\":0.000000"))
    let o = try parse(json)
    #expect(o["i"] as? Int == -42)
    #expect((o["u"] as? NSNumber)?.uint64Value == UInt64.max)
    #expect(o["nan"] is NSNull && o["inf"] is NSNull)
    let a = o["a"] as! [Any]
    #expect(a.count == 3 && (a[1] as! [String: Any])["x"] is NSNull)
  }

  @Test func reusingTheWriterKeepsItsCapacity() {
    var json = JSONWriter(capacity: 256)
    for n in 0..<100 {
      json.begin(); json.key("n"); json.int(n); json.end()
    }
    #expect(String(decoding: json.bytes, as: UTF8.self) == "{\"n\":99}\n")
  }
}
