/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The entry points every harness provides: libFuzzer calls them, and so
 * does replay.c, which runs a corpus without libFuzzer in 'make check'. */
#ifndef EGRESSC_FUZZ_H
#define EGRESSC_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
