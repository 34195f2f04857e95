// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilIO
import CVigilSys
import VigilCore

/// The status endpoints (docs/serve.md): each renders from one copy of the published
/// snapshot and the feed into the connection slot's buffer. Runs on the server thread only.
/// Buffers kept here (the line, the frame copy, the JPEG) are allocated once and reused.
final class StatusPages {
  let board: SnapshotBoard
  let feed: StatusFeed
  /// Set by ``StatusServer`` (for the connection counters in /metrics).
  var server: OpaquePointer?
  private var line: [UInt8] = []
  private var frame: [UInt8] = []
  private var frameGeneration: UInt64 = 0
  private var jpeg: UnsafeMutablePointer<UInt8>
  private let jpegCapacity: Int
  private var jpegLength = 0
  private var jpegError = ""
  /// How many times a frame was encoded (at most once per classified frame).
  private(set) var encodes: UInt64 = 0

  static let version = "0.1.0"

  init(board: SnapshotBoard, feed: StatusFeed, jpegCapacity: Int) {
    self.board = board
    self.feed = feed
    self.jpegCapacity = jpegCapacity
    jpeg = UnsafeMutablePointer<UInt8>.allocate(capacity: jpegCapacity)
    line.reserveCapacity(4096)
  }

  deinit { jpeg.deallocate() }

  func render(route: Int32, method: Int32, body: UnsafeMutablePointer<UInt8>, capacity: Int,
              reply: UnsafeMutablePointer<vhttp_reply>) -> Int32
  {
    var w = BodyWriter(base: body, capacity: capacity)
    var status: Int32 = 200
    var type: StaticString = "application/json"
    let snapshot = board.read()
    let values = feed.values()
    let now = vsys_monotonic_ns()
    switch Int(route) {
    case Int(VHTTP_ROUTE_HEALTH):
      status = health(&w, snapshot, values, now)
    case Int(VHTTP_ROUTE_LATEST):
      if feed.copyLine(into: &line) { w.bytes(line) } else {
        status = 503
        w.text("{\"status\":503,\"error\":\"no result yet\"}")
      }
    case Int(VHTTP_ROUTE_EVENTS):
      w.byte(91)
      var i = 0
      while i < StatusFeed.eventCapacity && feed.copyEventLine(i, into: &line) {
        if i > 0 { w.byte(44) }
        w.bytes(line)
        i += 1
      }
      w.byte(93)
    case Int(VHTTP_ROUTE_METRICS):
      type = "text/plain; version=0.0.4; charset=utf-8"
      metrics(&w, snapshot, values, now)
    case Int(VHTTP_ROUTE_SNAPSHOT):
      if encodeIfNew() {
        type = "image/jpeg"
        w.bytes(UnsafeRawBufferPointer(start: jpeg, count: jpegLength))
      } else {
        status = 503
        w.text("{\"status\":503,\"error\":"); w.json(jpegError); w.byte(125)
      }
    case Int(VHTTP_ROUTE_PAGE):
      type = "text/html; charset=utf-8"
      page(&w, snapshot, values, now)
    default:
      status = 404
      w.text("{\"status\":404,\"error\":\"no such path\"}")
    }
    if w.overflowed { return -1 }
    reply.pointee.status = status
    reply.pointee.content_type = UnsafeRawPointer(type.utf8Start).assumingMemoryBound(to: CChar.self)
    reply.pointee.body_length = w.count
    return 0
  }

  // MARK: - /health

  /// Why the daemon is not healthy (written by ``write(_:into:)``; no String is built per
  /// request).
  enum Problem: Equatable {
    case starting, stopped, disconnected, noFrameYet, noFrameSinceStart
    case noFrameFor(UInt64), noResultYet, lastResultAgo(UInt64)
  }

