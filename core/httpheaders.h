#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>

#include <chrono>
#include <optional>

// Strict parsers for the response headers that decide whether bytes are trusted. Each takes the raw
// header value as Qt delivers it (Qt joins repeated headers with ", ") and rejects anything ambiguous.
namespace heiko::http {

// Content-Length: a non-negative decimal that fits in 63 bits. Repeated identical values ("10, 10") are
// accepted (RFC 9110 §8.6); conflicting ("10, 12"), negative, signed or non-numeric ones are not.
std::optional<qint64> parseContentLength(QByteArrayView value);

struct ContentRange
{
    qint64 first = -1; // -1 for "bytes */TOTAL"
    qint64 last = -1;
    qint64 total = -1; // -1 for "bytes 0-9/*"
};

// Content-Range: "bytes FIRST-LAST/TOTAL", "bytes FIRST-LAST/*" or "bytes */TOTAL".
std::optional<ContentRange> parseContentRange(QByteArrayView value);

// An HTTP-date (RFC 9110 §5.6.7): IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", and the obsolete RFC 850
// "Sunday, 06-Nov-94 08:49:37 GMT" and asctime "Sun Nov  6 08:49:37 1994" forms; invalid when none fits.
QDateTime parseHttpDate(QByteArrayView value);

// Retry-After: delay-seconds or an HTTP-date (relative to `now`); never negative.
std::optional<std::chrono::milliseconds> parseRetryAfter(QByteArrayView value, const QDateTime &now);

// A strong entity tag ("abc"), not a weak one (W/"abc"): only strong validators may guard a resume.
bool isStrongEtag(QByteArrayView etag);
// RFC 9110 §8.8.3.2 weak comparison: the same opaque tag, whether or not either is marked weak (W/). An
// empty tag (not sent) matches anything: only two tags that say different things tell of another file.
bool etagsMatchWeakly(QByteArrayView a, QByteArrayView b);

// The standard reason phrase for a status code, for messages when the server sent none.
QByteArray reasonPhrase(int status);

} // namespace heiko::http
