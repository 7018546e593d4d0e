#include "logrecord.h"

#include <QDateTime>

#include <cstring>

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
    return QDateTime::fromMSecsSinceEpoch(timeMs).toString(u"yyyy-MM-dd HH:mm:ss,zzz"_s);
}

} // namespace heiko