  func unhealthy(_ s: ServeSnapshot, _ v: StatusFeed.Values, _ now: UInt64) -> Problem? {
    if s.startMonotonicNs == 0 { return .starting }
    if !s.running { return .stopped }
    if !v.connected { return .disconnected }
    let window = feed.healthWindowNs
    if v.lastFrameNs == 0 {
      return now - s.startMonotonicNs > window ? .noFrameSinceStart : .noFrameYet
    }
    if now > v.lastFrameNs && now - v.lastFrameNs > window { return .noFrameFor(now - v.lastFrameNs) }
    if s.resultMonotonicNs == 0 { return .noResultYet }
    if now > s.resultMonotonicNs && now - s.resultMonotonicNs > window {
      return .lastResultAgo(now - s.resultMonotonicNs)
    }
    return nil
  }

  /// The problem as words (docs/serve.md lists them); no quotes or markup in any.
  func write(_ problem: Problem, into w: inout BodyWriter) {
    switch problem {
    case .starting: w.text("starting")
    case .stopped: w.text("stopped")
    case .disconnected: w.text("camera disconnected; reconnecting")
    case .noFrameYet: w.text("no frame yet")
    case .noFrameSinceStart: w.text("no frame since start")
    case .noFrameFor(let ns):
      w.text("no frame for "); w.fixed(Double(ns) / 1e9, digits: 1); w.text(" s")
    case .noResultYet: w.text("model stalled: no result yet")
    case .lastResultAgo(let ns):
      w.text("model stalled: last result "); w.fixed(Double(ns) / 1e9, digits: 1); w.text(" s ago")
    }
  }

  private func age(_ now: UInt64, _ then: UInt64) -> Double {
    then == 0 || now < then ? 0 : Double(now - then) / 1e9
  }

  private func health(_ w: inout BodyWriter, _ s: ServeSnapshot, _ v: StatusFeed.Values,
                      _ now: UInt64) -> Int32
  {
    let reason = unhealthy(s, v, now)
    w.text("{\"status\":")
    w.json(reason == nil ? "ok" : "unhealthy")
    if let reason { w.text(",\"reason\":\""); write(reason, into: &w); w.byte(34) }
    w.text(",\"uptime_s\":"); w.fixed(age(now, s.startMonotonicNs), digits: 3)
    w.text(",\"last_frame_age_s\":"); w.fixed(age(now, v.lastFrameNs), digits: 3)
    w.text(",\"last_result_age_s\":"); w.fixed(age(now, s.resultMonotonicNs), digits: 3)
    w.text(",\"window_s\":"); w.fixed(Double(feed.healthWindowNs) / 1e9, digits: 3)
    w.text(",\"classified\":"); w.uint(s.counters.classified)
    w.byte(125)
    return reason == nil ? 200 : 503
  }

  // MARK: - /metrics

  private func counter(_ w: inout BodyWriter, _ name: StaticString, _ help: StaticString,
                       _ value: UInt64)
  {
    w.text("# HELP "); w.text(name); w.byte(32); w.text(help); w.byte(10)
    w.text("# TYPE "); w.text(name); w.text(" counter\n")
    w.text(name); w.byte(32); w.uint(value); w.byte(10)
  }

  private func gauge(_ w: inout BodyWriter, _ name: StaticString, _ help: StaticString,
                     _ value: Double, digits: Int = 6)
  {
    w.text("# HELP "); w.text(name); w.byte(32); w.text(help); w.byte(10)
    w.text("# TYPE "); w.text(name); w.text(" gauge\n")
    w.text(name); w.byte(32); w.fixed(value, digits: digits); w.byte(10)
  }

  private func histogram(_ w: inout BodyWriter, _ name: StaticString, _ help: StaticString,
                         _ h: LatencyHistogram)
  {
    w.text("# HELP "); w.text(name); w.byte(32); w.text(help); w.byte(10)
    w.text("# TYPE "); w.text(name); w.text(" histogram\n")
    for (i, bound) in LatencyHistogram.bounds.enumerated() {
      w.text(name); w.text("_bucket{le=\""); w.fixed(bound, digits: 4); w.text("\"} ")
      w.uint(h.cumulative(i)); w.byte(10)
    }
    w.text(name); w.text("_bucket{le=\"+Inf\"} "); w.uint(h.count); w.byte(10)
    w.text(name); w.text("_sum "); w.fixed(Double(h.sumNs) / 1e9, digits: 9); w.byte(10)
    w.text(name); w.text("_count "); w.uint(h.count); w.byte(10)
  }

