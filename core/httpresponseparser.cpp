#include "httpresponseparser.h"

#include "asciichars.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string_view>

using namespace Qt::StringLiterals;

namespace heiko {

namespace {

// A chunk larger than this is either an attack or a bug; the bound also keeps size * 16 inside qint64.
constexpr qint64 kMaxChunkSize = qint64(1) << 62;
constexpr QByteArrayView kVersionPrefix("HTTP/1.");

bool isOws(char c)
{
    return c == ' ' || c == '\t';
}

// RFC 9110 §5.6.2 tchar, as a table: every byte of every header name goes through it.
constexpr std::array<bool, 256> kTchar = [] {
    std::array<bool, 256> table {};
    for (int c = 'a'; c <= 'z'; ++c)
        table[size_t(c)] = true;
    for (int c = 'A'; c <= 'Z'; ++c)
        table[size_t(c)] = true;
    for (int c = '0'; c <= '9'; ++c)
        table[size_t(c)] = true;
    for (const char c : std::string_view("!#$%&'*+-.^_`|~"))
        table[size_t(static_cast<unsigned char>(c))] = true;
    return table;
}();

bool isTchar(char c)
{
    return kTchar[static_cast<unsigned char>(c)];
}

QByteArrayView trimmedOws(QByteArrayView text)
{
    while (!text.isEmpty() && isOws(text.front()))
        text = text.sliced(1);
    while (!text.isEmpty() && isOws(text.back()))
        text.chop(1);
    return text;
}

bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && a.compare(b, Qt::CaseInsensitive) == 0;
}

// Calls `f` with each OWS-trimmed element of a comma-separated list, empty elements included.
template<typename F> void forEachElement(QByteArrayView list, F &&f)
{
    for (;;) {
        const qsizetype comma = list.indexOf(',');
        if (comma < 0) {
            f(trimmedOws(list));
            return;
        }
        f(trimmedOws(list.first(comma)));
        list = list.sliced(comma + 1);
    }
}

// Server bytes quoted in a log line: printable ASCII as is, everything else escaped, and bounded.
QString excerpt(QByteArrayView bytes)
{
    constexpr qsizetype kMaxShown = 80;
    QString out;
    for (qsizetype i = 0; i < std::min(bytes.size(), kMaxShown); ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\')
            out += QLatin1Char(static_cast<char>(c));
        else
            out += u"\\x%1"_s.arg(uint(c), 2, 16, QLatin1Char('0'));
    }
    if (bytes.size() > kMaxShown)
        out += u"…"_s;
    return out;
}

std::optional<qint64> parseDecimal(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 18) // 18 digits always fit in qint64
        return std::nullopt;
    qint64 value = 0;
    for (const char c : text) {
        if (!ascii::isDigit(c))
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

} // namespace

HttpResponseParser::HttpResponseParser(bool requestWasHead)
    : m_head(requestWasHead)
{ }

qsizetype HttpResponseParser::feed(QByteArrayView data, QByteArray *body)
{
    qsizetype pos = 0;
    while (pos < data.size() && m_state != State::Complete && m_state != State::Error) {
        const QByteArrayView rest = data.sliced(pos);
        switch (m_phase) {
        case Phase::StatusLine:
        case Phase::Headers:
        case Phase::ChunkSize:
        case Phase::Trailers: {
            const qsizetype used = feedLine(rest);
            if (used < 0)
                return pos;
            pos += used;
            break;
        }
        case Phase::LengthBody: {
            const auto n = qsizetype(std::min<qint64>(m_contentLength - m_bodyDelivered, rest.size()));
            deliver(rest.first(n), body);
            pos += n;
            if (m_bodyDelivered == m_contentLength)
                complete();
            break;
        }
        case Phase::CloseBody:
            deliver(rest, body);
            pos += rest.size();
            break;
        case Phase::ChunkData: {
            const auto n = qsizetype(std::min<qint64>(m_chunkRemaining, rest.size()));
            deliver(rest.first(n), body);
            pos += n;
            m_chunkRemaining -= n;
            if (m_chunkRemaining == 0)
                m_phase = Phase::ChunkDataCr;
            break;
        }
        case Phase::ChunkDataCr:
        case Phase::ChunkDataLf:
            // Strictly CRLF here, no bare LF: this is the only check that the chunk had the announced length.
            if (rest.front() != (m_phase == Phase::ChunkDataCr ? '\r' : '\n')) {
                fail(u"malformed chunked body: the chunk data was not followed by CRLF "
                     "(after %1 body bytes)"_s.arg(m_bodyDelivered));
                return pos;
            }
            ++pos;
            m_phase = m_phase == Phase::ChunkDataCr ? Phase::ChunkDataLf : Phase::ChunkSize;
            break;
        case Phase::Done:
            break;
        }
    }
    return pos;
}

qsizetype HttpResponseParser::feedHead(QByteArrayView data)
{
    qsizetype pos = 0;
    while (pos < data.size() && (m_phase == Phase::StatusLine || m_phase == Phase::Headers)) {
        const qsizetype used = feedLine(data.sliced(pos));
        if (used < 0)
            break;
        pos += used;
    }
    return pos;
}

qsizetype HttpResponseParser::feedLine(QByteArrayView data)
{
    // One segment: up to and including the next LF, or all of `data` when it holds none. Errors are raised at
    // the first byte that makes the input invalid, with the earliest one winning, so the outcome (and the
    // message) is the same however the bytes were split into feed() calls; the fuzz target checks that.
    const auto *newline = static_cast<const char *>(std::memchr(data.data(), '\n', size_t(data.size())));
    const qsizetype segmentLength = newline ? qsizetype(newline - data.data()) + 1 : data.size();
    const QByteArrayView segment = data.first(segmentLength);
    const qsizetype buffered = m_line.size();

    enum class Problem { None, NotHttp1, HeadTooLarge, LineTooLong };
    Problem problem = Problem::None;
    qsizetype problemAt = segmentLength;
    const auto consider = [&](qsizetype at, Problem what) {
        if (at < problemAt) {
            problemAt = at;
            problem = what;
        }
    };

    // Fail fast on something that is not HTTP/1.x (TLS, HTTP/2, HTTP/0.9 bodies) instead of buffering up to
    // a whole line of it.
    if (m_phase == Phase::StatusLine) {
        for (qsizetype i = buffered; i < kVersionPrefix.size() && i - buffered < segmentLength; ++i) {
            if (segment[i - buffered] != kVersionPrefix[i]) {
                consider(i - buffered, Problem::NotHttp1);
                break;
            }
        }
    }
    const bool countsSection = m_phase != Phase::ChunkSize;
    if (countsSection && m_sectionBytes + segmentLength > kMaxHeadBytes)
        consider(kMaxHeadBytes - m_sectionBytes, Problem::HeadTooLarge);
    // The bytes before the LF; one more than the limit is allowed while the line is open, as it may be the
    // CR.
    const qsizetype open = buffered + segmentLength - (newline ? 1 : 0);
    if (open > kMaxLineBytes + 1) {
        consider(kMaxLineBytes + 1 - buffered, Problem::LineTooLong);
    } else if (newline && open == kMaxLineBytes + 1) {
        const char last = segmentLength >= 2 ? segment[segmentLength - 2] : m_line.back();
        if (last != '\r')
            consider(segmentLength - 1, Problem::LineTooLong);
    }

    if (problem != Problem::None) {
        const bool trailer = m_phase == Phase::Trailers;
        switch (problem) {
        case Problem::NotHttp1: {
            const QByteArray start = m_line + segment.first(problemAt + 1);
            if (start.size() == 1 && (start[0] == '\x16' || start[0] == '\x15'))
                fail(u"the server answered with TLS (is this an https:// address?)"_s);
            else if (start.size() == kVersionPrefix.size() - 1 && ascii::isDigit(start.back()))
                fail(u"the server answered with an HTTP version other than 1.x (\"%1\")"_s.arg(
                    excerpt(start)));
            else
                fail(u"the server's response is not HTTP/1.x (it starts with \"%1\")"_s.arg(excerpt(start)));
            break;
        }
        case Problem::HeadTooLarge:
            fail(trailer ? u"the server's trailer section is larger than %1 KiB"_s.arg(kMaxHeadBytes / 1024)
                         : u"the server's response header is larger than %1 KiB"_s.arg(kMaxHeadBytes / 1024));
            break;
        case Problem::LineTooLong:
            fail(m_phase == Phase::ChunkSize
                     ? u"malformed chunk size: the line is longer than %1 KiB"_s.arg(kMaxLineBytes / 1024)
                     : u"the server sent a %1 line longer than %2 KiB"_s
                           .arg(m_phase == Phase::StatusLine ? u"status"_s
                                    : trailer                ? u"trailer"_s
                                                             : u"header"_s)
                           .arg(kMaxLineBytes / 1024));
            break;
        case Problem::None:
            break;
        }
        return -1;
    }

    if (countsSection)
        m_sectionBytes += segmentLength;
    if (!newline) {
        m_line.append(segment);
        return segmentLength;
    }
    QByteArrayView line = segment.first(segmentLength - 1);
    if (!m_line.isEmpty()) {
        m_line.append(line);
        line = m_line;
    }
    if (line.endsWith('\r'))
        line.chop(1);
    const bool ok = processLine(line);
    m_line.resize(0); // keeps the capacity for the next long line
    return ok ? segmentLength : -1;
}

bool HttpResponseParser::processLine(QByteArrayView line)
{
    const auto where = [this] {
        return m_phase == Phase::StatusLine ? u"status line"_s
            : m_phase == Phase::Headers     ? u"response header"_s
            : m_phase == Phase::Trailers    ? u"trailer section"_s
                                            : u"chunk size line"_s;
    };
    if (line.contains('\0')) {
        fail(u"the server sent a NUL byte in its %1"_s.arg(where()));
        return false;
    }
    if (line.contains('\r')) {
        fail(u"the server sent a stray carriage return in its %1"_s.arg(where()));
        return false;
    }
    switch (m_phase) {
    case Phase::StatusLine:
        return parseStatusLine(line);
    case Phase::Headers:
        return line.isEmpty() ? finishHead() : parseField(line, true);
    case Phase::ChunkSize:
        return parseChunkSize(line);
    case Phase::Trailers:
        if (line.isEmpty()) {
            complete();
            return true;
        }
        return parseField(line, false);
    default:
        return false;
    }
}

bool HttpResponseParser::parseStatusLine(QByteArrayView line)
{
    // HTTP/1.x SP 3DIGIT [SP reason]
    const bool wellFormed = line.size() >= 12 && line.startsWith(kVersionPrefix) && ascii::isDigit(line[7])
        && line[8] == ' ' && ascii::isDigit(line[9]) && ascii::isDigit(line[10]) && ascii::isDigit(line[11])
        && (line.size() == 12 || line[12] == ' ');
    if (!wellFormed) {
        fail(u"the server sent an invalid status line: \"%1\""_s.arg(excerpt(line)));
        return false;
    }
    const int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    if (status < 100 || status > 599) {
        fail(u"the server sent an invalid status code (%1)"_s.arg(status, 3, 10, QLatin1Char('0')));
        return false;
    }
    m_versionMinor = line[7] - '0';
    m_status = status;
    m_reason = line.size() > 13 ? line.sliced(13).toByteArray() : QByteArray();
    m_phase = Phase::Headers;
    m_state = State::Headers;
    return true;
}

bool HttpResponseParser::parseField(QByteArrayView line, bool keep)
{
    const QLatin1StringView section = keep ? "header"_L1 : "trailer"_L1;
    if (isOws(line.front())) {
        // RFC 9112 §5.2: obs-fold, the rest of the field above on a line of its own (old servers fold long
        // fields). A user agent replaces the fold with a space; only a proxy, whose next hop might read it
        // otherwise, must refuse. Before any field there is nothing to continue.
        if (m_sectionFields == 0) {
            fail(u"the server sent a folded %1 line (obsolete line folding) with no field before it: "
                 "\"%2\""_s.arg(section, excerpt(line)));
            return false;
        }
        const QByteArrayView more = trimmedOws(line);
        if (keep && !more.isEmpty() && !m_headers.isEmpty()) {
            QByteArray &value = m_headers.last().second;
            if (!value.isEmpty())
                value += ' ';
            value += more;
        }
        return true;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon < 0) {
        fail(u"the server sent a %1 line without a colon: \"%2\""_s.arg(section, excerpt(line)));
        return false;
    }
    const QByteArrayView name = line.first(colon);
    if (name.isEmpty()) {
        fail(u"the server sent a %1 field without a name: \"%2\""_s.arg(section, excerpt(line)));
        return false;
    }
    if (isOws(name.back())) {
        // RFC 9112 §5.1: whitespace before the colon has been used for response splitting; must be rejected.
        fail(u"the server sent whitespace before the colon in the %1 field \"%2\""_s.arg(section,
                                                                                         excerpt(name)));
        return false;
    }
    if (!std::all_of(name.begin(), name.end(), isTchar)) {
        fail(u"the server sent an invalid %1 field name \"%2\""_s.arg(section, excerpt(name)));
        return false;
    }
    if (++m_sectionFields > kMaxHeaderFields) {
        fail(u"the server sent more than %1 %2 fields"_s.arg(kMaxHeaderFields).arg(section));
        return false;
    }
    if (keep) {
        if (m_headers.isEmpty())
            m_headers.reserve(16); // a typical head, without growing the list three times on the way
        m_headers.append({ name.toByteArray(), trimmedOws(line.sliced(colon + 1)).toByteArray() });
    }
    return true;
}

bool HttpResponseParser::finishHead()
{
    if (m_status < 200) {
        if (m_status == 101) {
            fail(u"the server switched protocols (101 Switching Protocols), which Heiko never asks for"_s);
            return false;
        }
        // An interim response (100 Continue, 103 Early Hints...): forget it and read the real one. The head
        // byte count goes on, so endless interim responses still hit kMaxHeadBytes.
        m_headers.clear();
        m_reason.clear();
        m_status = 0;
        m_sectionFields = 0;
        m_phase = Phase::StatusLine;
        m_state = State::StatusLine;
        return true;
    }

    bool close = false;
    bool keepAliveToken = false;
    bool hasTransferEncoding = false;
    int chunkedCount = 0;
    QByteArrayView finalCoding;
    bool hasContentLength = false;
    for (const auto &[name, value] : std::as_const(m_headers)) {
        if (equalsIgnoreCase(name, "connection")) {
            forEachElement(value, [&](QByteArrayView token) {
                close = close || equalsIgnoreCase(token, "close");
                keepAliveToken = keepAliveToken || equalsIgnoreCase(token, "keep-alive");
            });
        } else if (equalsIgnoreCase(name, "transfer-encoding")) {
            hasTransferEncoding = true;
            forEachElement(value, [&](QByteArrayView coding) {
                if (coding.isEmpty())
                    return;
                // Only the coding's name counts: "chunked;x=y" is still chunked framing.
                const qsizetype semicolon = coding.indexOf(';');
                finalCoding = semicolon < 0 ? coding : trimmedOws(coding.first(semicolon));
                if (equalsIgnoreCase(finalCoding, "chunked"))
                    ++chunkedCount;
            });
        } else if (equalsIgnoreCase(name, "content-length")) {
            hasContentLength = true;
        }
    }
    m_reusable = !close && (m_versionMinor >= 1 || keepAliveToken);

    // RFC 9112 §6.3, in its order.
    if (m_head || m_status == 204 || m_status == 304) {
        // No body by rule, but some servers send one anyway (a 304 with the page, a HEAD answered like a
        // GET), and not always at once: the pool's look before reuse would miss bytes still on their way,
        // which would then be read as the next response. Rare answers to a GET: the connection is not worth
        // that risk.
        m_reusable = false;
        m_framing = Framing::None;
        complete();
        return true;
    }
    m_state = State::Body;
    if (hasTransferEncoding) {
        // TE overrides Content-Length, but the pair (and TE in HTTP/1.0) smells of smuggling: don't reuse.
        if (hasContentLength || m_versionMinor == 0)
            m_reusable = false;
        if (equalsIgnoreCase(finalCoding, "chunked")) {
            if (chunkedCount > 1) {
                fail(
                    u"the server applied the chunked transfer coding more than once (Transfer-Encoding: %1)"_s
                        .arg(excerpt(header("transfer-encoding"))));
                return false;
            }
            m_framing = Framing::Chunked;
            m_phase = Phase::ChunkSize;
        } else {
            m_framing = Framing::UntilClose;
            m_phase = Phase::CloseBody;
            m_reusable = false;
        }
        return true;
    }
    if (hasContentLength) {
        std::optional<qint64> length;
        bool valid = true;
        for (const auto &[name, value] : std::as_const(m_headers)) {
            if (!equalsIgnoreCase(name, "content-length"))
                continue;
            forEachElement(value, [&](QByteArrayView element) {
                const std::optional<qint64> parsed = parseDecimal(element);
                if (!parsed || (length && *length != *parsed))
                    valid = false;
                else
                    length = parsed;
            });
        }
        if (!valid || !length) {
            fail(u"the server sent an invalid Content-Length (%1)"_s.arg(excerpt(header("content-length"))));
            return false;
        }
        m_framing = Framing::ContentLength;
        m_contentLength = *length;
        if (m_contentLength == 0)
            complete();
        else
            m_phase = Phase::LengthBody;
        return true;
    }
    m_framing = Framing::UntilClose;
    m_phase = Phase::CloseBody;
    m_reusable = false;
    return true;
}

bool HttpResponseParser::parseChunkSize(QByteArrayView line)
{
    // chunk-size [BWS ";" chunk-ext]; the extensions mean nothing to us.
    qint64 size = 0;
    qsizetype i = 0;
    for (; i < line.size(); ++i) {
        const int digit = ascii::hexValue(line[i]);
        if (digit < 0)
            break;
        if (size > (kMaxChunkSize - digit) / 16) {
            fail(u"malformed chunk size: \"%1\" is larger than 2^62"_s.arg(excerpt(line)));
            return false;
        }
        size = size * 16 + digit;
    }
    const qsizetype digits = i;
    while (i < line.size() && isOws(line[i]))
        ++i;
    if (digits == 0 || (i < line.size() && line[i] != ';')) {
        fail(u"malformed chunk size: \"%1\" (after %2 body bytes)"_s.arg(excerpt(line)).arg(m_bodyDelivered));
        return false;
    }
    if (size == 0) {
        m_phase = Phase::Trailers;
        m_sectionBytes = 0;
        m_sectionFields = 0;
    } else {
        m_chunkRemaining = size;
        m_phase = Phase::ChunkData;
    }
    return true;
}

void HttpResponseParser::deliver(QByteArrayView bytes, QByteArray *body)
{
    if (body)
        body->append(bytes);
    m_bodyDelivered += bytes.size();
}

void HttpResponseParser::complete()
{
    m_phase = Phase::Done;
    m_state = State::Complete;
}

void HttpResponseParser::fail(const QString &why)
{
    m_state = State::Error;
    m_phase = Phase::Done;
    m_error = why;
    m_line.clear();
}

void HttpResponseParser::finishAtEof()
{
    switch (m_state) {
    case State::Complete:
    case State::Error:
        return;
    case State::StatusLine:
    case State::Headers:
        fail(m_sectionBytes == 0 ? u"the connection closed without a response"_s
                                 : u"the connection closed before the response header was complete"_s);
        return;
    case State::Body:
        switch (m_framing) {
        case Framing::UntilClose:
            complete();
            return;
        case Framing::ContentLength:
            fail(u"the connection closed after %1 of %2 body bytes"_s.arg(m_bodyDelivered)
                     .arg(m_contentLength));
            return;
        case Framing::Chunked:
        case Framing::None:
            fail(u"the connection closed in the middle of the chunked body (after %1 body bytes)"_s.arg(
                m_bodyDelivered));
            return;
        }
    }
}

QByteArray HttpResponseParser::header(QByteArrayView name) const
{
    QByteArray joined;
    bool first = true;
    for (const auto &[fieldName, value] : m_headers) {
        if (!equalsIgnoreCase(fieldName, name))
            continue;
        if (!first)
            joined += ", ";
        joined += value;
        first = false;
    }
    return joined;
}

bool HttpResponseParser::hasHeader(QByteArrayView name) const
{
    return std::any_of(m_headers.begin(), m_headers.end(),
                       [name](const auto &field) { return equalsIgnoreCase(field.first, name); });
}

bool HttpResponseParser::keepAlive() const
{
    return m_state == State::Complete && m_reusable && m_framing != Framing::UntilClose;
}

} // namespace heiko
