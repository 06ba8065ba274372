/* SPDX-License-Identifier: MIT */
/*
 * Motorola MC146818A real-time clock and 128 bytes of CMOS RAM (ISA ports
 * 0x70 index, 0x71 data; bit 7 of the index masks NMI).
 *
 * Guest time is the virtual clock plus an offset taken at start from the
 * `base` property (QEMU's -rtc base=utc|localtime|DATE), so it stops when
 * the VM stops. Time registers, UIP and the C flags are computed on demand;
 * a timer runs only when an enabled interrupt (periodic, alarm, update
 * ended) can next raise IRQ 8. The board (hw/i386/pc.c) maps it at 0x70
 * and fills the BIOS's CMOS bytes with rtc_set_cmos().
 * Ref: MC146818A datasheet, "Address Map", "Time, Calendar and Alarm
 * Locations", "Update Cycle", "Interrupts", registers A-D.
 * Missing: daylight saving (DSE is stored, not applied), the square-wave
 * pin (SQWE stored), time bases other than 32.768 kHz (DV=010; others are
 * logged and run as 32.768 kHz), the extended 128-byte bank.
 */
#include "kestrel/osdep.h"
#include <stdio.h>
#include "kestrel/isa.h"
#include "kestrel/log.h"
#include "kestrel/timer.h"

#define RTC_SECONDS         0x00
#define RTC_SECONDS_ALARM   0x01
#define RTC_MINUTES         0x02
#define RTC_MINUTES_ALARM   0x03
#define RTC_HOURS           0x04
#define RTC_HOURS_ALARM     0x05
#define RTC_DAY_OF_WEEK     0x06
#define RTC_DAY_OF_MONTH    0x07
#define RTC_MONTH           0x08
#define RTC_YEAR            0x09
#define RTC_REG_A           0x0a
#define RTC_REG_B           0x0b
#define RTC_REG_C           0x0c
#define RTC_REG_D           0x0d
#define RTC_CENTURY         0x32        /* PC convention */
#define RTC_CMOS_SIZE       128

#define RTC_A_UIP           0x80
#define RTC_A_DV_SHIFT      4
#define RTC_A_RS            0x0f
#define RTC_B_SET           0x80
#define RTC_B_PIE           0x40
#define RTC_B_AIE           0x20
#define RTC_B_UIE           0x10
#define RTC_B_SQWE          0x08
#define RTC_B_DM            0x04        /* 1 = binary */
#define RTC_B_24H           0x02
#define RTC_B_DSE           0x01
#define RTC_C_IRQF          0x80
#define RTC_C_PF            0x40
#define RTC_C_AF            0x20
#define RTC_C_UF            0x10
#define RTC_D_VRT           0x80

#define RTC_DV_32K          2           /* 32.768 kHz time base */
#define RTC_UIP_NS          2228000     /* 244 us setup + 1984 us update */
#define RTC_HZ              32768
#define RTC_DAY             86400

KS_TRACE_DEFINE(rtc);

typedef struct RtcState {
    Device dev;
    MemRegion io;
    IrqLine irq;
    Timer *timer;
    int64_t timer_due;
    uint8_t cmos[RTC_CMOS_SIZE];
    uint8_t index;
    bool nmi_masked;
    int64_t offset_ns;                  /* guest time = virtual + offset */
    int64_t frozen_ns;                  /* guest time while in divider reset */
    int64_t flags_ns;                   /* C flags are evaluated up to here */
    char *base;                         /* properties */
    uint16_t iobase;
    uint8_t irq_num;
} RtcState;

static int64_t floor_div(__int128 a, int64_t b)
{
    return a / b - (a % b < 0);
}

static int64_t rtc_to_ticks(int64_t guest_ns)
{
    return floor_div((__int128)guest_ns * RTC_HZ, NANOSECONDS_PER_SECOND);
}

/* The first guest ns at which tick k has happened. */
static int64_t rtc_tick_ns(int64_t k)
{
    return -floor_div(-(__int128)k * NANOSECONDS_PER_SECOND, RTC_HZ);
}

static bool rtc_running(RtcState *s)
{
    return (s->cmos[RTC_REG_A] >> RTC_A_DV_SHIFT & 6) != 6;
}

/* Guest wall time in ns since 1970 ("as if UTC"), at virtual time now. */
static int64_t rtc_guest_ns(RtcState *s, int64_t now)
{
    return rtc_running(s) ? now + s->offset_ns : s->frozen_ns;
}

