// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Testing
import VigilCore
@testable import VigilDaemon

@Suite struct ServeOptionsTests {
  func message(_ body: () throws(VigilError) -> Void) -> String {
    do throws(VigilError) {
      try body()
      return ""
    } catch {
      return ServeOptions.message(error)
    }
  }

  @Test func everyKeyParsesFromAConfigFile() throws {
    var o = ServeOptions()
    try o.load(config: """
      # comment
      model = m.vigil
        watch = /tmp/in   
      done = /tmp/out
      pending = 10
      every = 3
      crop = 1, 2, 30, 40
      smooth = 5
      enter = 0.8
      exit = 0.2
      top = 2
      output = out.jsonl
      threads = 2
      stall-timeout = 2.5
      max-results = 7
      size = 640x480
      fps = 30
      format = yuyv
      buffers = 3
      loop = false
      """, name: "a.conf")
    #expect(o.model == "m.vigil" && o.watch == "/tmp/in" && o.done == "/tmp/out")
    #expect(o.pending == 10 && o.every == 3 && o.crop == CropRect(x: 1, y: 2, width: 30, height: 40))
    #expect(o.smooth == 5 && o.enter == 0.8 && o.exit == 0.2 && o.top == 2 && o.threads == 2)
    #expect(o.stallTimeout == 2.5 && o.maxResults == 7 && o.width == 640 && o.height == 480)
    #expect(o.fps == 30 && o.format == "yuyv" && o.buffers == 3 && o.output == "out.jsonl")
    try o.validate()
  }

  @Test func errorsNameTheLine() {
    var o = ServeOptions()
    #expect(message { () throws(VigilError) in try o.load(config: "model = m.vigil\n\nbogus = 1\n", name: "c") }
      .hasPrefix("c line 3: unknown key 'bogus'; the keys are: model, file"))
    #expect(message { () throws(VigilError) in try o.load(config: "\n# x\nevery = zero\n", name: "c") }
      == "c line 3: every: 'zero' is not a whole number in 1...1000000")
    #expect(message { () throws(VigilError) in try o.load(config: "just words\n", name: "c") }
      == "c line 1: expected 'key = value', got 'just words'")
    #expect(message { () throws(VigilError) in try o.load(config: "smooth = 2\nsmooth = 3\n", name: "c") }
      == "c line 2: 'smooth' was already set on line 1")
    #expect(message { () throws(VigilError) in try o.load(config: "enter = 1.5", name: "c") }
      == "c line 1: enter: 1.5 is not a probability in 0...1")
    #expect(message { () throws(VigilError) in try o.load(config: "crop = 1,2,3", name: "c") }
      .hasPrefix("c line 1: crop: '1,2,3' is not x,y,width,height"))
    #expect(message { () throws(VigilError) in try o.load(config: "size = 640", name: "c") }
      .hasPrefix("c line 1: size: '640' is not WIDTHxHEIGHT"))
    #expect(message { () throws(VigilError) in try o.load(config: "format = rgb", name: "c") }
      .hasPrefix("c line 1: format: 'rgb' is not one of"))
    #expect(message { () throws(VigilError) in try o.load(config: "stall-timeout = -1", name: "c") }
      .hasPrefix("c line 1: stall-timeout: -1 is outside"))
  }

  @Test func combinationsAreChecked() {
    var o = ServeOptions()
    #expect(message { () throws(VigilError) in try o.validate() }.hasPrefix("no model"))
    o.model = "m.vigil"
    #expect(message { () throws(VigilError) in try o.validate() }.hasPrefix("give exactly one source"))
    o.files = ["a.png"]
    o.watch = "/tmp"
    #expect(message { () throws(VigilError) in try o.validate() }.contains("(got 2)"))
    o.files = []
    o.done = "/tmp"
    #expect(message { () throws(VigilError) in try o.validate() }.hasPrefix("--done must be another folder"))
    o.done = ""
    o.enter = 0.3
    o.exit = 0.5
    #expect(message { () throws(VigilError) in try o.validate() }.hasPrefix("exit (0.5) must not be above enter"))
  }
}
