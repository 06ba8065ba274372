#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the nested KVM test initramfs (scripts/make-kvm-initramfs).
# Runs inside a Linux guest of qemu-system-x86_64 -accel tcg -cpu max,
# whose emulated AMD SVM gives a real kvm-amd: loads the modules, then runs
# each line of /kvmtest/list with Kestrel under -accel kvm and prints one
# line per result on the console:
#     KVMTEST <name> PASS|FAIL|SKIP <detail>
# followed, for a failure, by "KVMLOG <name> <text>" lines (debug console
# and stderr), then "KVMTEST-END" and powers off.
# List lines: "guest NAME [kestrel options]" (a tests/guest image),
# "seabios" (POST to "Booting from"), "switch" (monitor `accel` kvm->tcg->kvm
# in the middle of switch-count.bin), "gdb" (tests/kvm/gdb-probe's GDB
# session against the gdbguest BIOS), "smp" (SeaBIOS with -smp 2 wakes
# the second vCPU by INIT/SIPI and counts 2 CPUs), "linux-smp" (this
# kernel with -smp 2 brings both CPUs up). The kernel parameter
# kvmtest.only=NAME,NAME runs only those.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
K=/kestrel/kestrel
T=/tmp/kvmtest
mkdir -p $T

# result NAME PASS|FAIL|SKIP DETAIL: with the seconds since mark()
result() {
    echo "KVMTEST $1 $2 $3 ($(($(uptime_s) - t0)) s)"
}

uptime_s() {
    cut -d. -f1 /proc/uptime
}

mark() {
    t0=$(uptime_s)
}
mark

# log NAME FILE: the last lines of FILE as KVMLOG lines
log() {
    [ -s "$2" ] || return 0
    tail -n 30 "$2" | tr -d '\r' | sed "s/^/KVMLOG $1 /"
}

finish() {
    echo "KVMTEST-END"
    sync
    poweroff -f
}

for m in $(cat /lib/modules/order); do
    if ! insmod /lib/modules/$m.ko 2>$T/insmod; then
        result modules FAIL "insmod $m: $(tail -n 1 $T/insmod)"
        finish
    fi
done
if [ ! -c /dev/kvm ]; then
    result modules FAIL "no /dev/kvm after loading $(cat /lib/modules/order)"
    finish
fi
result modules PASS "/dev/kvm from $(cat /lib/modules/order)"

only=$(sed -n 's/.*kvmtest\.only=\([^ ]*\).*/\1/p' /proc/cmdline | tr ',' ' ')
wanted() {
    [ -z "$only" ] && return 0
    for w in $only; do
        [ "$w" = "$1" ] && return 0
    done
    return 1
}

# until_ok SECONDS CMD...: run CMD every 0.2 s until it succeeds (status 0)
# or SECONDS pass (status 1); the clock is /proc/uptime, not a loop count
until_ok() {
    end=$(($(uptime_s) + $1))
    shift
    while ! "$@"; do
        [ "$(uptime_s)" -ge $end ] && return 1
        usleep 200000
    done
}

gone() {
    ! kill -0 "$1" 2>/dev/null
}

# text_or_gone FILE REGEX PID
text_or_gone() {
    grep -q "$2" "$1" 2>/dev/null || gone "$3"
}

# wait_text FILE REGEX SECONDS PID: until FILE matches (0), PID exits or
# the time is up (1)
wait_text() {
    until_ok "$3" text_or_gone "$1" "$2" "$4"
    grep -q "$2" "$1" 2>/dev/null
}

# start_kestrel ARGS...: in the background ($pid) with the monitor on
# stdio through the fifo $T/mon.in (written on fd 3), answers in $T/mon.out
start_kestrel() {
    rm -f $T/mon.in $T/mon.out $T/err
    mkfifo $T/mon.in
    $K -accel kvm -display none -nodefaults -monitor stdio "$@" \
        <$T/mon.in >$T/mon.out 2>$T/err &
    pid=$!
    exec 3>$T/mon.in
}

prompt_or_gone() {
    tail -c +$from $T/mon.out | grep -q -e '(qemu)' -e '(kestrel)' ||
        gone $pid
}

# mon CMD: one monitor command; its answer (what the monitor printed after
# the command, up to its next prompt) goes to $T/mon.answer
mon() {
    from=$(($(wc -c <$T/mon.out) + 1))
    echo "$1" >&3
    until_ok 30 prompt_or_gone
    tail -c +$from $T/mon.out | tr -d '\r' |
        grep -v -e '(qemu)' -e '(kestrel)' -e "^$1\$" >$T/mon.answer
}

