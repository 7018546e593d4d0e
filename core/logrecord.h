#pragma once

#include <QMetaType>
#include <QString>

namespace heiko {

enum class LogLevel { Debug, Info, Warning, Error };

// Where a log call was made; HEIKO_HERE fills it in.
struct SourceLocation
{
    const char *file = nullptr; // a string literal (__FILE__): records keep the pointer
    int line = 0;
};

#define HEIKO_HERE (::heiko::SourceLocation { __FILE__, __LINE__ })

// One event in the log: a value, cheap to copy between threads.
struct LogRecord
{
    qint64 sequence = 0; // 1, 2, 3, ... in the order the hub received them
    qint64 timeMs = 0; // milliseconds since the epoch
    LogLevel level = LogLevel::Info;
    qint64 processId = 0;
    quint64 threadId = 0; // as the OS shows it (see platform::currentThreadId)
    int downloadId = -1; // -1: not about one download
    const char *file = nullptr; // base name of the source file, or nullptr
    int line = 0;
    const char *category = nullptr; // Qt logging category for routed Qt messages, else nullptr
    QString message; // one line, secrets masked, control characters escaped

    // "downloadworker" for Heiko's own records (the source file's stem), the category for Qt's.
    QString module() const;
    // The text form, after the program Heiko grew from (one line, no newline):
    // [INFO]<TAB>2026-11-26
    // 11:07:23,600<TAB>process:17648<TAB>thread:14680<TAB>module:downloadworker<TAB>downloadworker.cpp:33<TAB>message
    QString toText() const;
    // toText() as UTF-8 with a newline: the line the log file and the console get.
    QByteArray toLine() const;

    static QString levelName(LogLevel level); // DEBUG, INFO, WARNING, ERROR
    static QString formatTime(qint64 timeMs); // 2026-11-26 11:07:23,600 in local time
};

} // namespace heiko

Q_DECLARE_METATYPE(heiko::LogRecord)
