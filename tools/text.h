/*
 * text.h - text from a database or a traced program, made safe to show.
 *
 * File names, program output and symbol names are bytes: they may hold
 * newlines, terminal escape sequences (ESC [ ...) and bytes that are not
 * UTF-8.  Everything badio prints for people (tables, messages) and its
 * CSV go through cli_escape(); its JSON goes through cli_json_clean().
 * The rules are docs/manual.md, "Output and odd bytes"; they live here
 * alone so that every output format shares them.
 */
#ifndef BADIO_TOOLS_TEXT_H
#define BADIO_TOOLS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Length of the well-formed UTF-8 sequence (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF) at s, of at most n bytes: 1 to
 * 4, or 0 if s[0] does not start one.
 */
size_t	cli_utf8_len(const unsigned char *s, size_t n);

/* True if s needs no escaping (cli_escape would return it unchanged). */
bool	cli_text_plain(const char *s);

/*
 * s with every byte that is not plain text escaped, C-style: "\\" for a
 * backslash, "\n", "\r", "\t", and "\xHH" (lower-case hex) for any other
 * control byte (0x00-0x1f, 0x7f, and the C1 controls U+0080-U+009F,
 * byte by byte) and for each byte that is not part of well-formed UTF-8.
 * Valid UTF-8 other than that is kept.  The result holds no control
 * byte and can be decoded back to the bytes exactly.  malloc'd; NULL for
 * NULL or without memory.
 */
char	*cli_escape(const char *s);

/*
 * Escape into buf (always NUL-terminated; cut at a whole escape when it
 * does not fit).  Returns buf.
 */
char	*cli_escape_buf(char *buf, size_t size, const char *s);

/*
 * Write s escaped to f, without allocating (any length); with
 * csv_quotes, every '"' is written twice, as inside a quoted CSV field.
 */
void	cli_escape_write(FILE *f, const char *s, bool csv_quotes);

/*
 * s as one shell word that reads back as exactly s: bare when it has
 * only letters, digits and _@%+=:,./- (and is not empty); in single
 * quotes ('\'' for a quote) when it is printable; else in $'...' with
 * the escapes of cli_escape plus \' (bash, zsh, ksh and POSIX.1-2024
 * sh read it).  Never holds a control byte.  malloc'd, NULL without
 * memory.
 */
char	*cli_shell_quote(const char *s);

/*
 * The JSON text json (as SQLite's json functions make it: bytes that
 * are not UTF-8 copied raw into strings) as valid UTF-8 JSON: in each
 * string, every byte that is not part of well-formed UTF-8 becomes
 * U+FFFD, and when that string is the value of an object member "K", a
 * member "K_hex" follows it with the exact bytes of the value in
 * lower-case hex.  Valid JSON is returned unchanged.  malloc'd, or NULL
 * without memory.
 */
char	*cli_json_clean(const char *json);

#endif /* BADIO_TOOLS_TEXT_H */
