#pragma once

#include "logrecord.h"

#include <QFile>
#include <QList>
#include <QObject>
#include <QSet>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>

namespace heiko {

// The one place every log record goes through: Heiko's own events from any thread, and Qt's messages
// (qWarning, logging categories) once installQtMessageHandler() was called.
//
// Thread-safe. It keeps the newest `capacity` records in a ring for the window, appends each record's text
// form to an optional log file and echo stream (a warning or an error is written when the call returns, so
// that it is not lost when the process dies; an info line may be handed to the thread writing just then),
// and tells consumers that there is something new with one coalesced recordsAdded() signal: after a
// signal, no other is sent until a consumer has called recordsSince(). A burst of a thousand records costs
// one queued signal, not a thousand.
class LogHub final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogHub)

public:
    explicit LogHub(qsizetype capacity = 50'000, QObject *parent = nullptr);
    ~LogHub() override;

    void write(LogLevel level, SourceLocation where, int downloadId, const QString &message);
    void debug(SourceLocation where, const QString &message, int downloadId = -1)
    {
        write(LogLevel::Debug, where, downloadId, message);
    }
    void info(SourceLocation where, const QString &message, int downloadId = -1)
    {
        write(LogLevel::Info, where, downloadId, message);
    }
    void warning(SourceLocation where, const QString &message, int downloadId = -1)
    {
        write(LogLevel::Warning, where, downloadId, message);
    }
    void error(SourceLocation where, const QString &message, int downloadId = -1)
    {
        write(LogLevel::Error, where, downloadId, message);
    }

    // Records with a sequence number greater than `sequence`, oldest first (those still in the ring).
    QList<LogRecord> recordsSince(qint64 sequence) const;
    qint64 lastSequence() const;
    qsizetype capacity() const { return m_capacity; }
    void clear(); // empties the ring; sequence numbers go on

    // Records below this level are dropped (not stored, not written). Default: Info.
    void setMinimumLevel(LogLevel level);
    LogLevel minimumLevel() const;
    // Whether a record of this level would be kept: lets a caller skip making a message nobody will see
    // (for a debug line on every download, its text cost more than the rest of the call).
    bool wants(LogLevel level) const { return int(level) >= m_minimumLevel.load(std::memory_order_relaxed); }

    // Also append every record's text form to this file (created if needed). False, with the reason in
    // *error, if it cannot be opened.
    bool setLogFile(const QString &path, QString *error);
    // Also write every record at or above `level` to this stream (stderr), or stop with nullptr.
    void setEchoStream(std::FILE *stream, LogLevel level = LogLevel::Debug);

    // Routes qDebug/qInfo/qWarning/qCritical and logging-category output through this hub. Qt's message
    // handler is process-global, so one hub at a time can own it; the destructor gives it back.
    void installQtMessageHandler();
    void uninstallQtMessageHandler();

    // Makes any text safe to be one log line: secrets masked, newlines and control characters escaped
    // (a server-chosen name must not be able to draw on the user's terminal).
    static QString sanitizeMessage(const QString &message);

Q_SIGNALS:
    void recordsAdded();

private:
    static void qtMessageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message);
    void append(LogRecord record);
    // Writes the text that waits, outside the lock; called with it held by the thread that set m_writing.
    void writePending(std::unique_lock<std::mutex> &locker, qint64 ownSequence);
    const char *internCategory(const char *category);

    const qsizetype m_capacity;
    mutable std::mutex m_mutex; // guards everything below
    QList<LogRecord> m_ring; // m_ring[(m_head + i) % capacity] is the i-th oldest
    qsizetype m_head = 0;
    qint64 m_lastSequence = 0;
    QFile m_logFile; // used outside the lock by the writing thread only (see writePending())
    bool m_fileOpen = false;
    std::FILE *m_echo = nullptr;
    LogLevel m_echoLevel = LogLevel::Debug;
    QByteArray m_pendingFile; // text waiting to be written, oldest first
    QByteArray m_pendingEcho;
    static constexpr qsizetype kMaxPendingBytes = 1024 * 1024;
    bool m_writing = false; // a thread is writing what waits
    int m_lineWaiters = 0; // threads waiting in append() for their line to be written
    qint64 m_queuedUpTo = 0; // the sequence number of the newest record whose text waits or is being written
    qint64 m_writtenUpTo = 0; // ... and of the newest whose text is written
    std::condition_variable m_written; // m_writtenUpTo moved, or m_writing became false
    QSet<QByteArray> m_categories; // interned category names: records keep pointers into them
    std::atomic<int> m_minimumLevel { int(LogLevel::Info) };
    std::atomic<bool> m_writesText { false }; // a log file or an echo stream wants each record's text
    mutable std::atomic<bool> m_notifyPending { false };
    QtMessageHandler m_previousHandler = nullptr;
};

} // namespace heiko