/* Periodic interrupt period in 32.768 kHz ticks, 0 when off. */
static int64_t rtc_period_ticks(RtcState *s)
{
    int rs = s->cmos[RTC_REG_A] & RTC_A_RS;

    if (!rs) {
        return 0;
    }
    return 1 << ((rs <= 2 ? rs + 7 : rs) - 1);
}

static uint8_t rtc_encode(RtcState *s, int v)
{
    if (s->cmos[RTC_REG_B] & RTC_B_DM) {
        return v;
    }
    return (v / 10) << 4 | v % 10;
}

static int rtc_decode(RtcState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & RTC_B_DM) {
        return v;
    }
    return (v >> 4) * 10 + (v & 0xf);
}

static uint8_t rtc_encode_hour(RtcState *s, int hour)
{
    if (s->cmos[RTC_REG_B] & RTC_B_24H) {
        return rtc_encode(s, hour);
    }
    return rtc_encode(s, hour % 12 ? hour % 12 : 12) | (hour >= 12) << 7;
}

static int rtc_decode_hour(RtcState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & RTC_B_24H) {
        return rtc_decode(s, v);
    }
    return rtc_decode(s, v & 0x7f) % 12 + (v & 0x80 ? 12 : 0);
}

/* Copy the clock into the time registers (not while SET holds them). */
static void rtc_refresh_regs(RtcState *s, int64_t now)
{
    int64_t sec = floor_div(rtc_guest_ns(s, now), NANOSECONDS_PER_SECOND);
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(sec);
    int year;

    if ((s->cmos[RTC_REG_B] & RTC_B_SET) || !dt) {
        return;
    }
    year = g_date_time_get_year(dt);
    s->cmos[RTC_SECONDS] = rtc_encode(s, g_date_time_get_second(dt));
    s->cmos[RTC_MINUTES] = rtc_encode(s, g_date_time_get_minute(dt));
    s->cmos[RTC_HOURS] = rtc_encode_hour(s, g_date_time_get_hour(dt));
    s->cmos[RTC_DAY_OF_WEEK] =
        rtc_encode(s, g_date_time_get_day_of_week(dt) % 7 + 1);
    s->cmos[RTC_DAY_OF_MONTH] =
        rtc_encode(s, g_date_time_get_day_of_month(dt));
    s->cmos[RTC_MONTH] = rtc_encode(s, g_date_time_get_month(dt));
    s->cmos[RTC_YEAR] = rtc_encode(s, year % 100);
    s->cmos[RTC_CENTURY] = rtc_encode(s, year / 100);
}

/* The clock counts nanoseconds from 1970 in an int64_t (1678 to 2262):
 * dates from these years fit with decades of run time to spare. */
#define RTC_MIN_YEAR    1700
#define RTC_MAX_YEAR    2199

/* Set the clock from the time registers, keeping the divider's phase. */
static void rtc_resync(RtcState *s, int64_t now)
{
    int64_t phase = rtc_guest_ns(s, now) % NANOSECONDS_PER_SECOND;
    int hour = rtc_decode_hour(s, s->cmos[RTC_HOURS]);
    int year = rtc_decode(s, s->cmos[RTC_CENTURY]) * 100 +
               rtc_decode(s, s->cmos[RTC_YEAR]);
    g_autoptr(GDateTime) dt = g_date_time_new_utc(
        year, rtc_decode(s, s->cmos[RTC_MONTH]),
        rtc_decode(s, s->cmos[RTC_DAY_OF_MONTH]), hour,
        rtc_decode(s, s->cmos[RTC_MINUTES]),
        rtc_decode(s, s->cmos[RTC_SECONDS]));
    int64_t guest;

    if (!dt) {
        ks_log_mask(LOG_GUEST_ERROR, "mc146818: time registers hold no "
                    "valid date; clock left as it was\n");
        return;
    }
    if (year < RTC_MIN_YEAR || year > RTC_MAX_YEAR) {
        ks_log_mask(LOG_GUEST_ERROR, "mc146818: year %d is outside %d-%d, "
                    "which the clock keeps; clock left as it was\n", year,
                    RTC_MIN_YEAR, RTC_MAX_YEAR);
        return;
    }
    guest = g_date_time_to_unix(dt) * NANOSECONDS_PER_SECOND +
            (phase < 0 ? phase + NANOSECONDS_PER_SECOND : phase);
    s->offset_ns = guest - now;
    s->frozen_ns = guest;
    ks_trace(rtc, "clock set to %04d-%02d-%02d %02d:%02d:%02d", year,
             g_date_time_get_month(dt), g_date_time_get_day_of_month(dt),
             hour, g_date_time_get_minute(dt), g_date_time_get_second(dt));
}

