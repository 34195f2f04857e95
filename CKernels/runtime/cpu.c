// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The one place that asks the CPU what it runs: cpuid and XCR0 on x86-64 (the OS must save
// the YMM / ZMM state, not only the CPU have the instructions), HWCAP on aarch64 and
// 32-bit ARM. Detected once
// per process (a benign race: every thread computes the same bits), then vgl_isa_resolve maps a
// request (or VIGIL_ISA) onto it.
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/isa.h"
#include "runtime-internal.h"
#include "vigil.h"

#if VGL_ARCH_X86_64
#include <cpuid.h>
#endif
#if VGL_ARCH_AARCH64 && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif
#if VGL_ARCH_ARMV7 && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_NEON
#define HWCAP_NEON (1 << 12)
#endif
#endif

static const char *const kIsaNames[] = {"auto", "scalar", "avx2", "avx512vnni", "neon", "neondot"};
enum { kIsaCount = 6 };

const char *vgl_isa_name(vgl_isa isa) {
  return (unsigned)isa < kIsaCount ? kIsaNames[isa] : "unknown";
}

vgl_status vgl_isa_parse(const char *name, vgl_isa *isa_out) {
  if (name == NULL || isa_out == NULL) return VGL_E_INVALID_ARGUMENT;
  for (int i = 0; i < kIsaCount; i++) {
    if (strcmp(name, kIsaNames[i]) == 0) {
      *isa_out = (vgl_isa)i;
      return VGL_OK;
    }
  }
  return VGL_E_INVALID_ARGUMENT;
}

#if VGL_ARCH_X86_64
static uint64_t read_xcr0(void) {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (uint64_t)edx << 32 | eax;
}
#endif

// Bit i set: vgl_isa i runs here. Computed on first use.
static unsigned detect(void) {
  unsigned mask = 1u << VGL_ISA_SCALAR;
#if VGL_ARCH_X86_64
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return mask;
  const bool osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
  if (!osxsave || !avx) return mask;
  const uint64_t xcr0 = read_xcr0();
  const bool ymm_state = (xcr0 & 0x6) == 0x6;           // SSE + AVX state
  const bool zmm_state = (xcr0 & 0xE6) == 0xE6;         // + opmask, ZMM_Hi256, Hi16_ZMM
  if (__get_cpuid_max(0, NULL) < 7) return mask;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = (b >> 5) & 1;
  const bool avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1, avx512bw = (b >> 30) & 1,
             avx512vl = (b >> 31) & 1;
  const bool avx512vbmi = (c >> 1) & 1, avx512vnni = (c >> 11) & 1;
  if (ymm_state && avx2) mask |= 1u << VGL_ISA_AVX2;
  if (ymm_state && zmm_state && avx2 && avx512f && avx512dq && avx512bw && avx512vl &&
      avx512vnni && avx512vbmi) {
    mask |= 1u << VGL_ISA_AVX512VNNI;
  }
#elif VGL_ARCH_AARCH64
  mask |= 1u << VGL_ISA_NEON;  // Advanced SIMD is part of every aarch64 Linux target
#if defined(__linux__)
  const unsigned long hwcap = getauxval(AT_HWCAP);
  if (hwcap & HWCAP_ASIMDDP) mask |= 1u << VGL_ISA_NEONDOT;
#endif
#elif VGL_ARCH_ARMV7
#if defined(__ARM_NEON)
  mask |= 1u << VGL_ISA_NEON;  // built for NEON (-mfpu=neon): the binary needs it anyway
#elif defined(__linux__)
  // A -mfpu=vfpv3-d16 build (the board's) runs its NEON kernels only where the kernel says so.
  if (getauxval(AT_HWCAP) & HWCAP_NEON) mask |= 1u << VGL_ISA_NEON;
#endif
#endif
  return mask;
}

static unsigned supported_mask(void) {
  static volatile unsigned cached = 0;  // 0: not yet (SCALAR's bit is always set after)
  unsigned mask = cached;
  if (mask == 0) {
    mask = detect();
    cached = mask;
  }
  return mask;
}

int vgl_isa_supported(vgl_isa isa) {
  return isa != VGL_ISA_AUTO && (unsigned)isa < kIsaCount && ((supported_mask() >> isa) & 1u);
}

static vgl_isa best(void) {
  static const vgl_isa order[] = {VGL_ISA_AVX512VNNI, VGL_ISA_AVX2, VGL_ISA_NEONDOT, VGL_ISA_NEON};
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
    if (vgl_isa_supported(order[i])) return order[i];
  }
  return VGL_ISA_SCALAR;
}

vgl_status vgl_isa_resolve(vgl_isa requested, vgl_isa *isa_out, char *message,
                           size_t message_capacity) {
  if (message != NULL && message_capacity != 0) message[0] = '\0';
  if (isa_out == NULL) return VGL_E_INVALID_ARGUMENT;
  const char *source = "ISA ";
  vgl_isa isa = requested;
  if ((unsigned)requested >= kIsaCount) {
    return vgl_fail(VGL_E_INVALID_ARGUMENT, message, message_capacity,
                    "ISA %u is not one of auto, scalar, avx2, avx512vnni, neon, neondot",
                    (unsigned)requested);
  }
  if (isa == VGL_ISA_AUTO) {
    const char *env = getenv("VIGIL_ISA");
    if (env != NULL && env[0] != '\0') {
      source = "VIGIL_ISA=";
      if (vgl_isa_parse(env, &isa) != VGL_OK) {
        return vgl_fail(VGL_E_INVALID_ARGUMENT, message, message_capacity,
                        "VIGIL_ISA=%.40s is not one of auto, scalar, avx2, avx512vnni, neon, "
                        "neondot",
                        env);
      }
    }
  }
  if (isa == VGL_ISA_AUTO) isa = best();
  if (!vgl_isa_supported(isa)) {
    char have[64] = "";
    size_t at = 0;
    for (int i = VGL_ISA_SCALAR; i < kIsaCount; i++) {
      if (!vgl_isa_supported((vgl_isa)i)) continue;
      const size_t n = strlen(kIsaNames[i]);
      if (at + n + 3 >= sizeof have) break;
      if (at != 0) { memcpy(have + at, ", ", 2); at += 2; }
      memcpy(have + at, kIsaNames[i], n + 1);
      at += n;
    }
    return vgl_fail(VGL_E_UNSUPPORTED, message, message_capacity,
                    "%s%s: this CPU lacks it; it runs %s", source,
                    kIsaNames[isa], have);
  }
  *isa_out = isa;
  return VGL_OK;
}
