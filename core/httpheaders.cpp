#include "httpheaders.h"

#include "asciichars.h"

#include <QList>
#include <QVarLengthArray>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <limits>

using namespace Qt::StringLiterals;

namespace heiko::http {

namespace {

std::optional<qint64> parseDecimal(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 18) // 18 digits always fit in qint64
        return std::nullopt;
    qint64 value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

} // namespace

std::optional<qint64> parseContentLength(QByteArrayView value)
{
    // "N" or a list of equal "N, N" (RFC 9110 §8.6); read in place, as it is parsed for every response.
    std::optional<qint64> result;
    for (qsizetype start = 0;;) {
        const qsizetype comma = value.indexOf(',', start);
        const qsizetype end = comma < 0 ? value.size() : comma;
        const std::optional<qint64> length = parseDecimal(value.sliced(start, end - start).trimmed());
        if (!length || (result && *result != *length))
            return std::nullopt;
        result = length;
        if (comma < 0)
            return result;
        start = comma + 1;
    }
}

std::optional<ContentRange> parseContentRange(QByteArrayView value)
{
    QByteArrayView text = value.trimmed();
    if (!text.startsWith("bytes "))
        return std::nullopt;
    text = text.sliced(6).trimmed();
    const qsizetype slash = text.indexOf('/');
    if (slash < 0)
        return std::nullopt;
    const QByteArrayView range = text.first(slash).trimmed();
    const QByteArrayView total = text.sliced(slash + 1).trimmed();

    ContentRange result;
    if (total != "*") {
        const auto parsed = parseDecimal(total);
        if (!parsed)
            return std::nullopt;
        result.total = *parsed;
    }
    if (range == "*") {
        if (result.total < 0) // "bytes */*" says nothing
            return std::nullopt;
        return result;
    }
    const qsizetype dash = range.indexOf('-');
    if (dash < 0)
        return std::nullopt;
    const auto first = parseDecimal(range.first(dash));
    const auto last = parseDecimal(range.sliced(dash + 1));
    if (!first || !last || *last < *first || (result.total >= 0 && *last >= result.total))
        return std::nullopt;
    result.first = *first;
    result.last = *last;
    return result;
}

std::optional<std::chrono::milliseconds> parseRetryAfter(QByteArrayView value, const QDateTime &now)
{
    const QByteArrayView text = value.trimmed();
    if (const auto seconds = parseDecimal(text)) {
        constexpr qint64 maxSeconds = std::numeric_limits<qint64>::max() / 1000;
        return std::chrono::milliseconds(qMin(*seconds, maxSeconds) * 1000);
    }
    const QDateTime when = parseHttpDate(text);
    if (!when.isValid())
        return std::nullopt;
    return std::chrono::milliseconds(qMax<qint64>(0, now.msecsTo(when)));
}

namespace {

// 1..12 for "Jan".."Dec" (case-sensitive, as RFC 9110 writes them), 0 otherwise.
int monthNumber(QByteArrayView name)
{
    static constexpr char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (name.size() != 3)
        return 0;
    for (int i = 0; i < 12; ++i) {
        if (std::memcmp(name.data(), names + 3 * i, 3) == 0)
            return i + 1;
    }
    return 0;
}

bool isDayName(QByteArrayView name)
{
    static constexpr const char *names[]
        = { "Mon",    "Tue",     "Wed",       "Thu",      "Fri",    "Sat",      "Sun",
            "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday" };
    return std::any_of(std::begin(names), std::end(names),
                       [&](const char *day) { return name == QByteArrayView(day); });
}

// A number of 1..maxDigits ASCII digits, else -1.
int digits(QByteArrayView text, qsizetype maxDigits)
{
    if (text.isEmpty() || text.size() > maxDigits)
        return -1;
    int value = 0;
    for (const char c : text) {
        if (!ascii::isDigit(c))
            return -1;
        value = value * 10 + (c - '0');
    }
    return value;
}

QTime timeOfDay(QByteArrayView text) // "08:49:37"
{
    if (text.size() != 8 || text[2] != ':' || text[5] != ':')
        return {};
    return QTime(digits(text.sliced(0, 2), 2), digits(text.sliced(3, 2), 2), digits(text.sliced(6, 2), 2));
}

} // namespace

QDateTime parseHttpDate(QByteArrayView value)
{
    // By hand rather than with QLocale::toDateTime(): that one builds a local time first, and every local
    // time conversion asks the C library, which looks at /etc/localtime each time: 19 stat() calls per
    // response, a measurable part of fetching thousands of small files.
    QVarLengthArray<QByteArrayView, 8> tokens;
    qsizetype from = 0;
    const QByteArrayView text = value.trimmed();
    for (qsizetype i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == ' ' || text[i] == ',' || text[i] == '-') {
            if (i > from) {
                if (tokens.size() == 8)
                    return {};
                tokens.append(text.sliced(from, i - from));
            }
            from = i + 1;
        }
    }
    if (tokens.isEmpty() || !isDayName(tokens[0]))
        return {};
    int day = -1;
    int month = 0;
    int year = -1;
    QTime time;
    if (tokens.size() == 6 && tokens[5] == "GMT") { // IMF-fixdate, or RFC 850 with a two-digit year
        day = digits(tokens[1], 2);
        month = monthNumber(tokens[2]);
        year = digits(tokens[3], 4);
        if (tokens[3].size() == 2 && year >= 0)
            year
                += year < 70 ? 2000 : 1900; // RFC 850: "94" is 1994 (RFC 9110 wants the nearest past century)
        else if (tokens[3].size() != 4)
            return {};
        time = timeOfDay(tokens[4]);
    } else if (tokens.size() == 5) { // asctime: "Sun Nov  6 08:49:37 1994"
        month = monthNumber(tokens[1]);
        day = digits(tokens[2], 2);
        time = timeOfDay(tokens[3]);
        year = tokens[4].size() == 4 ? digits(tokens[4], 4) : -1;
    } else {
        return {};
    }
    const QDate date(year, month, day);
    if (month == 0 || year < 0 || !date.isValid() || !time.isValid())
        return {};
    return QDateTime(date, time, Qt::UTC);
}

bool isStrongEtag(QByteArrayView etag)
{
    const QByteArrayView text = etag.trimmed();
    return text.size() >= 2 && text.front() == '"' && text.back() == '"';
}

bool etagsMatchWeakly(QByteArrayView a, QByteArrayView b)
{
    const auto opaque = [](QByteArrayView tag) {
        tag = tag.trimmed();
        return tag.startsWith("W/") ? tag.sliced(2) : tag;
    };
    return a.trimmed().isEmpty() || b.trimmed().isEmpty() || opaque(a) == opaque(b);
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 400:
        return "Bad Request"_ba;
    case 401:
        return "Unauthorized"_ba;
    case 403:
        return "Forbidden"_ba;
    case 404:
        return "Not Found"_ba;
    case 405:
        return "Method Not Allowed"_ba;
    case 408:
        return "Request Timeout"_ba;
    case 410:
        return "Gone"_ba;
    case 416:
        return "Range Not Satisfiable"_ba;
    case 429:
        return "Too Many Requests"_ba;
    case 500:
        return "Internal Server Error"_ba;
    case 502:
        return "Bad Gateway"_ba;
    case 503:
        return "Service Unavailable"_ba;
    case 504:
        return "Gateway Timeout"_ba;
    default:
        return QByteArray();
    }
}

} // namespace heiko::http