/* An alarm byte matches when equal or "don't care" (11xxxxxx). */
static bool rtc_alarm_byte(uint8_t alarm, uint8_t now)
{
    return (alarm & 0xc0) == 0xc0 || alarm == now;
}

static bool rtc_alarm_at(RtcState *s, int64_t sec)
{
    int64_t tod = sec - floor_div(sec, RTC_DAY) * RTC_DAY;

    return rtc_alarm_byte(s->cmos[RTC_SECONDS_ALARM],
                          rtc_encode(s, tod % 60)) &&
           rtc_alarm_byte(s->cmos[RTC_MINUTES_ALARM],
                          rtc_encode(s, tod / 60 % 60)) &&
           rtc_alarm_byte(s->cmos[RTC_HOURS_ALARM],
                          rtc_encode_hour(s, tod / 3600));
}

/* Raise the C flags for what happened in (flags_ns, now]. */
static void rtc_collect_flags(RtcState *s, int64_t now)
{
    int64_t g0 = rtc_guest_ns(s, s->flags_ns), g1 = rtc_guest_ns(s, now);
    int64_t period = rtc_period_ticks(s);
    uint8_t *c = &s->cmos[RTC_REG_C];

    if (now > s->flags_ns && rtc_running(s)) {
        if (period && floor_div(rtc_to_ticks(g1), period) >
                      floor_div(rtc_to_ticks(g0), period)) {
            *c |= RTC_C_PF;
        }
        if (!(s->cmos[RTC_REG_B] & RTC_B_SET)) {
            int64_t s0 = floor_div(g0, NANOSECONDS_PER_SECOND);
            int64_t s1 = floor_div(g1, NANOSECONDS_PER_SECOND);

            if (s1 > s0) {
                *c |= RTC_C_UF;
            }
            for (int64_t t = MAX(s0 + 1, s1 - RTC_DAY + 1); t <= s1; t++) {
                if (rtc_alarm_at(s, t)) {
                    *c |= RTC_C_AF;
                    break;
                }
            }
        }
    }
    s->flags_ns = MAX(s->flags_ns, now);
}

/* IRQF = PF.PIE + AF.AIE + UF.UIE; IRQ 8 follows IRQF. */
static void rtc_update_irq(RtcState *s)
{
    uint8_t *c = &s->cmos[RTC_REG_C];

    if (*c & s->cmos[RTC_REG_B] & (RTC_C_PF | RTC_C_AF | RTC_C_UF)) {
        *c |= RTC_C_IRQF;
    }
    if (!!(*c & RTC_C_IRQF) != s->irq.level) {
        ks_trace(rtc, "IRQ %d (C 0x%02x)", !!(*c & RTC_C_IRQF), *c);
        irq_set(&s->irq, !!(*c & RTC_C_IRQF));
    }
}

static void rtc_update_flags(RtcState *s, int64_t now)
{
    rtc_collect_flags(s, now);
    rtc_update_irq(s);
}

/* Arm the timer for the next event that could raise IRQ 8. */
static void rtc_arm(RtcState *s, int64_t now)
{
    uint8_t b = s->cmos[RTC_REG_B];
    int64_t g = rtc_guest_ns(s, now), period = rtc_period_ticks(s);
    int64_t next = -1;

    if (!rtc_running(s) || (s->cmos[RTC_REG_C] & RTC_C_IRQF)) {
        timer_del(s->timer);
        return;
    }
    if ((b & RTC_B_PIE) && period) {
        next = rtc_tick_ns((floor_div(rtc_to_ticks(g), period) + 1) *
                           period);
    }
    if ((b & (RTC_B_UIE | RTC_B_AIE)) && !(b & RTC_B_SET)) {
        int64_t sec = (floor_div(g, NANOSECONDS_PER_SECOND) + 1) *
                      NANOSECONDS_PER_SECOND;
        next = next < 0 ? sec : MIN(next, sec);
    }
    if (next < 0) {
        timer_del(s->timer);
        return;
    }
    s->timer_due = next - s->offset_ns;
    timer_mod_ns(s->timer, s->timer_due);
}

static void rtc_timer_cb(void *opaque)
{
    RtcState *s = opaque;

    rtc_update_flags(s, s->timer_due);
    rtc_arm(s, s->timer_due);
}

