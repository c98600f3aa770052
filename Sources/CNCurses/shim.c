#include "cncurses.h"
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

static SCREEN *screen = NULL;
static int started = 0;
static struct sigaction previous[32];
static const int crash_signals[] = {SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT};

// A Swift trap would leave the terminal in the alternate screen with the cursor hidden (and the
// backtracer prompting there): restore the terminal, then hand the signal to whoever had it before.
static void crash_handler(int signal_number, siginfo_t *info, void *context) {
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
int cnc_key_btab(void) { return KEY_BTAB; }
