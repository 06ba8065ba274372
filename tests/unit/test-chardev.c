/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the character back-ends (system/chardev*.c): null, file,
 * pty, tcp and unix sockets as server and client, input flow control
 * (can_read and chardev_accept_input), the mux with its Ctrl-A keys, and
 * the errors bad specs give. Sockets run on the GLib default main context,
 * which the tests iterate as the main loop would.
 */
#include "kestrel/osdep.h"
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <poll.h>
#include <termios.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "kestrel/chardev.h"
#include "kestrel/machine.h"

/* What a front-end received, and how much it accepts (-1: anything). */
typedef struct Sink {
    GString *got;
    int allow;
} Sink;

static ShutdownCause test_shutdown_cause;

/* The mux's Ctrl-A x ends up here instead of in system/runstate.c. */
void machine_request_shutdown(ShutdownCause cause)
{
    test_shutdown_cause = cause;
}

static int sink_can_read(void *opaque)
{
    Sink *s = opaque;

    return s->allow < 0 ? 4096 : s->allow;
}

static void sink_read(void *opaque, const uint8_t *buf, int len)
{
    Sink *s = opaque;

    g_string_append_len(s->got, (const char *)buf, len);
    if (s->allow >= 0) {
        g_assert_cmpint(len, <=, s->allow);
        s->allow -= len;
    }
}

/* Run the main loop until sink has want bytes (or about two seconds). */
static void wait_for(Sink *s, size_t want)
{
    for (int i = 0; i < 2000 && s->got->len < want; i++) {
        while (g_main_context_iteration(NULL, false)) {
        }
        g_usleep(1000);
    }
    g_assert_cmpuint(s->got->len, ==, want);
}

static void spin(void)
{
    for (int i = 0; i < 20; i++) {
        while (g_main_context_iteration(NULL, false)) {
        }
        g_usleep(1000);
    }
}

static char *read_peer(int fd, size_t want)
{
    GString *out = g_string_new(NULL);
    char buf[256];

    while (out->len < want) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        ssize_t n;

        g_assert_cmpint(poll(&pfd, 1, 2000), ==, 1);
        n = read(fd, buf, MIN(sizeof(buf), want - out->len));
        g_assert_cmpint(n, >, 0);
        g_string_append_len(out, buf, n);
    }
    return g_string_free(out, false);
}

static int tcp_connect(int port)
{
    struct sockaddr_in sin = { .sin_family = AF_INET,
                               .sin_port = htons(port) };
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    return fd;
}

/* The port a "tcp:127.0.0.1:0,server=on" chardev got from the kernel. */
static int chardev_port(Chardev *chr)
{
    const char *name = chardev_filename(chr);
    int port = 0;

    g_assert_true(g_str_has_prefix(name, "tcp:127.0.0.1:"));
    port = atoi(name + strlen("tcp:127.0.0.1:"));
    g_assert_cmpint(port, >, 0);
    return port;
}

static void test_null(void)
{
    GError *err = NULL;
    Chardev *chr = chardev_new_from_spec("null", "n0", &err);

    g_assert_no_error(err);
    g_assert_cmpint(chardev_write(chr, (const uint8_t *)"abc", 3), ==, 3);
    g_assert_cmpstr(chardev_filename(chr), ==, "null");
    g_assert_true(chardev_find("n0") == chr);
    g_assert_null(chardev_new_from_spec("none", "n1", &err));
    g_assert_no_error(err);
    chardev_close_all();
    g_assert_null(chardev_find("n0"));
}