static uint8_t rtc_read_reg(RtcState *s, int64_t now)
{
    uint8_t val;

    switch (s->index) {
    case RTC_SECONDS:
    case RTC_MINUTES:
    case RTC_HOURS:
    case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH:
    case RTC_MONTH:
    case RTC_YEAR:
    case RTC_CENTURY:
        rtc_refresh_regs(s, now);
        return s->cmos[s->index];
    case RTC_REG_A:
        val = s->cmos[RTC_REG_A] & ~RTC_A_UIP;
        if (rtc_running(s) && !(s->cmos[RTC_REG_B] & RTC_B_SET) &&
            rtc_guest_ns(s, now) % NANOSECONDS_PER_SECOND >=
            NANOSECONDS_PER_SECOND - RTC_UIP_NS) {
            val |= RTC_A_UIP;
        }
        return val;
    case RTC_REG_C:
        rtc_collect_flags(s, now);      /* flags due now, no IRQ pulse */
        val = s->cmos[RTC_REG_C];
        if (val & s->cmos[RTC_REG_B] & (RTC_C_PF | RTC_C_AF | RTC_C_UF)) {
            val |= RTC_C_IRQF;
        }
        s->cmos[RTC_REG_C] = 0;
        rtc_update_irq(s);              /* lowers IRQ 8 */
        rtc_arm(s, now);
        return val;
    default:
        return s->cmos[s->index];
    }
}

static void rtc_write_reg_a(RtcState *s, uint8_t val, int64_t now)
{
    bool was_running = rtc_running(s);
    int dv = val >> RTC_A_DV_SHIFT & 7;

    if (dv != RTC_DV_32K && (dv & 6) != 6) {
        ks_log_mask(LOG_UNIMP, "mc146818: divider %d runs as 32.768 kHz\n",
                    dv);
    }
    if (was_running) {
        s->frozen_ns = rtc_guest_ns(s, now);
    }
    s->cmos[RTC_REG_A] = val & ~RTC_A_UIP;
    if (!was_running && rtc_running(s)) {
        /* out of divider reset: the first update comes 500 ms later */
        s->offset_ns = floor_div(s->frozen_ns, NANOSECONDS_PER_SECOND) *
                       NANOSECONDS_PER_SECOND +
                       NANOSECONDS_PER_SECOND / 2 - now;
    }
}

static void rtc_write_reg_b(RtcState *s, uint8_t val, int64_t now)
{
    uint8_t old = s->cmos[RTC_REG_B];

    if ((val & RTC_B_SET) && !(old & RTC_B_SET)) {
        rtc_refresh_regs(s, now);       /* SET freezes what they show */
        val &= ~RTC_B_UIE;
    }
    if (val & RTC_B_DSE) {
        ks_log_mask(LOG_UNIMP, "mc146818: daylight saving not applied\n");
    }
    s->cmos[RTC_REG_B] = val;
    if (!(val & RTC_B_SET) && (old & RTC_B_SET)) {
        rtc_resync(s, now);
    }
}

static void rtc_write_reg(RtcState *s, uint8_t val, int64_t now)
{
    rtc_collect_flags(s, now);          /* what happened before the write */
    switch (s->index) {
    case RTC_SECONDS:
    case RTC_MINUTES:
    case RTC_HOURS:
    case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH:
    case RTC_MONTH:
    case RTC_YEAR:
    case RTC_CENTURY:
        rtc_refresh_regs(s, now);
        s->cmos[s->index] = val;
        if (!(s->cmos[RTC_REG_B] & RTC_B_SET)) {
            rtc_resync(s, now);
        }
        break;
    case RTC_REG_A:
        rtc_write_reg_a(s, val, now);
        break;
    case RTC_REG_B:
        rtc_write_reg_b(s, val, now);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        ks_log_mask(LOG_GUEST_ERROR, "mc146818: write 0x%02x to read-only "
                    "register %c\n", val, 'A' + s->index - RTC_REG_A);
        break;
    default:
        s->cmos[s->index] = val;        /* alarms and CMOS RAM */
        break;
    }
    rtc_update_flags(s, now);           /* new enables may raise IRQ 8 */
    rtc_arm(s, now);
}

static uint64_t rtc_read(void *opaque, hwaddr addr, unsigned size)
{
    RtcState *s = opaque;
    uint8_t val;

    if (addr == 0) {
        return 0xff;                    /* the index port is write-only */
    }
    val = rtc_read_reg(s, clock_ns(CLOCK_VIRTUAL));
    ks_trace(rtc, "read 0x%02x -> 0x%02x", s->index, val);
    return val;
}

