// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Testing
@testable import VigilDaemon

@Suite struct DecisionsTests {
  func add(_ s: inout Smoother, _ p: [Float]) { p.withUnsafeBufferPointer { s.add($0) } }

  @Test func smootherAveragesTheLastNResults() {
    var s = Smoother(window: 3, classes: 2)
    add(&s, [1, 0])
    #expect(s.mean == [1, 0] && s.count == 1)
    add(&s, [0, 1])
    #expect(s.mean == [0.5, 0.5])
    add(&s, [0, 1])
    add(&s, [0, 1])  // the first result has left the window
    #expect(s.mean == [0, 1] && s.count == 3)
    for _ in 0..<1000 { add(&s, [0.25, 0.75]) }
    #expect(s.mean == [0.25, 0.75], "no drift over many results")
    s.reset()
    #expect(s.count == 0 && s.mean == [0, 0])
  }

  @Test func windowOfOneIsTheLastResult() {
    var s = Smoother(window: 1, classes: 3)
    add(&s, [0.2, 0.3, 0.5])
    add(&s, [0.7, 0.2, 0.1])
    #expect(s.mean == [0.7, 0.2, 0.1])
  }

  @Test func hysteresisEntersAtEnterAndLeavesBelowExit() {
    var h = Hysteresis(enter: 0.6, exit: 0.4)
    #expect(h.update([0.5, 0.5]) == nil && h.state == -1, "nothing reaches enter")
    #expect(h.update([0.6, 0.4]) == -1 && h.state == 0, "enter is inclusive")
    #expect(h.update([0.45, 0.55]) == nil && h.state == 0, "stays while >= exit")
    #expect(h.update([0.4, 0.6]) == nil && h.state == 0, "exit is inclusive for staying")
    #expect(h.update([0.39, 0.61]) == 0 && h.state == 1, "falls below exit; the other label takes over")
    #expect(h.update([0.5, 0.3]) == 1 && h.state == -1, "falls below exit, nobody at enter")
    #expect(h.update([0.2, 0.2]) == nil && h.state == -1)
  }

  @Test func hysteresisKeepsAFlickeringScoreSteady() {
    var h = Hysteresis(enter: 0.7, exit: 0.3)
    var changes = 0
    for i in 0..<100 {
      let p: Float = i % 2 == 0 ? 0.75 : 0.35  // crosses 0.5 every frame
      if h.update([p, 1 - p]) != nil { changes += 1 }
    }
    #expect(changes == 1 && h.state == 0)
  }
}
