/* SPDX-License-Identifier: MIT */
#ifndef ACCEL_TCG_LOG_HOST_CODE_H
#define ACCEL_TCG_LOG_HOST_CODE_H

#include <stddef.h>
#include <stdint.h>

/* -d out_asm: log a block's host code, disassembled. */
void tb_log_host_code(const void *code, size_t size, uint64_t guest_pc);

#endif