  private func metrics(_ w: inout BodyWriter, _ s: ServeSnapshot, _ v: StatusFeed.Values,
                       _ now: UInt64)
  {
    let c = s.counters
    counter(&w, "vigil_frames_captured_total", "Frames the source produced or reported (classified, skipped, dropped or bad).", c.captured)
    counter(&w, "vigil_frames_classified_total", "Frames the model ran on.", c.classified)
    counter(&w, "vigil_frames_skipped_total", "Frames passed over by --every.", c.skipped)
    counter(&w, "vigil_frames_dropped_total", "Frames the source skipped (driver sequence gaps, full pending list).", c.dropped)
    counter(&w, "vigil_frames_bad_total", "Frames that could not be decoded or classified.", c.bad)
    counter(&w, "vigil_state_changes_total", "Changes of the smoothed state (event lines).", c.events)
    histogram(&w, "vigil_inference_seconds", "Model run time per classified frame.", v.inference)
    histogram(&w, "vigil_end_to_end_seconds", "From frame capture to its result per classified frame.", v.endToEnd)
    counter(&w, "vigil_camera_disconnects_total", "Times the source lost its device.", c.disconnects)
    counter(&w, "vigil_camera_reconnects_total", "Times the source got its device back.", v.reconnects)
    counter(&w, "vigil_source_reopens_total", "Times the watchdog reopened a stalled source.", c.reopens)
    w.text("# HELP vigil_model_reloads_total SIGHUP model reloads by result.\n")
    w.text("# TYPE vigil_model_reloads_total counter\n")
    w.text("vigil_model_reloads_total{result=\"ok\"} "); w.uint(c.reloads); w.byte(10)
    w.text("vigil_model_reloads_total{result=\"failed\"} "); w.uint(c.reloadFailures); w.byte(10)

    let labels = board.labels
    w.text("# HELP vigil_state The smoothed state's label (empty: no state).\n")
    w.text("# TYPE vigil_state gauge\n")
    w.text("vigil_state{label=\"")
    if s.state >= 0 && Int(s.state) < labels.count { w.label(labels[Int(s.state)]) }
    w.text("\"} 1\n")
    gauge(&w, "vigil_state_score", "The smoothed probability of the state label (0: no state).", Double(s.stateScore))
    gauge(&w, "vigil_uptime_seconds", "Seconds since the loop started.", age(now, s.startMonotonicNs), digits: 3)
    gauge(&w, "vigil_last_result_age_seconds", "Seconds since the last result (since start before the first).",
          age(now, s.resultMonotonicNs == 0 ? s.startMonotonicNs : s.resultMonotonicNs), digits: 3)
    gauge(&w, "vigil_healthy", "1 when /health answers 200, else 0.", unhealthy(s, v, now) == nil ? 1 : 0, digits: 0)

    w.text("# HELP vigil_build_info The running build.\n# TYPE vigil_build_info gauge\n")
    w.text("vigil_build_info{version=\""); w.text(Self.version)
    #if hasFeature(Embedded)
    w.text("\",swift=\"embedded")
    #else
    w.text("\",swift=\"full")
    #endif
    #if arch(x86_64)
    w.text("\",arch=\"x86_64\"} 1\n")
    #elseif arch(arm64)
    w.text("\",arch=\"aarch64\"} 1\n")
    #elseif arch(arm)
    w.text("\",arch=\"armv7\"} 1\n")
    #else
    w.text("\",arch=\"other\"} 1\n")
    #endif
    w.text("# HELP vigil_model_info The serving model.\n# TYPE vigil_model_info gauge\n")
    w.text("vigil_model_info{path=\""); w.label(feed.modelDescription)
    w.text("\",classes=\""); w.int(v.modelClasses)
    w.text("\",input_size=\""); w.int(v.modelInputSize)
    w.text("\",generation=\""); w.uint(s.modelGeneration)
    w.text("\"} 1\n")

    var stats = vhttp_stats()
    if let server { vhttp_server_stats(server, &stats) }
    w.text("# HELP vigil_http_connections_total Status server connections by outcome.\n")
    w.text("# TYPE vigil_http_connections_total counter\n")
    w.text("vigil_http_connections_total{result=\"accepted\"} "); w.uint(stats.accepted); w.byte(10)
    w.text("vigil_http_connections_total{result=\"refused\"} "); w.uint(stats.refused); w.byte(10)
    w.text("vigil_http_connections_total{result=\"evicted\"} "); w.uint(stats.evicted); w.byte(10)
    counter(&w, "vigil_http_timeouts_total", "Status server connections closed by a read or write timeout.", stats.timed_out)
    w.text("# HELP vigil_http_responses_total Status server responses by status class.\n")
    w.text("# TYPE vigil_http_responses_total counter\n")
    withUnsafeBytes(of: stats.responses) { r in
      let counts = r.bindMemory(to: UInt64.self)
      for cls in 1...5 {
        w.text("vigil_http_responses_total{class=\""); w.int(cls); w.text("xx\"} ")
        w.uint(counts[cls]); w.byte(10)
      }
    }
    counter(&w, "vigil_http_snapshot_encodes_total", "Frames encoded for /snapshot.jpg (at most one per classified frame).", encodes)
  }

