#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the Linux guest that the nested KVM run boots under Kestrel with
# -accel kvm -smp 2 (nested-init.sh, "linux-smp"; the initramfs comes from
# scripts/make-kvm-initramfs). Prints the CPUs the kernel brought up on
# the serial console, then powers off:
#     KVMSMP online <cpu list> processors <count>
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "KVMSMP online $(cat /sys/devices/system/cpu/online)" \
     "processors $(grep -c ^processor /proc/cpuinfo)"
poweroff -f
