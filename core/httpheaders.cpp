#include "httpheaders.h"

#include <QList>
#include <QLocale>

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
    std::optional<qint64> result;
    for (const QByteArrayView part : QByteArray(value.data(), value.size()).split(',')) {
        const std::optional<qint64> length = parseDecimal(part.trimmed());
        if (!length || (result && *result != *length))
            return std::nullopt;
        result = length;
    }
    return result;
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

QDateTime parseHttpDate(QByteArrayView value)
{
    QString text = QString::fromLatin1(value.trimmed());
    text.replace(u"  "_s, u" "_s); // asctime pads single-digit days with a space
    const QLocale c = QLocale::c(); // day and month names are English whatever the user's locale
    for (const QString &format : { u"ddd, dd MMM yyyy HH:mm:ss 'GMT'"_s, u"dddd, dd-MMM-yy HH:mm:ss 'GMT'"_s,
                                   u"ddd MMM d HH:mm:ss yyyy"_s }) {
        QDateTime when = c.toDateTime(text, format);
        if (when.isValid()) {
            if (when.date().year() < 1970) // two-digit RFC 850 years: "94" is 1994, not 1894 or 2094
                when = when.addYears(100);
            when.setTimeSpec(Qt::UTC);
            return when;
        }
    }
    return {};
}

bool isStrongEtag(QByteArrayView etag)
{
    const QByteArrayView text = etag.trimmed();
    return text.size() >= 2 && text.front() == '"' && text.back() == '"';
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
