#!/bin/sh
# SPDX-License-Identifier: MIT
# Block layer benchmark: sequential and random 4 KiB reads and writes on a
# raw and a qcow2 image (64 MiB, fully allocated first), through Kestrel's
# block layer (bench-block) and, for the sequential cases, through
# `qemu-img bench` on the same file (queue depth 1, writeback cache, thread
# pool AIO). Prints IOPS for Kestrel's synchronous API (what the floppy
# uses), its asynchronous API (thread pool, what IDE uses; each request
# waited for, i.e. queue depth 1) and qemu-img, and the ratio of Kestrel
# async to QEMU (> 1: Kestrel faster).
# Usage: bench/block/run.sh [BUILD_DIR] [COUNT]     (make bench hooks it)
set -e
build=${1:-build}
count=${2:-20000}
bench="$build/bench/block/bench-block"
qimg=$(command -v qemu-img || true)
dir=$(mktemp -d "${TMPDIR:-/var/tmp}/kestrel-bench-block.XXXXXX")
trap 'rm -rf "$dir"' EXIT

iops() {        # the IOPS out of either tool's output
    awk '/IOPS/ { print $(NF - 1) }
         /Run completed/ { for (i = 1; i <= NF; i++) if ($i == "seconds.")
                           t = $(i - 1); print int(n / t) }' n="$count"
}

head -c 64M /dev/urandom > "$dir/disk.raw"
if [ -n "$qimg" ]; then
    "$qimg" convert -f raw -O qcow2 "$dir/disk.raw" "$dir/disk.qcow2"
else
    echo "qemu-img not found: Kestrel figures only"
fi
printf '%-10s %-6s %12s %12s %12s %7s\n' mode format kestrel-sync \
    kestrel-aio qemu-img ratio
for fmt in raw qcow2; do
    [ -f "$dir/disk.$fmt" ] || continue
    for mode in seq-read seq-write rand-read rand-write; do
        k=$("$bench" "$dir/disk.$fmt" "$fmt" "$mode" "$count" | iops)
        a=$("$bench" "$dir/disk.$fmt" "$fmt" "$mode" "$count" --aio | iops)
        q=-; r=-
        case $mode in
        seq-*)
            if [ -n "$qimg" ]; then
                w=; [ "$mode" = seq-write ] && w=-w
                q=$("$qimg" bench -f "$fmt" -c "$count" -d 1 -s 4096 \
                    -S 4096 -t writeback -i threads $w "$dir/disk.$fmt" \
                    | iops)
                r=$(awk "BEGIN { printf \"%.2f\", $a / $q }")
            fi
            ;;
        esac
        printf '%-10s %-6s %12s %12s %12s %7s\n' "$mode" "$fmt" "$k" "$a" \
            "$q" "$r"
    done
done