# stop_kestrel SECONDS: wait that long for it to exit; its exit status, or
# 137 after a timeout, with what the monitor and the kernel say about the
# stuck process appended to $T/err
stop_kestrel() {
    if ! until_ok "$1" gone $pid; then
        for c in "info status" "info registers"; do
            mon "$c"
            sed "s/^/$c: /" $T/mon.answer
        done >>$T/err 2>&1
        for t in /proc/$pid/task/*; do
            echo "thread $(cut -d' ' -f2,3 $t/stat)"
            sed 's/^/    /' $t/stack
        done >>$T/err 2>&1
        kill -9 $pid
    fi
    exec 3>&-
    wait $pid
}

kill_kestrel() {
    kill -9 $pid
    exec 3>&-
    wait $pid
}

# status_text STATUS: 137 is a timeout (wait_exit)
status_text() {
    case $1 in
    137) echo "timeout" ;;
    *) echo "exit status $1" ;;
    esac
}

# A tests/guest image, judged as tests/guest/run-guest.py does: exit
# status 1 (the guest wrote 0 to isa-debug-exit) and PASS as the last line.
run_guest() {
    name=guest-$1
    img=/guest/$1.bin
    mark
    shift
    rm -f $T/con
    start_kestrel -m 32 -bios $img \
        -device isa-debug-exit,iobase=0xf4,iosize=4 -debugcon file:$T/con "$@"
    stop_kestrel 60
    st=$?
    last=$(tail -n 1 $T/con 2>/dev/null)
    if [ $st = 1 ] && [ "$last" = PASS ]; then
        result $name PASS
    else
        result $name FAIL "$(status_text $st): $(tail -n 1 $T/con 2>/dev/null)"
        log $name $T/con
        log $name $T/err
    fi
}

# SeaBIOS POSTs under KVM: its debug log (port 0x402) shows the banner,
# then "Booting from" for the empty hard disk.
run_seabios() {
    name=seabios
    mark
    rm -f $T/bios
    start_kestrel -vga std -m 64 -chardev file,id=seabios,path=$T/bios \
        -device isa-debugcon,iobase=0x402,chardev=seabios
    if wait_text $T/bios "Booting from" 90 $pid; then
        result $name PASS "$(grep -m 1 -o 'SeaBIOS (version [^)]*)' $T/bios)"
        kill_kestrel
    else
        stop_kestrel 0
        result $name FAIL "no 'Booting from' in the SeaBIOS log: $(tail -n 1 $T/bios)"
        log $name $T/bios
        log $name $T/err
    fi
}

# SMP under KVM: SeaBIOS sends INIT/SIPI through Kestrel's local APIC and
# waits until the second vCPU has counted itself.
run_smp() {
    name=smp
    mark
    rm -f $T/bios
    start_kestrel -smp 2 -m 64 -chardev file,id=seabios,path=$T/bios \
        -device isa-debugcon,iobase=0x402,chardev=seabios
    if wait_text $T/bios "Found [0-9]* cpu(s)" 90 $pid &&
            grep -q "Found 2 cpu(s) max supported 2 cpu(s)" $T/bios; then
        result $name PASS "$(grep -m 1 'Found [0-9]* cpu(s)' $T/bios)"
        kill_kestrel
    else
        stop_kestrel 0
        result $name FAIL "want 'Found 2 cpu(s)': $(grep -m 1 'Found [0-9]* cpu(s)' $T/bios || tail -n 1 $T/bios)"
        log $name $T/bios
        log $name $T/err
    fi
}

# This kernel under Kestrel -accel kvm -smp 2: its /init
# (tests/kvm/linux-smp-init.sh) prints the CPUs Linux brought up.
# no_timer_check: Linux wants 4 timer ticks within a TSC-timed spin
# (about 60 ms here) before it trusts IRQ 0; on this nested CPU, itself
# QEMU's TCG on a loaded host, the ticks came late now and then ("IO-APIC +
# timer doesn't work!" panic). Linux on KVM with kvmclock skips the check
# the same way.
run_linux_smp() {
    name=linux-smp
    mark
    rm -f $T/con $T/bios
    start_kestrel -cpu qemu64 -smp 2 -m 128 -serial file:$T/con -no-reboot \
        -kernel /kvmtest/vmlinuz -initrd /kvmtest/linux-smp.cpio \
        -append "console=ttyS0 quiet panic=-1 no_timer_check" \
        -chardev file,id=seabios,path=$T/bios \
        -device isa-debugcon,iobase=0x402,chardev=seabios
    if wait_text $T/con "^KVMSMP" 400 $pid &&
            grep -q "^KVMSMP online 0-1 processors 2" $T/con; then
        result $name PASS "$(grep -m 1 '^KVMSMP' $T/con | tr -d '\r')"
        kill_kestrel
    else
        stop_kestrel 0
        result $name FAIL "want 'KVMSMP online 0-1 processors 2': $(grep -m 1 '^KVMSMP' $T/con || tail -n 1 $T/con)"
        log $name $T/bios
        log $name $T/con
        log $name $T/err
    fi
}

# wait_count N: until the guest has printed N "count" lines
wait_count() {
    wait_text $T/con "^count $1\$" 120 $pid
}

# switch_to ACCEL ENABLED: monitor "accel ACCEL"; "info kvm" must then say
# "kvm support: ENABLED" and the guest must count two more lines
switch_to() {
    mon "accel $1"
    cp $T/mon.answer $T/accel.answer
    if grep -q "not available\|unknown accelerator\|unknown command" \
            $T/accel.answer; then
        skip="monitor 'accel $1': $(head -n 1 $T/accel.answer)"
        return 1
    fi
    mon "info kvm"
    if ! grep -q "kvm support: $2" $T/mon.answer; then
        why="'accel $1' answered '$(head -n 1 $T/accel.answer)', then"
        why="$why 'info kvm' '$(head -n 1 $T/mon.answer)'"
        return 1
    fi
    c=$(grep -c '^count' $T/con)
    if ! wait_count $((c + 2)); then
        why="the guest stopped counting after 'accel $1' (count $c)"
        return 1
    fi
    path="$path->$1 at count $c"
}

# The live switch: switch-count.bin counts (registers, memory, x87, timer
# ticks) and prints "count N"; the monitor moves it kvm -> tcg -> kvm in
# between; a key press (sendkey) ends it, and it checks its own state.
run_switch() {
    name=switch
    mark
    rm -f $T/con
    start_kestrel -m 32 -cpu 486 -bios /kvmtest/switch-count.bin \
        -device isa-debug-exit,iobase=0xf4,iosize=4 -debugcon file:$T/con
    why=""
    skip=""
    path="kvm"
    if ! wait_count 2; then
        why="the guest did not count under KVM"
    else
        switch_to tcg disabled && switch_to kvm enabled && mon "sendkey a"
    fi
    if [ -n "$skip" ]; then
        kill_kestrel
    elif [ -n "$why" ]; then
        stop_kestrel 0
    else
        stop_kestrel 30
    fi
    st=$?
    last=$(tail -n 1 $T/con 2>/dev/null)
    if [ -n "$skip" ]; then
        result $name SKIP "$skip"
    elif [ -z "$why" ] && [ $st = 1 ] && [ "$last" = PASS ]; then
        result $name PASS "$path, $(grep -c '^count' $T/con) counts"
    else
        [ -z "$why" ] && why="$(status_text $st): $last"
        result $name FAIL "$path: $why"
        log $name $T/con
        log $name $T/mon.out
        log $name $T/err
    fi
}

# The GDB stub under KVM_SET_GUEST_DEBUG: gdb-probe (no gdb here) sets
# breakpoints (five Z0: four debug registers and one int3), steps, watches
# the counter, and writes the exit code 0x21 the guest then exits with
# (isa-debug-exit status 0x43). kvmtest.gdb=OPT passes OPT (--step-only
# where the outer QEMU lets no breakpoint fire: run-nested.py).
run_gdb() {
    name=gdb
    mark
    rm -f $T/gdb.sock $T/probe
    start_kestrel -m 16 -bios /kvmtest/gdbguest.bin \
        -device isa-debug-exit,iobase=0xf4,iosize=4 \
        -gdb unix:$T/gdb.sock,server=on -S
    until_ok 30 test -S $T/gdb.sock
    opt=$(sed -n 's/.*kvmtest\.gdb=\([^ ]*\).*/\1/p' /proc/cmdline)
    /kvmtest/gdb-probe $opt /kvmtest/gdbguest.elf unix:$T/gdb.sock \
        >$T/probe 2>&1
    pst=$?
    stop_kestrel 30
    st=$?
    if [ $pst = 0 ] && [ $st = 67 ]; then
        result $name PASS "$(grep -c '^ok' $T/probe) probe checks${opt:+, $opt}"
    else
        result $name FAIL "probe status $pst, $(status_text $st) (want 0, 67): $(grep -m 1 '^FAIL' $T/probe)"
        log $name $T/probe
        log $name $T/err
    fi
}

while read -r kind arg rest; do
    case $kind in
    guest) wanted "guest-$arg" && run_guest "$arg" $rest ;;
    seabios) wanted seabios && run_seabios ;;
    switch) wanted switch && run_switch ;;
    gdb) wanted gdb && run_gdb ;;
    smp) wanted smp && run_smp ;;
    linux-smp) wanted linux-smp && run_linux_smp ;;
    esac
done </kvmtest/list
finish
