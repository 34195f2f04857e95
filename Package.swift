// swift-tools-version:6.0
// The Vigil package: the C runtime (CKernels), the Embedded-compatible Swift core (VigilCore),
// the full-Swift toolkit (VigilKit) and the `vigil` command-line tool.
import PackageDescription

let package = Package(
  name: "Vigil",
  products: [
    .executable(name: "vigil", targets: ["vigil"]),
    .library(name: "VigilKit", targets: ["VigilKit"]),
    .library(name: "VigilCore", targets: ["VigilCore"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    // Plain C11, no dependencies: also built alone by a cross C compiler (Tools/cross-test.sh).
    .target(
      name: "CKernels",
      path: "CKernels",
      // The kernel registries (.inc) are included by the dispatcher, not compiled alone.
      exclude: ["Makefile", "README.md", "kernels/README.md", "kernels/qs8-conv/qs8-conv-1x1.inc",
                "kernels/qs8-conv/qs8-conv-kxk.inc", "kernels/qs8-stem/qs8-stem.inc",
                "kernels/qs8-dwconv/qs8-dwconv.inc", "kernels/qs8-mrconv/qs8-mrconv.inc",
                "kernels/qs8-head/qs8-head.inc"],
      sources: ["runtime", "kernels"],
      publicHeadersPath: "include",
      // -O3 even in debug builds: the fp32 path is the calibration engine, and gcc/clang leave
      // the pixel loops scalar below -O2 (1x1 conv: 3.3 vs 13 GMAC/s). Release builds define
      // NDEBUG: the per-element VGL_DCHECK asserts go, plan and model validation (not asserts)
      // stays.
      cSettings: [.unsafeFlags(["-std=c11", "-ffp-contract=off", "-O3"]),
                  .define("NDEBUG", .when(configuration: .release))]
    ),
    // C shims for the host and board I/O: libjpeg (with setjmp), libpng, PPM/PGM, gzip.
    .target(
      name: "CVigilIO",
      path: "Sources/CVigilIO",
      cSettings: [.unsafeFlags(["-std=c11"]), .define("NDEBUG", .when(configuration: .release))],
      linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png"), .linkedLibrary("z")]
    ),
    // Embedded-Swift-compatible core: no Foundation, no existentials, typed throws only.
    .target(
      name: "VigilCore",
      dependencies: ["CKernels", "CVigilIO"],
      path: "Sources/VigilCore"
    ),
    // C shims for the daemon's system calls: poll, inotify, signals, clocks, sd_notify.
    .target(
      name: "CVigilSys",
      path: "Sources/CVigilSys",
      cSettings: [.unsafeFlags(["-std=c11"]), .define("NDEBUG", .when(configuration: .release))]
    ),
    // The daemon core (Embedded-compatible): sources, pipeline, decisions, JSON Lines, lifecycle.
    .target(
      name: "VigilDaemon",
      dependencies: ["VigilCore", "CVigilSys", "CVigilIO", "CKernels"],
      path: "Sources/VigilDaemon"
    ),
    // Full-Swift toolkit: checkpoint import, folding, planning, classification, HTML reports.
    .target(
      name: "VigilKit",
      dependencies: ["VigilCore", "CKernels", "CVigilIO"],
      path: "Sources/VigilKit"
    ),
    .executableTarget(
      name: "vigil",
      dependencies: [
        "VigilKit",
        "VigilDaemon",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/vigil"
    ),
    .testTarget(
      name: "VigilKitTests",
      dependencies: ["VigilKit", "VigilCore"],
      path: "Tests/VigilKitTests"
    ),
    .testTarget(
      name: "VigilDaemonTests",
      dependencies: ["VigilDaemon", "VigilCore", "VigilKit", "CVigilSys"],
      path: "Tests/VigilDaemonTests"
    ),
  ]
)
