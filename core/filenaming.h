#pragma once

#include <QByteArrayView>
#include <QString>
#include <QUrl>

// Turning what a server or URL says into a file name that is safe to create in the target folder.
// Everything here is a pure function: no I/O, safe on any thread, fuzzed.
namespace heiko::naming {

// Longest name chooseFileName() returns, in UTF-8 bytes. It leaves room under the usual 255-byte limit
// for " (9999)" and ".part".
inline constexpr int kMaxNameBytes = 240;

// The file name an RFC 6266 Content-Disposition value carries: `filename*` (RFC 8187 ext-value, UTF-8 or
// ISO-8859-1) wins over `filename` whatever their order. Returns an empty string when the header has no
// name or is malformed (per RFC 6266/tc2231), so that the caller falls back to the URL: never a
// half-parsed name. The result is NOT sanitised.
// Notes: any disposition type may carry the name (inline too). Two filename (or two filename*)
// parameters make the header malformed; an ext-value that does not decode, or arrives quoted, is ignored
// in favour of filename. RFC 2231 continuations (filename*0=) are ignored, and percent signs in a plain
// filename are not decoded. Raw bytes in a quoted filename are taken as UTF-8 when they are valid UTF-8
// (as browsers do; tc2231 attwithutf8fnplain would want ISO-8859-1), else as ISO-8859-1.
QString fileNameFromContentDisposition(QByteArrayView headerValue);

// The last segment of the URL's path, percent-decoded, without query or fragment; empty when the path is
// empty or ends in '/'. NOT sanitised.
// Notes: the segment is cut from the encoded path before decoding, so "..%2F..%2Fetc%2Fpasswd" gives
// "../../etc/passwd" (which the sanitiser reduces to "passwd"). Bytes that are not UTF-8 are ISO-8859-1.
QString fileNameFromUrl(const QUrl &url);

// Reduces any string to a plain file name that is safe to create on Linux, Windows and macOS: no path
// separators (a name that was a path keeps its last component), no "." or "..", no leading dots, no
// control, NUL or bidi-override/format characters, none of <>:"/\|?*, not a Windows reserved device name
// (CON, NUL.txt, COM1 ... get a leading '_'), trailing dots and spaces trimmed, at most maxUtf8Bytes of
// UTF-8 cut on a character boundary with the extension kept. Returns an empty string when nothing usable
// is left.
// Notes: the result is NFC. "Format characters" means Unicode category Cf (plus line/paragraph
// separators, noncharacters, lone surrogates and the invisible Hangul fillers); leading whitespace is
// trimmed like leading dots. An extension longer than 32 bytes is not kept. Runs of more than 30
// combining marks are shortened (UAX #15 stream-safe), which keeps the function linear on any input.
QString sanitizeFileName(const QString &name, int maxUtf8Bytes = kMaxNameBytes);

// The name to save a response under: the Content-Disposition name, else the URL's last path segment,
// else "download"; always sanitised and never empty.
QString chooseFileName(QByteArrayView contentDisposition, const QUrl &url);

// "name (n).ext" for n >= 1 ("name.ext" for n == 0). Compound archive extensions stay together:
// "a.tar.gz" -> "a (1).tar.gz". The result stays within kMaxNameBytes + 7 bytes.
// Notes: .tar.gz/.tar.bz2/.tar.xz/.tar.zst are the compound extensions; a leading dot starts no
// extension (".bashrc" -> ".bashrc (1)"). n <= 0 adds no number. The stem is cut (for any n) when a long name
// or a number beyond 9999 would pass the limit.
QString numberedFileName(const QString &name, int n);

// A folder below the target folder, from a list's `dir=` (which may come from anyone): a relative path
// whose every component is sanitised like a file name. Returns an empty string when the path is absolute
// (/x, C:\x, \\server), climbs out with "..", or has nothing usable; the caller then refuses it.
QString safeSubfolder(const QString &relativePath);

} // namespace heiko::naming