static void rtc_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    RtcState *s = opaque;

    if (addr == 0) {
        s->index = val & (RTC_CMOS_SIZE - 1);
        s->nmi_masked = val & 0x80;
        return;
    }
    ks_trace(rtc, "write 0x%02x <- 0x%02x", s->index, (uint8_t)val);
    rtc_write_reg(s, val, clock_ns(CLOCK_VIRTUAL));
}

static const MemRegionOps rtc_ops = {
    .read = rtc_read,
    .write = rtc_write,
    .min_access = 1,
    .max_access = 1,
};

void rtc_set_cmos(Device *dev, int index, uint8_t val)
{
    RtcState *s = container_of(dev, RtcState, dev);

    g_assert(index >= 0 && index < RTC_CMOS_SIZE);
    s->cmos[index] = val;
}

/* Guest time at start: "utc", "localtime" or "YYYY-MM-DD[THH:MM:SS]". */
static bool rtc_parse_base(const char *base, int64_t *guest_ns,
                           GError **errp)
{
    int y = 0, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    g_autoptr(GDateTime) dt = NULL;

    if (!strcmp(base, "utc")) {
        *guest_ns = clock_ns(CLOCK_WALL);
        return true;
    }
    if (!strcmp(base, "localtime")) {
        dt = g_date_time_new_now_local();
        *guest_ns = clock_ns(CLOCK_WALL) +
                    g_date_time_get_utc_offset(dt) * 1000;
        return true;
    }
    if ((sscanf(base, "%d-%d-%dT%d:%d:%d%n", &y, &mo, &d, &h, &mi, &sec,
                &n) == 6 && !base[n]) ||
        (sscanf(base, "%d-%d-%d%n", &y, &mo, &d, &n) == 3 && !base[n])) {
        dt = g_date_time_new_utc(y, mo, d, h, mi, sec);
    }
    if (!dt || y < 1970 || y > RTC_MAX_YEAR) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "mc146818rtc: base=%s: expected utc, localtime or a "
                    "date like 2006-06-17T16:01:21 (from 1970 to %d)", base,
                    RTC_MAX_YEAR);
        return false;
    }
    *guest_ns = g_date_time_to_unix(dt) * NANOSECONDS_PER_SECOND;
    return true;
}

/* The RESET pin: enables and flags clear; time and CMOS RAM survive. */
static void rtc_reset(Device *dev)
{
    RtcState *s = container_of(dev, RtcState, dev);
    int64_t now = clock_ns(CLOCK_VIRTUAL);

    rtc_collect_flags(s, now);
    s->cmos[RTC_REG_B] &= ~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
    s->cmos[RTC_REG_C] = 0;
    rtc_update_irq(s);
    rtc_arm(s, now);
}

static bool rtc_realize(Device *dev, GError **errp)
{
    RtcState *s = container_of(dev, RtcState, dev);
    int64_t now = clock_ns(CLOCK_VIRTUAL), guest;

    if (!rtc_parse_base(s->base, &guest, errp)) {
        return false;
    }
    s->offset_ns = guest - now;
    s->flags_ns = now;
    s->cmos[RTC_REG_A] = RTC_DV_32K << RTC_A_DV_SHIFT | 6;   /* 1024 Hz */
    s->cmos[RTC_REG_B] = RTC_B_24H;
    s->cmos[RTC_REG_D] = RTC_D_VRT;
    rtc_refresh_regs(s, now);
    mr_init_io(&s->io, &rtc_ops, s, "rtc", 2);
    isa_init_region(dev, &s->io, 0);
    dev_init_irq_out(dev, &s->irq, 1);
    s->timer = timer_new_ns(CLOCK_VIRTUAL, rtc_timer_cb, s);
    return true;
}

static void rtc_unrealize(Device *dev)
{
    RtcState *s = container_of(dev, RtcState, dev);

    isa_unplug(dev);
    timer_free(s->timer);
}

static const PropDesc rtc_props[] = {
    DEV_PROP(RtcState, base, "base", PROP_STR, "utc",
             "start time: utc, localtime or 2006-06-17T16:01:21"),
    DEV_PROP(RtcState, iobase, "iobase", PROP_U16, "0x70", "index port"),
    DEV_PROP(RtcState, irq_num, "irq", PROP_U8, "8", "ISA IRQ"),
    DEV_PROP_END,
};

static const DeviceType rtc_type = {
    .name = "mc146818rtc",
    .desc = "MC146818A real-time clock and CMOS RAM",
    .bus = "isa",
    .instance_size = sizeof(RtcState),
    .realize = rtc_realize,
    .reset = rtc_reset,
    .unrealize = rtc_unrealize,
    .props = rtc_props,
};
DEVICE_TYPE_REGISTER(rtc_type);
