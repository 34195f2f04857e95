// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels

/// Calls `body` with a zeroed C message buffer; returns its status and the message.
func withStatusMessage(_ body: (UnsafeMutablePointer<CChar>, Int) -> vgl_status)
  -> (vgl_status, String)
{
  let capacity = 512
  var storage = [CChar](repeating: 0, count: capacity)
  return storage.withUnsafeMutableBufferPointer { buf in
    let status = body(buf.baseAddress!, capacity)
    buf[capacity - 1] = 0
    var length = 0
    while buf[length] != 0 { length += 1 }
    return (status, String(decoding: buf[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self))
  }
}

/// A NUL-terminated C string from the model file, as a String.
func stringFromC(_ pointer: UnsafePointer<CChar>?) -> String? {
  guard let pointer else { return nil }
  var length = 0
  while pointer[length] != 0 { length += 1 }
  return String(decoding: UnsafeBufferPointer(start: pointer, count: length).map {
    UInt8(bitPattern: $0)
  }, as: UTF8.self)
}

/// A validated `.vigil` model: the file's bytes plus the int8 plan that points into them.
///
///     let model = try Model(path: "ti.vigil")
///     var instance = try Instance(model)
///     let logits = try instance.run(pixels: pixels)   // 3 x S x S uint8 HWC RGB
///
/// The weights are used in place from one 64-byte-aligned copy of the file that the model owns
/// (read once at open from a path, copied from bytes), so a file changed or truncated under a
/// running model cannot reach it; replace model files by rename. `inPlace` bytes (a const array
/// in firmware) are read where they are. Closing happens in `deinit`.
public struct Model: ~Copyable {
  /// The C model (`vgl_model *`), valid for the lifetime of this value.
  public let handle: OpaquePointer
  private let storage: UnsafeMutableRawPointer?

  /// Reads the file at `path` into the model's own aligned buffer and validates it.
  ///
  /// The corresponding C function is `vgl_model_open_file`.
  public init(path: String) throws(VigilError) {
    var model: OpaquePointer? = nil
    let (status, message) = withStatusMessage { msg, cap in
      PathBytes.withCString(path) { vgl_model_open_file($0, &model, msg, cap) }
    }
    guard status == VGL_OK, let model else {
      throw VigilError(status: status, message: message) ?? .unknown(code: 0, message: message)
    }
    handle = model
    storage = nil
  }

  /// Validates a copy of `bytes` (kept, 64-byte aligned, for the model's lifetime).
  ///
  /// The corresponding C function is `vgl_model_open`.
  public init(bytes: [UInt8]) throws(VigilError) {
    let copy = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
    bytes.withUnsafeBytes { source in
      if let base = source.baseAddress { copy.copyMemory(from: base, byteCount: source.count) }
    }
    var model: OpaquePointer? = nil
    let (status, message) = withStatusMessage { msg, cap in
      vgl_model_open(copy, bytes.count, &model, msg, cap)
    }
    guard status == VGL_OK, let model else {
      copy.deallocate()
      throw VigilError(status: status, message: message) ?? .unknown(code: 0, message: message)
    }
    handle = model
    storage = copy
  }

  /// Validates `bytes` and runs them in place, without a copy: for a model linked into
  /// firmware as a const array. The bytes must be 64-byte aligned (`VGL_MODEL_ALIGNMENT`;
  /// otherwise ``VigilError/invalidArgument(_:)``) and stay valid and unchanged for the
  /// model's lifetime; the model never writes them.
  ///
  /// The corresponding C function is `vgl_model_open`.
  public init(inPlace bytes: UnsafeRawBufferPointer) throws(VigilError) {
    guard let base = bytes.baseAddress else { throw .invalidArgument("model bytes are empty") }
    var model: OpaquePointer? = nil
    let (status, message) = withStatusMessage { msg, cap in
      vgl_model_open(base, bytes.count, &model, msg, cap)
    }
    guard status == VGL_OK, let model else {
      throw VigilError(status: status, message: message) ?? .unknown(code: 0, message: message)
    }
    handle = model
    storage = nil
  }

  deinit {
    vgl_model_close(handle)
    storage?.deallocate()
  }

  /// Bytes an instance's arena needs. The corresponding C function is `vgl_model_arena_size`.
  public var arenaSize: UInt64 { vgl_model_arena_size(handle) }

  /// The network section. The corresponding C function is `vgl_model_network_config`.
  public var network: vgl_model_network { vgl_model_network_config(handle)!.pointee }

  /// The preprocessing section. The corresponding C function is `vgl_model_preprocess`.
  public var preprocessing: vgl_model_preprocessing { vgl_model_preprocess(handle)!.pointee }

  /// Side of the square input, pixels.
  public var inputSize: Int { Int(network.input_size) }

  /// Number of logits a run writes.
  public var classes: Int { Int(network.classes) }

  /// The class names (empty when the file has none).
  ///
  /// The corresponding C functions are `vgl_model_label_count` and `vgl_model_label`.
  public var labels: [String] {
    (0..<vgl_model_label_count(handle)).map { stringFromC(vgl_model_label(handle, $0)) ?? "" }
  }

  /// The metadata value under `key`. The corresponding C function is `vgl_model_metadata`.
  public func metadata(_ key: String) -> String? {
    stringFromC(vgl_model_metadata(handle, key))
  }

  /// The version of the toolkit that wrote the model (metadata `toolkit.version`); nil for a
  /// model written before the key existed.
  public var toolkitVersion: String? { metadata(VigilVersion.metadataKey) }

  /// What the model runs: arena layout, tensors and ops (for inspect and per-op reports).
  ///
  /// The corresponding C functions are `vgl_model_get_layout`, `vgl_model_get_tensor` and
  /// `vgl_model_get_op`.
  public var contents: ModelDescription { ModelDescription(self) }
}

/// A model bound to an arena: runs inferences without allocating (except the `[Float]`
/// convenience overload).
///
/// The instance owns its model, so the model outlives every run; reach it as
/// `instance.model`.
public struct Instance: ~Copyable {
  public let model: Model
  private let arena: UnsafeMutableRawPointer
  private let ownsArena: Bool
  private let binding: vgl_instance

  /// Allocates a 64-byte-aligned arena of `model.arenaSize` bytes (plus the scratch of each
  /// extra thread), once, and starts `threads - 1` workers.
  /// - Parameters:
  ///   - isa: the kernel path, `VGL_ISA_AUTO` (the environment's `VIGIL_ISA`, else the best
  ///     this CPU has) by default; every path gives the same bits.
  ///   - threads: threads per inference, the caller's included (1...64); any count gives the
  ///     same bits.
  ///   - observed: size the arena for observed runs (`run(pixels:logits:observer:context:)`),
  ///     which execute fused blocks unfused (`vgl_model_arena_size_observed`).
  ///
  /// The corresponding C functions are `vgl_arena_alloc` and `vgl_instance_init_options`.
  public init(_ model: consuming Model, isa: vgl_isa = VGL_ISA_AUTO, threads: Int = 1,
              observed: Bool = false)
    throws(VigilError)
  {
    guard threads >= 1 && threads <= 64 else {
      throw .invalidArgument("threads \(threads) is not in 1...64")
    }
    let bytes = observed ? vgl_model_arena_size_observed(model.handle, UInt32(threads))
                         : vgl_model_arena_size_threads(model.handle, UInt32(threads))
    var block: UnsafeMutableRawPointer? = nil
    let (status, message) = withStatusMessage { msg, cap in
      vgl_arena_alloc(bytes, &block, msg, cap)
    }
    guard status == VGL_OK, let block else {
      throw VigilError(status: status, message: message) ?? .unknown(code: 0, message: message)
    }
    var instance = vgl_instance()
    let handle = model.handle
    var options = vgl_instance_options(size: UInt32(MemoryLayout<vgl_instance_options>.size),
                                       isa: isa.rawValue, threads: UInt32(threads))
    let (bound, boundMessage) = withStatusMessage { msg, cap in
      vgl_instance_init_options(handle, block, bytes, &options, &instance, msg, cap)
    }
    guard bound == VGL_OK else {
      vgl_arena_free(block)
      throw VigilError(status: bound, message: boundMessage)
        ?? .unknown(code: 0, message: boundMessage)
    }
    self.model = model
    self.arena = block
    self.ownsArena = true
    self.binding = instance
  }

  /// Binds the caller's arena (64-byte aligned, at least `model.arenaSize` bytes; it must
  /// outlive the instance).
  ///
  /// The corresponding C function is `vgl_instance_init`.
  public init(_ model: consuming Model, arena: UnsafeMutableRawBufferPointer)
    throws(VigilError)
  {
    guard let base = arena.baseAddress else { throw .invalidArgument("arena is empty") }
    var instance = vgl_instance()
    let handle = model.handle
    let (status, message) = withStatusMessage { msg, cap in
      vgl_instance_init(handle, base, UInt64(arena.count), &instance, msg, cap)
    }
    guard status == VGL_OK else {
      throw VigilError(status: status, message: message) ?? .unknown(code: 0, message: message)
    }
    self.model = model
    self.arena = base
    self.ownsArena = false
    self.binding = instance
  }

  deinit {
    var binding = self.binding
    vgl_instance_release(&binding)
    if ownsArena { vgl_arena_free(arena) }
  }

  /// The kernel path this instance runs (`vgl_isa_name` gives its name).
  public var isa: vgl_isa { vgl_isa(rawValue: binding.isa) }

  /// Threads per inference, the caller's included.
  public var threads: Int { Int(binding.threads) }

  /// CPU time the instance's worker threads (not the caller's) have used, nanoseconds, from
  /// each worker's own CPU clock. The corresponding C function is `vgl_instance_worker_cpu_ns`.
  public var workerCpuNanoseconds: UInt64 {
    var binding = self.binding
    return vgl_instance_worker_cpu_ns(&binding)
  }

  /// The arena bytes the instance uses.
  public var arenaBytes: UInt64 { binding.arena_bytes }

  /// One inference calling `observer(context, opIndex, codes, byteCount)` after every op with
  /// its int8 output (on the caller's thread; the other threads wait; nil and 0 for the head). Fused blocks run
  /// unfused, so a model with fused blocks needs an instance made with `observed: true`.
  ///
  /// The corresponding C function is `vgl_instance_run_observed`.
  public func run(pixels: UnsafePointer<UInt8>, logits: UnsafeMutablePointer<Float>,
                  observer: vgl_model_observer?, context: UnsafeMutableRawPointer?)
    -> vgl_status
  {
    var binding = self.binding
    return vgl_instance_run_observed(&binding, pixels, logits, observer, context)
  }

  /// One inference into the caller's buffer.
  /// - Parameters:
  ///   - pixels: `inputSize x inputSize x 3` uint8, interleaved RGB (HWC), preprocessed.
  ///   - logits: at least `model.classes` floats.
  ///
  /// The corresponding C function is `vgl_instance_run`.
  public func run(pixels: UnsafeBufferPointer<UInt8>, logits: UnsafeMutableBufferPointer<Float>)
    throws(VigilError)
  {
    let side = model.inputSize
    guard pixels.count == 3 * side * side, let input = pixels.baseAddress else {
      throw .invalidArgument("pixels: \(pixels.count) bytes, the model takes 3 x \(side) x \(side) = \(3 * side * side)")
    }
    guard logits.count >= model.classes, let output = logits.baseAddress else {
      throw .invalidArgument("logits: room for \(logits.count), the model has \(model.classes) classes")
    }
    var binding = self.binding
    let status = vgl_instance_run(&binding, input, output)
    if let error = VigilError(status: status, message: "vgl_instance_run") { throw error }
  }

  /// One inference; returns `model.classes` logits.
  ///
  /// The corresponding C function is `vgl_instance_run`.
  public func run(pixels: UnsafeBufferPointer<UInt8>) throws(VigilError) -> [Float] {
    var logits = [Float](repeating: 0, count: model.classes)
    var failure: VigilError? = nil
    logits.withUnsafeMutableBufferPointer { buffer in
      do throws(VigilError) {
        try run(pixels: pixels, logits: buffer)
      } catch {
        failure = error
      }
    }
    if let failure { throw failure }
    return logits
  }
}