  // MARK: - /snapshot.jpg

  /// Encodes the latest classified frame if it is newer than the cached JPEG.
  private func encodeIfNew() -> Bool {
    let got = feed.copyFrame(newerThan: frameGeneration, into: &frame)
    if got.generation == 0 { jpegError = "no frame yet"; return false }
    if got.copied {
      frameGeneration = got.generation
      encodes += 1
      var length = 0
      var message = [CChar](repeating: 0, count: 200)
      let status = frame.withUnsafeBufferPointer { px in
        message.withUnsafeMutableBufferPointer { m in
          vgl_io_encode_jpeg(px.baseAddress, UInt32(got.width), UInt32(got.height), 85, jpeg,
                             jpegCapacity, &length, m.baseAddress, m.count)
        }
      }
      if status == VGL_IO_OK {
        jpegLength = length
        jpegError = ""
      } else {
        jpegLength = 0
        jpegError = message.withUnsafeBufferPointer { b in
          String(decoding: UnsafeRawBufferPointer(b).prefix(while: { $0 != 0 }), as: UTF8.self)
        }
      }
    }
    return jpegLength > 0
  }

  // MARK: - /

  private func page(_ w: inout BodyWriter, _ s: ServeSnapshot, _ v: StatusFeed.Values,
                    _ now: UInt64)
  {
    let labels = board.labels
    func name(_ index: Int32) -> String {
      index >= 0 && Int(index) < labels.count ? labels[Int(index)] : "none"
    }
    let reason = unhealthy(s, v, now)
    w.text("""
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><title>Vigil</title>
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <style>
      body{font:15px/1.4 system-ui,sans-serif;margin:1.5em;background:#f6f7f9;color:#1b1f24}
      h1{font-size:1.3em;margin:0 0 .6em}
      .row{display:flex;gap:2em;flex-wrap:wrap;align-items:flex-start}
      .card{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:1em;min-width:16em}
      #frame{width:280px;height:auto;image-rendering:pixelated;background:#222;display:block}
      .bar{display:flex;align-items:center;gap:.5em;margin:.25em 0}
      .bar .name{width:8em}.bar .track{flex:1;background:#e4e8ee;height:1em;border-radius:3px;min-width:10em}
      .bar .fill{background:#2f6fd6;height:1em;border-radius:3px}
      .ok{color:#176f2c}.bad{color:#b3261e}
      table{border-collapse:collapse}td{padding:.1em .8em .1em 0}
      </style></head><body>
      <h1>Vigil</h1>
      <div id="live">
      """)
    w.text("<p id=\"health\" class=\"")
    if let reason {
      w.text("bad\">unhealthy: "); write(reason, into: &w)
    } else {
      w.text("ok\">healthy")
    }
    w.text("</p>\n<div class=\"row\">\n<div class=\"card\"><img id=\"frame\" alt=\"latest classified frame\" onload=\"document.body.dataset.frame=this.naturalWidth+'x'+this.naturalHeight\" src=\"/snapshot.jpg?f=")
    w.uint(v.frameGeneration)
    w.text("\"><p>frame ")
    w.uint(s.frameSequence)
    w.text(" &middot; model "); w.html(feed.modelDescription)
    w.text("</p></div>\n<div class=\"card\"><h2>State: <span id=\"state\">")
    w.html(name(s.state))
    w.text("</span></h2><p>smoothed score ")
    w.fixed(Double(s.stateScore), digits: 3)
    w.text("</p>\n<div id=\"top\">\n")
    withUnsafeBytes(of: s.topIndex) { ib in
      withUnsafeBytes(of: s.topScore) { sb in
        let idx = ib.bindMemory(to: Int32.self)
        let sc = sb.bindMemory(to: Float.self)
        for k in 0..<max(0, min(5, Int(s.topCount))) {
          w.text("<div class=\"bar\"><span class=\"name\">"); w.html(name(idx[k]))
          w.text("</span><span class=\"track\"><span class=\"fill\" style=\"display:block;width:")
          w.fixed(Double(max(0, min(1, sc[k]))) * 100, digits: 1)
          w.text("%\"></span></span><span class=\"score\">"); w.fixed(Double(sc[k]), digits: 3)
          w.text("</span></div>\n")
        }
      }
    }
    w.text("</div></div>\n<div class=\"card\"><h2>Recent events</h2><ol id=\"events\">\n")
    var i = 0
    while let e = feed.recentEvent(i), i < 8 {
      w.text("<li>result "); w.uint(e.seq); w.text(": "); w.html(name(e.from))
      w.text(" &rarr; "); w.html(name(e.to)); w.text(" ("); w.fixed(Double(e.score), digits: 3)
      w.text(")</li>\n")
      i += 1
    }
    if i == 0 { w.text("<li>none yet</li>\n") }
    w.text("</ol></div>\n<div class=\"card\"><h2>Counters</h2><table id=\"counters\">\n")
    let c = s.counters
    func row(_ w: inout BodyWriter, _ label: StaticString, _ value: UInt64) {
      w.text("<tr><td>"); w.text(label); w.text("</td><td>"); w.uint(value); w.text("</td></tr>\n")
    }
    row(&w, "captured", c.captured); row(&w, "classified", c.classified)
    row(&w, "skipped", c.skipped); row(&w, "dropped", c.dropped); row(&w, "bad", c.bad)
    row(&w, "state changes", c.events); row(&w, "reloads", c.reloads)
    row(&w, "reload failures", c.reloadFailures); row(&w, "disconnects", c.disconnects)
    row(&w, "reopens", c.reopens)
    w.text("<tr><td>uptime</td><td>"); w.fixed(age(now, s.startMonotonicNs), digits: 1)
    w.text(" s</td></tr>\n</table></div>\n</div>\n</div>\n")
    w.text("""
      <p><a href="/metrics">metrics</a> &middot; <a href="/latest">latest</a> &middot; \
      <a href="/health">health</a> &middot; <a href="/events">events</a></p>
      <script>
      // Refreshes the live part once a second from this same page (no other assets).
      setInterval(async function () {
        try {
          const r = await fetch('/', {cache: 'no-store'});
          const doc = new DOMParser().parseFromString(await r.text(), 'text/html');
          const next = doc.getElementById('live');
          if (next) document.getElementById('live').replaceWith(next);
        } catch (e) { document.getElementById('health').textContent = 'daemon unreachable'; }
      }, 1000);
      </script>
      </body></html>

      """)
  }
}