/* QEMU's "/dev/X" short form: a host device read and written (serial). */
static void test_dev_path(void)
{
    g_autofree char *opts = NULL;
    GError *err = NULL;
    Chardev *chr = chardev_new_from_spec("/dev/null", "d0", &err);

    g_assert_no_error(err);
    g_assert_cmpstr(chardev_filename(chr), ==, "serial:/dev/null");
    g_assert_cmpint(chardev_write(chr, (const uint8_t *)"x", 1), ==, 1);
    spin();                             /* end of input: nothing arrives */
    chardev_close_all();
    opts = chardev_spec_to_opts("/dev/tty,S0", "d1", false, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(opts, ==, "serial,id=d1,path=/dev/tty,,S0");
}

static void test_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("kestrel-chr-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "out,1.txt", NULL);
    g_autofree char *spec = g_strdup_printf("file:%s", path);
    g_autofree char *opts = NULL;
    g_autofree char *data = NULL;
    GError *err = NULL;
    Chardev *chr = chardev_new_from_spec(spec, "f0", &err);

    g_assert_no_error(err);
    g_assert_cmpstr(chardev_filename(chr), ==, spec);
    chardev_write(chr, (const uint8_t *)"hello ", 6);
    chardev_write(chr, (const uint8_t *)"world\n", 6);
    chardev_close_all();
    g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
    g_assert_cmpstr(data, ==, "hello world\n");
    g_clear_pointer(&data, g_free);

    /* -chardev form with append=on keeps what is there; ",," escapes. */
    opts = chardev_spec_to_opts(spec, "f1", false, &err);
    g_assert_no_error(err);
    g_assert_true(g_str_has_suffix(opts, "out,,1.txt"));
    g_clear_pointer(&opts, g_free);
    opts = g_strdup_printf("file,id=f1,append=on,path=%s/out,,1.txt", dir);
    chr = chardev_new_from_opts(opts, &err);
    g_assert_no_error(err);
    chardev_write(chr, (const uint8_t *)"more\n", 5);
    chardev_close_all();
    g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
    g_assert_cmpstr(data, ==, "hello world\nmore\n");
    unlink(path);
    rmdir(dir);
}

static void test_tcp_server(void)
{
    Sink sink = { g_string_new(NULL), -1 };
    GError *err = NULL;
    Chardev *chr = chardev_new_from_spec("tcp:127.0.0.1:0,server=on,"
                                         "wait=off,nodelay=on", "s0", &err);
    g_autofree char *reply = NULL;
    int port, fd;

    g_assert_no_error(err);
    port = chardev_port(chr);
    chardev_set_handlers(chr, sink_can_read, sink_read, &sink);
    /* Nobody connected: output is dropped, never blocks. */
    g_assert_cmpint(chardev_write(chr, (const uint8_t *)"lost", 4), ==, 4);

    fd = tcp_connect(port);
    g_assert_cmpint(write(fd, "abc", 3), ==, 3);
    wait_for(&sink, 3);
    g_assert_cmpstr(sink.got->str, ==, "abc");
    chardev_write(chr, (const uint8_t *)"xyz", 3);
    reply = read_peer(fd, 3);
    g_assert_cmpstr(reply, ==, "xyz");

    /* A front-end that is full: input waits in the chardev. */
    sink.allow = 0;
    g_assert_cmpint(write(fd, "12345", 5), ==, 5);
    spin();
    g_assert_cmpstr(sink.got->str, ==, "abc");
    sink.allow = 2;
    chardev_accept_input(chr);
    wait_for(&sink, 5);
    g_assert_cmpstr(sink.got->str, ==, "abc12");
    sink.allow = -1;
    chardev_accept_input(chr);
    wait_for(&sink, 8);
    g_assert_cmpstr(sink.got->str, ==, "abc12345");

    /* The client leaves; the server takes the next one. */
    close(fd);
    spin();
    fd = tcp_connect(port);
    g_assert_cmpint(write(fd, "again", 5), ==, 5);
    wait_for(&sink, 13);
    g_assert_cmpstr(sink.got->str + 8, ==, "again");
    close(fd);
    chardev_close_all();
    g_string_free(sink.got, true);
}

static void test_tcp_client(void)
{
    Sink sink = { g_string_new(NULL), -1 };
    GError *err = NULL;
    Chardev *server = chardev_new_from_opts("socket,id=srv,host=127.0.0.1,"
                                            "port=0,server,nowait", &err);
    g_autofree char *opts = NULL;
    Chardev *client;

    g_assert_no_error(err);
    chardev_set_handlers(server, sink_can_read, sink_read, &sink);
    opts = g_strdup_printf("socket,id=cli,host=127.0.0.1,port=%d",
                           chardev_port(server));
    client = chardev_new_from_opts(opts, &err);
    g_assert_no_error(err);
    spin();                             /* the server accepts */
    chardev_write(client, (const uint8_t *)"ping", 4);
    wait_for(&sink, 4);
    g_assert_cmpstr(sink.got->str, ==, "ping");
    chardev_close_all();
    g_string_free(sink.got, true);
}

static void test_unix(void)
{
    g_autofree char *dir = g_dir_make_tmp("kestrel-chr-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "sock", NULL);
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off",
                                            path);
    g_autofree char *copts = g_strdup_printf("socket,id=uc,path=%s", path);
    Sink srv = { g_string_new(NULL), -1 }, cli = { g_string_new(NULL), -1 };
    GError *err = NULL;
    Chardev *server = chardev_new_from_spec(spec, "us", &err);
    Chardev *client;

    g_assert_no_error(err);
    g_assert_true(g_str_has_prefix(chardev_filename(server), "unix:"));
    chardev_set_handlers(server, sink_can_read, sink_read, &srv);
    client = chardev_new_from_opts(copts, &err);
    g_assert_no_error(err);
    chardev_set_handlers(client, sink_can_read, sink_read, &cli);
    spin();
    chardev_write(client, (const uint8_t *)"to-server", 9);
    wait_for(&srv, 9);
    chardev_write(server, (const uint8_t *)"to-client", 9);
    wait_for(&cli, 9);
    g_assert_cmpstr(srv.got->str, ==, "to-server");
    g_assert_cmpstr(cli.got->str, ==, "to-client");
    chardev_close_all();
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    rmdir(dir);
    g_string_free(srv.got, true);
    g_string_free(cli.got, true);
}

static void test_pty(void)
{
    Sink sink = { g_string_new(NULL), -1 };
    GError *err = NULL;
    Chardev *chr = chardev_new_from_spec("pty", "p0", &err);
    g_autofree char *got = NULL;
    int fd;

    if (!chr) {
        g_test_skip(err->message);
        g_error_free(err);
        return;
    }
    g_assert_true(g_str_has_prefix(chardev_filename(chr), "pty:/dev/"));
    chardev_set_handlers(chr, sink_can_read, sink_read, &sink);
    fd = open(chardev_filename(chr) + 4, O_RDWR | O_NOCTTY);
    g_assert_cmpint(fd, >=, 0);
    chardev_write(chr, (const uint8_t *)"out", 3);
    got = read_peer(fd, 3);
    g_assert_cmpstr(got, ==, "out");
    g_assert_cmpint(write(fd, "in", 2), ==, 2);
    wait_for(&sink, 2);
    g_assert_cmpstr(sink.got->str, ==, "in");
    close(fd);
    chardev_close_all();
    g_string_free(sink.got, true);
}

/* stdio on a pseudo-terminal: raw mode while open, restored at close. */
static void test_stdio(void)
{
    Sink sink = { g_string_new(NULL), -1 };
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    int saved_in = dup(STDIN_FILENO), saved_out = dup(STDOUT_FILENO);
    struct termios before, during, after;
    g_autofree char *out = NULL;
    GError *err = NULL;
    int out_pipe[2], slave;
    Chardev *chr;

    if (master < 0 || grantpt(master) || unlockpt(master)) {
        g_test_skip("no pseudo-terminals");
        return;
    }
    slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    g_assert_cmpint(pipe(out_pipe), ==, 0);
    dup2(slave, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    tcgetattr(STDIN_FILENO, &before);

    chr = chardev_new_from_opts("stdio,id=con,signal=off", &err);
    g_assert_no_error(err);
    tcgetattr(STDIN_FILENO, &during);
    g_assert_false(during.c_lflag & (ICANON | ECHO | ISIG));
    g_assert_null(chardev_new_from_spec("stdio", "again", &err));
    g_assert_cmpstr(err->message, ==, "stdio: already used by another "
                    "character device (mon:stdio shares it)");
    g_clear_error(&err);
    chardev_set_handlers(chr, sink_can_read, sink_read, &sink);
    g_assert_cmpint(write(master, "k\r", 2), ==, 2);
    wait_for(&sink, 2);
    g_assert_cmpstr(sink.got->str, ==, "k\r");  /* no CR -> NL mapping */
    chardev_write(chr, (const uint8_t *)"out", 3);
    out = read_peer(out_pipe[0], 3);
    g_assert_cmpstr(out, ==, "out");
    chardev_close_all();
    tcgetattr(STDIN_FILENO, &after);
    g_assert_cmpuint(after.c_lflag, ==, before.c_lflag);
    g_assert_cmpuint(after.c_iflag, ==, before.c_iflag);

    dup2(saved_in, STDIN_FILENO);
    dup2(saved_out, STDOUT_FILENO);
    close(saved_in);
    close(saved_out);
    close(out_pipe[0]);
    close(out_pipe[1]);
    close(slave);
    close(master);
    g_string_free(sink.got, true);
}

static void test_mux(void)
{
    Sink serial = { g_string_new(NULL), -1 };
    Sink monitor = { g_string_new(NULL), -1 };
    GError *err = NULL;
    Chardev *be = chardev_new_from_opts("socket,id=m0,host=127.0.0.1,"
                                        "port=0,server=on,wait=off,mux=on",
                                        &err);
    Chardev *ser, *mon;
    g_autofree char *out = NULL;
    g_autofree char *help = NULL;
    int fd;

    g_assert_no_error(err);
    mon = chardev_new_from_spec("chardev:m0", "mon", &err);
    ser = chardev_new_from_spec("chardev:m0", "serial0", &err);
    g_assert_no_error(err);
    g_assert_true(mon != ser);
    chardev_set_handlers(mon, sink_can_read, sink_read, &monitor);
    chardev_set_handlers(ser, sink_can_read, sink_read, &serial);
    fd = tcp_connect(chardev_port(be));
    spin();

    /* The last front-end to attach has the focus. */
    g_assert_cmpint(write(fd, "ls\r", 3), ==, 3);
    wait_for(&serial, 3);
    g_assert_cmpint(write(fd, "\x01" "cinfo\x01\x01", 8), ==, 8);
    wait_for(&monitor, 5);
    g_assert_cmpstr(monitor.got->str, ==, "info\x01");
    g_assert_cmpint(write(fd, "\x01" "cx", 3), ==, 3);
    wait_for(&serial, 4);
    g_assert_cmpstr(serial.got->str, ==, "ls\rx");

    /* Both front-ends write to the back-end. */
    chardev_write(ser, (const uint8_t *)"S", 1);
    chardev_write(mon, (const uint8_t *)"M", 1);
    out = read_peer(fd, 2);
    g_assert_cmpstr(out, ==, "SM");

    g_assert_cmpint(write(fd, "\x01h", 2), ==, 2);
    spin();
    help = read_peer(fd, 20);
    g_assert_nonnull(strstr(help, "C-a h"));

    test_shutdown_cause = SHUTDOWN_NONE;
    g_assert_cmpint(write(fd, "\x01x", 2), ==, 2);
    for (int i = 0; i < 2000 && !test_shutdown_cause; i++) {
        spin();
    }
    g_assert_cmpint(test_shutdown_cause, ==, SHUTDOWN_QUIT);
    close(fd);
    chardev_close_all();
    g_string_free(serial.got, true);
    g_string_free(monitor.got, true);
}

static void expect_error(Chardev *chr, GError *err, const char *msg)
{
    g_assert_null(chr);
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, msg);
    g_error_free(err);
}

/* A call that must fail with msg; expr sees the GError *err declared here. */
#define EXPECT_ERROR(expr, msg)                                         \
    do {                                                                \
        GError *err = NULL;                                             \
        Chardev *chr_ = (expr);                                         \
        expect_error(chr_, err, msg);                                   \
    } while (0)

static void test_errors(void)
{
    GError *err = NULL;
    char *id = NULL;

    EXPECT_ERROR(chardev_new_from_spec("bogus", "x", &err),
                 "bogus: unknown character device (stdio, pty, null, "
                 "file:PATH, /dev/DEVICE, tcp:HOST:PORT, unix:PATH, mon:DEV, "
                 "chardev:ID or none)");
    EXPECT_ERROR(chardev_new_from_spec("/dev/parport0", "x", &err),
                 "/dev/parport0: not supported by Kestrel");
    EXPECT_ERROR(chardev_new_from_opts("serial,id=s", &err),
                 "-chardev serial: path= is required");
    EXPECT_ERROR(chardev_new_from_spec("vc:80Cx24C", "x", &err),
                 "vc:80Cx24C: not supported by Kestrel");
    EXPECT_ERROR(chardev_new_from_spec("tcp:localhost", "x", &err),
                 "tcp:localhost: expected HOST:PORT");
    EXPECT_ERROR(chardev_new_from_spec("file:/nonexistent/dir/f", "x",
                                       &err),
                 "file:/nonexistent/dir/f: cannot open: No such file or "
                 "directory");
    EXPECT_ERROR(chardev_new_from_spec("chardev:nope", "x", &err),
                 "chardev:nope: no such chardev");
    EXPECT_ERROR(chardev_new_from_opts("null", &err),
                 "-chardev null: id= is required");
    EXPECT_ERROR(chardev_new_from_opts("nosuch,id=a", &err),
                 "-chardev nosuch,id=a: unknown back-end (-chardev help "
                 "lists them)");
    EXPECT_ERROR(chardev_new_from_opts("spicevmc,id=a", &err),
                 "-chardev spicevmc,id=a: back-end not supported by Kestrel");
    EXPECT_ERROR(chardev_new_from_opts("null,id=a,speed=9600", &err),
                 "-chardev speed=9600: unknown key 'speed'");
    g_assert_nonnull(chardev_new_from_opts("null,id=dup", &err));
    EXPECT_ERROR(chardev_new_from_opts("null,id=dup", &err),
                 "-chardev null,id=dup: id 'dup' is already used");
    g_assert_nonnull(chardev_new_from_spec("chardev:dup", "serial0", &err));
    EXPECT_ERROR(chardev_new_from_spec("chardev:dup", "serial1", &err),
                 "chardev:dup: already in use");
    EXPECT_ERROR(chardev_new_from_spec("tcp:127.0.0.1:1", "x", &err),
                 "tcp:127.0.0.1:1: cannot connect: Connection refused");
    chardev_close_all();

    g_assert_false(chardev_check_spec("-serial", "tcp::1,server=maybe",
                                      &err));
    g_assert_cmpstr(err->message, ==,
                    "-serial server=maybe: invalid boolean (use on or off)");
    g_clear_error(&err);
    g_assert_false(chardev_check_spec("-monitor", "telnet::4444", &err));
    g_assert_cmpstr(err->message, ==,
                    "-monitor telnet::4444: not supported by Kestrel");
    g_clear_error(&err);
    g_assert_true(chardev_check_spec("-serial", "mon:stdio", &err));
    g_assert_true(chardev_check_opts("socket,id=s,path=/tmp/x,server=on",
                                     &id, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(id, ==, "s");
    g_free(id);
    g_assert_null(chardev_find("s"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/system/chardev/null", test_null);
    g_test_add_func("/system/chardev/file", test_file);
    g_test_add_func("/system/chardev/dev-path", test_dev_path);
    g_test_add_func("/system/chardev/tcp-server", test_tcp_server);
    g_test_add_func("/system/chardev/tcp-client", test_tcp_client);
    g_test_add_func("/system/chardev/unix", test_unix);
    g_test_add_func("/system/chardev/pty", test_pty);
    g_test_add_func("/system/chardev/stdio", test_stdio);
    g_test_add_func("/system/chardev/mux", test_mux);
    g_test_add_func("/system/chardev/errors", test_errors);
    return g_test_run();
}
