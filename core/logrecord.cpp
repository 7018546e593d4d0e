#include "logrecord.h"

#include <QDateTime>

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
    // Formatted by hand: QDateTime::toString() parses its format string for every line. The date part is
    // made once a day per thread.
    const qint64 local = timeMs + qint64(cachedOffsetSeconds) * 1000;
    constexpr qint64 kDayMs = 24 * 60 * 60 * 1000;
    const qint64 days = local >= 0 ? local / kDayMs : (local - kDayMs + 1) / kDayMs;
    thread_local qint64 cachedDay = std::numeric_limits<qint64>::min();
    thread_local QString cachedDate; // "yyyy-MM-dd "
    if (days != cachedDay) {
        const QDate date = QDate(1970, 1, 1).addDays(days);
        cachedDate = QString::asprintf("%04d-%02d-%02d ", date.year(), date.month(), date.day());
        cachedDay = days;
    }
    const int ms = int(local - days * kDayMs);
    const int parts[] = { ms / 3600000, ms / 60000 % 60, ms / 1000 % 60 };
    char16_t time[12]; // HH:mm:ss,zzz
    for (int i = 0; i < 3; ++i) {
        time[i * 3] = char16_t(u'0' + parts[i] / 10);
        time[i * 3 + 1] = char16_t(u'0' + parts[i] % 10);
        time[i * 3 + 2] = i < 2 ? u':' : u',';
    }
    time[9] = char16_t(u'0' + ms % 1000 / 100);
    time[10] = char16_t(u'0' + ms % 100 / 10);
    time[11] = char16_t(u'0' + ms % 10);
    QString text;
    text.reserve(cachedDate.size() + 12);
    text.append(cachedDate);
    text.append(QStringView(time, 12));
    return text;
}

} // namespace heiko
