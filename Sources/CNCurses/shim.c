#include "cncurses.h"
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

static SCREEN *screen = NULL;
static int started = 0;
static struct sigaction previous[32];
static const int crash_signals[] = {SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT};

// The unsaved network, kept encoded so a crash can write it with async-signal-safe calls only. Two slots:
// the UI thread fills the one not published, then publishes it, so a crash while it writes still finds a
// whole buffer. Paths are fixed when recovery is set up.
struct recovery_slot { char *bytes; size_t length; char *source; size_t source_length; };
static struct recovery_slot slots[2];
static int published = -1;   // index of the slot a crash writes, -1 for nothing to save
static char json_path[4096], temporary_path[4096], source_path[4096];

static int copy_path(char *target, const char *directory, const char *name) {
    int written = snprintf(target, 4096, "%s/%s", directory, name);
    return written > 0 && written < 4096;
}

int cnc_recovery_paths(const char *directory) {
    return copy_path(json_path, directory, "recovery.json") && copy_path(temporary_path, directory, "recovery.json.partial")
        && copy_path(source_path, directory, "recovery.source") ? 0 : -1;
}

void cnc_recovery_set(const char *json, size_t length, const char *source, size_t source_length) {
    if (json == NULL) { __atomic_store_n(&published, -1, __ATOMIC_SEQ_CST); return; }
    int next = __atomic_load_n(&published, __ATOMIC_SEQ_CST) == 0 ? 1 : 0;
    struct recovery_slot *slot = &slots[next];
    free(slot->bytes);
    free(slot->source);
    slot->bytes = malloc(length ? length : 1);
    slot->source = malloc(source_length ? source_length : 1);
    if (slot->bytes == NULL || slot->source == NULL) { slot->length = 0; slot->source_length = 0; return; }
    memcpy(slot->bytes, json, length);
    memcpy(slot->source, source, source_length);
    slot->length = length;
    slot->source_length = source_length;
    __atomic_store_n(&published, next, __ATOMIC_SEQ_CST);
}

// write(2) until done or failed.
static int write_all(int fd, const char *bytes, size_t length) {
    while (length > 0) {
        ssize_t n = write(fd, bytes, length);
        if (n <= 0) return -1;
        bytes += n;
        length -= (size_t)n;
    }
    return 0;
}

// Writes the published network beside its source path: open, write, fsync, rename — all async-signal-safe.
static void write_recovery(void) {
    int index = __atomic_load_n(&published, __ATOMIC_SEQ_CST);
    if (index < 0 || json_path[0] == 0) return;
    struct recovery_slot *slot = &slots[index];
    // O_NONBLOCK: a FIFO put where the file goes must not hang the crash path.
    int fd = open(source_path, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK, 0600);
    if (fd >= 0) { write_all(fd, slot->source, slot->source_length); close(fd); }
    fd = open(temporary_path, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK, 0600);
    if (fd < 0) return;
    int ok = write_all(fd, slot->bytes, slot->length) == 0 && fsync(fd) == 0;
    close(fd);
    // a write that failed (disk full) leaves no partial file behind; unlink is async-signal-safe
    if (!ok || rename(temporary_path, json_path) != 0) unlink(temporary_path);
}

// A Swift trap would leave the terminal in the alternate screen with the cursor hidden (and the
// backtracer prompting there), and lose unsaved edits: write them to the recovery file, restore the
// terminal, then hand the signal to whoever had it before.
static void crash_handler(int signal_number, siginfo_t *info, void *context) {
    write_recovery();
    if (started) { endwin(); started = 0; }
    struct sigaction *old = &previous[signal_number];
    if (old->sa_flags & SA_SIGINFO) {
        if (old->sa_sigaction) { old->sa_sigaction(signal_number, info, context); return; }
    } else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN && old->sa_handler != NULL) {
        old->sa_handler(signal_number);
        return;
    }
    sigaction(signal_number, old, NULL);
    raise(signal_number);
}

static void install_crash_handler(void) {
    for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_sigaction = crash_handler;
        action.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
        sigemptyset(&action.sa_mask);
        sigaction(crash_signals[i], &action, &previous[crash_signals[i]]);
    }
}

int cnc_start(void) {
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) return CNC_NOT_A_TTY;
    screen = newterm(NULL, stdout, stdin);
    if (screen == NULL) return CNC_NO_TERMINAL;
    set_term(screen);
    started = 1;
    install_crash_handler();
    raw();   /* Ctrl-C arrives as a key, so quitting with unsaved edits asks first; SIGINT still restores */
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    if (has_colors()) { start_color(); use_default_colors(); }
    return CNC_OK;
}

void cnc_stop(void) {
    if (!started) return;
    started = 0;
    endwin();
    if (screen) { delscreen(screen); screen = NULL; }
}

int cnc_lines(void) { return LINES; }
int cnc_cols(void) { return COLS; }
int cnc_colors(void) { return COLORS; }
int cnc_color_pairs(void) { return COLOR_PAIRS; }
int cnc_init_pair(int pair, int fg, int bg) { return init_extended_pair(pair, fg, bg); }

void cnc_put(int y, int x, uint32_t character, int pair, int attributes) {
    wchar_t text[2] = {(wchar_t)character, 0};
    attr_t attrs = A_NORMAL;
    if (attributes & CNC_BOLD) attrs |= A_BOLD;
    if (attributes & CNC_REVERSE) attrs |= A_REVERSE;
    if (attributes & CNC_UNDERLINE) attrs |= A_UNDERLINE;
    cchar_t cell;
    // The pair travels through the opts pointer: COLOR_PAIR() would keep only 8 bits of it.
    setcchar(&cell, text, attrs, 0, &pair);
    mvadd_wch(y, x, &cell);
}

void cnc_clear(void) { clearok(stdscr, TRUE); }
void cnc_refresh(void) { refresh(); }

int cnc_read(int timeout_ms, uint32_t *code) {
    timeout(timeout_ms);
    wint_t value = 0;
    int kind = get_wch(&value);
    if (kind == ERR) return CNC_NONE;
    *code = (uint32_t)value;
    return kind == KEY_CODE_YES ? CNC_KEY : CNC_CHAR;
}

int cnc_key_resize(void) { return KEY_RESIZE; }
int cnc_key_mouse(void) { return KEY_MOUSE; }

void cnc_enable_mouse(void) {
    mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    mouseinterval(0);
}

int cnc_mouse(int *x, int *y) {
    MEVENT event;
    if (getmouse(&event) != OK) return CNC_MOUSE_NONE;
    *x = event.x;
    *y = event.y;
    if (event.bstate & BUTTON4_PRESSED) return CNC_MOUSE_WHEEL_UP;
    if (event.bstate & BUTTON5_PRESSED) return CNC_MOUSE_WHEEL_DOWN;
    if (event.bstate & BUTTON1_PRESSED) return CNC_MOUSE_PRESS;
    return CNC_MOUSE_NONE;
}
int cnc_key_btab(void) { return KEY_BTAB; }
