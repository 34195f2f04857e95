// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Architecture guards and the one function-level target attribute per ISA (design.md: per-ISA
// code lives in the one C target through `__attribute__((target(...)))`, no per-file flags).
// A kernel file for an ISA is wrapped in its VGL_ARCH_* guard and marks its functions with its
// VGL_TARGET_* macro; the dispatcher (runtime/q8-kernels.c) calls it only after cpuid/HWCAP said
// the CPU runs it.
#ifndef VIGIL_ISA_H
#define VIGIL_ISA_H

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define VGL_ARCH_X86_64 1
#else
#define VGL_ARCH_X86_64 0
#endif

#if defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
#define VGL_ARCH_AARCH64 1
#else
#define VGL_ARCH_AARCH64 0
#endif

// 32-bit ARMv7-A with hardware float (the board ABI: -mfloat-abi=hard). The baseline may lack
// NEON (-mfpu=vfpv3-d16): the NEON kernels carry VGL_TARGET_NEON and run only after HWCAP_NEON.
#if defined(__arm__) && defined(__ARM_ARCH_7A__) && defined(__ARM_PCS_VFP) && \
    (defined(__GNUC__) || defined(__clang__))
#define VGL_ARCH_ARMV7 1
#else
#define VGL_ARCH_ARMV7 0
#endif

#if VGL_ARCH_X86_64
// AVX2 without FMA: the kernels never need it, and leaving it out means no compiler can fuse
// the requantization's multiply with the magic-number add.
#define VGL_TARGET_AVX2 __attribute__((target("avx2")))
#define VGL_TARGET_AVX512VNNI \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi")))
#endif

// The ARMv7 NEON kernels: always with gcc (target("fpu=neon") on a VFPv3-D16 baseline); with
// clang only when the whole build has NEON (-mfpu=neon): clang 21's ARM backend aborts ("Do not
// know how to split the result of this operator") on a function-level target("neon") over a
// VFPv3-D16 baseline, so a clang board build runs the scalar kernels on the neon path.
#if VGL_ARCH_ARMV7 && (defined(__ARM_NEON) || !defined(__clang__))
#define VGL_ARCH_ARMV7_NEON_KERNELS 1
#define VGL_TARGET_NEON __attribute__((target("fpu=neon")))
#else
#define VGL_ARCH_ARMV7_NEON_KERNELS 0
#endif

#if VGL_ARCH_AARCH64
#define VGL_TARGET_NEON
// gcc 12 takes this spelling, not "+dotprod" (board-notes.md).
#define VGL_TARGET_NEONDOT __attribute__((target("arch=armv8.2-a+dotprod")))
#endif

#endif  // VIGIL_ISA_H
