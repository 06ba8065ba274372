/* SPDX-License-Identifier: MIT */
/*
 * The decoder check with the long random run (10000000 streams per mode):
 * test-decode.c built for the 'slow' suite.
 */
#define TEST_DECODE_SLOW 1
#include "test-decode.c"
