#include "logrecord.h"

#include <QDateTime>

#include <cstdio>
#include <cstring>
#include <limits>

using namespace Qt::StringLiterals;

namespace heiko {

QString LogRecord::module() const
{
    if (category)
        return QString::fromUtf8(category);
    if (!file)
        return u"heiko"_s;
    const char *dot = std::strrchr(file, '.');
    const qsizetype length = dot ? dot - file : qsizetype(std::strlen(file));
    return QString::fromUtf8(file, length);
}

QString LogRecord::toText() const
{
    const QString where = file ? QString::fromUtf8(file) + u':' + QString::number(line) : u"-"_s;
    return u'[' + levelName(level) + u"]\t" + formatTime(timeMs) + u"\tprocess:" + QString::number(processId)
        + u"\tthread:" + QString::number(threadId) + u"\tmodule:" + module() + u'\t' + where + u'\t' + message;
}

QString LogRecord::levelName(LogLevel level)
{
    switch (level) {
    case LogLevel::Debug:
        return u"DEBUG"_s;
    case LogLevel::Info:
        return u"INFO"_s;
    case LogLevel::Warning:
        return u"WARNING"_s;
    case LogLevel::Error:
        return u"ERROR"_s;
    }
    return u"INFO"_s;
}

QString LogRecord::formatTime(qint64 timeMs)
{
    // Every local time conversion asks the C library, which looks at /etc/localtime each time: one stat()
    // per log line, and thousands of lines a second in a list of small files. The offset from UTC changes at
    // most at a minute boundary (daylight saving, or the user changing the zone), so each thread looks it up
    // once a minute and formats the shifted time as UTC, which needs no lookup.
    thread_local qint64 cachedMinute = std::numeric_limits<qint64>::min();
    thread_local int cachedOffsetSeconds = 0;
    const qint64 minute = timeMs >= 0 ? timeMs / 60000 : (timeMs - 59999) / 60000;
    if (minute != cachedMinute) {
        cachedOffsetSeconds = QDateTime::fromMSecsSinceEpoch(minute * 60000).offsetFromUtc();
        cachedMinute = minute;
    }
    // Formatted by hand: QDateTime::toString() with a format string parses that format for every line.
    const qint64 local = timeMs + qint64(cachedOffsetSeconds) * 1000;
    constexpr qint64 kDayMs = 24 * 60 * 60 * 1000;
    const qint64 days = local >= 0 ? local / kDayMs : (local - kDayMs + 1) / kDayMs;
    const qint64 ms = local - days * kDayMs;
    const QDate date = QDate(1970, 1, 1).addDays(days);
    char text[48];
    const int length = std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d,%03d", date.year(),
                                     date.month(), date.day(), int(ms / 3600000), int(ms / 60000 % 60),
                                     int(ms / 1000 % 60), int(ms % 1000));
    return QString::fromLatin1(text, qMax(0, qMin(length, int(sizeof text) - 1)));
}

} // namespace heiko
