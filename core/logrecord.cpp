#include "logrecord.h"

#include <QDateTime>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>

using namespace Qt::StringLiterals;

namespace heiko {

namespace {

// yyyy-MM-dd HH:mm:ss,zzz is 23; a year beyond 9999 or before 0 takes more (as QDateTime writes it).
constexpr qsizetype kMaxTimeLength = 48;

// formatTime() as ASCII into `out` (kMaxTimeLength bytes); returns the length.
qsizetype writeTime(qint64 timeMs, char *out)
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
    thread_local char cachedDate[kMaxTimeLength - 12]; // "yyyy-MM-dd " and the terminator snprintf writes
    thread_local qsizetype cachedDateLength = 0;
    if (days != cachedDay) {
        const QDate date = QDate(1970, 1, 1).addDays(days);
        const int written = std::snprintf(cachedDate, sizeof cachedDate, "%04d-%02d-%02d ", date.year(),
                                          date.month(), date.day());
        cachedDateLength = qBound(0, written, int(sizeof cachedDate) - 1);
        cachedDay = days;
    }
    std::memcpy(out, cachedDate, size_t(cachedDateLength));
    const int ms = int(local - days * kDayMs);
    const int parts[] = { ms / 3600000, ms / 60000 % 60, ms / 1000 % 60 };
    char *time = out + cachedDateLength; // HH:mm:ss,zzz
    for (int i = 0; i < 3; ++i) {
        time[i * 3] = char('0' + parts[i] / 10);
        time[i * 3 + 1] = char('0' + parts[i] % 10);
        time[i * 3 + 2] = i < 2 ? ':' : ',';
    }
    time[9] = char('0' + ms % 1000 / 100);
    time[10] = char('0' + ms % 100 / 10);
    time[11] = char('0' + ms % 10);
    return cachedDateLength + 12;
}

bool isAscii(const char *text)
{
    for (; text && *text; ++text) {
        if (static_cast<unsigned char>(*text) >= 0x80)
            return false;
    }
    return true;
}

} // namespace

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
        + u"\tthread:" + QString::number(threadId) + u"\tmodule:" + module() + u'\t' + where + u'\t'
        + message;
}

QByteArray LogRecord::toLine() const
{
    // Built as bytes: all of it but the message is ASCII (a source file's name, a category), and this runs
    // twice for every download, so no QString of the line is made only to be converted.
    // A category or file name that is not ASCII (never so in Heiko's own) goes the QString way, which turns
    // bytes that are not UTF-8 into U+FFFD exactly as toText() shows them.
    if (!isAscii(category) || !isAscii(file))
        return (toText() + u'\n').toUtf8();
    char time[kMaxTimeLength];
    const qsizetype timeLength = writeTime(timeMs, time);
    char number[24];
    const auto appendNumber = [&](QByteArray &to, auto value) {
        const auto [end, error] = std::to_chars(number, number + sizeof number, value);
        to.append(number, qsizetype(end - number));
    };
    const qsizetype fileLength = file ? qsizetype(std::strlen(file)) : 0;
    const char *moduleName = category ? category : (file ? file : "heiko");
    qsizetype moduleLength = qsizetype(std::strlen(moduleName));
    if (!category && file) {
        const char *dot = std::strrchr(file, '.');
        moduleLength = dot ? qsizetype(dot - file) : fileLength;
    }
    const QByteArray text = message.toUtf8();
    QByteArray out;
    out.reserve(96 + fileLength + moduleLength + text.size());
    out.append('[').append(levelName(level).toLatin1()).append("]\t");
    out.append(time, timeLength).append("\tprocess:");
    appendNumber(out, processId);
    out.append("\tthread:");
    appendNumber(out, threadId);
    out.append("\tmodule:").append(moduleName, moduleLength).append('\t');
    if (file) {
        out.append(file, fileLength).append(':');
        appendNumber(out, line);
    } else {
        out.append('-');
    }
    out.append('\t').append(text).append('\n');
    return out;
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
    char time[kMaxTimeLength];
    return QString::fromLatin1(time, writeTime(timeMs, time));
}

} // namespace heiko
