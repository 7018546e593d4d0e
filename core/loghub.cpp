#include "loghub.h"

#include "platform.h"
#include "secretmasking.h"

#include <QDateTime>
#include <QScopedValueRollback>

#include <cstring>
#include <mutex>

using namespace Qt::StringLiterals;

namespace heiko {

namespace {

// The hub that owns Qt's message handler. A process has one handler, so this is the one global the log
// needs; nothing else reaches the hub through it.
std::atomic<LogHub *> g_qtHub { nullptr };

// Set while this thread is inside the hub, so that a Qt message raised by the hub itself (a QFile warning)
// goes to stderr instead of deadlocking on the hub's mutex.
thread_local bool t_insideHub = false;

const char *baseName(const char *path)
{
    if (!path)
        return nullptr;
    const char *slash = std::strrchr(path, '/');
    const char *backslash = std::strrchr(path, '\\');
    const char *last = slash > backslash ? slash : backslash;
    return last ? last + 1 : path;
}

LogLevel levelOf(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return LogLevel::Debug;
    case QtInfoMsg:
        return LogLevel::Info;
    case QtWarningMsg:
        return LogLevel::Warning;
    case QtCriticalMsg:
    case QtFatalMsg:
        return LogLevel::Error;
    }
    return LogLevel::Info;
}

} // namespace

LogHub::LogHub(qsizetype capacity, QObject *parent)
    : QObject(parent)
    , m_capacity(qMax<qsizetype>(1, capacity))
{
    qRegisterMetaType<LogRecord>();
}

LogHub::~LogHub()
{
    uninstallQtMessageHandler();
    // A thread still writing (one whose Qt message came in last) uses the file and the stream.
    std::unique_lock locker(m_mutex);
    m_written.wait(locker, [this] { return !m_writing; });
}

QString LogHub::sanitizeMessage(const QString &message)
{
    QString text = secrets::scrubSecrets(message);
    bool clean = true;
    for (const QChar c : std::as_const(text)) {
        // No printable ASCII character is a format character: the category is looked up only beyond ASCII.
        if (c.unicode() < 0x20 || c.unicode() == 0x7f
            || (c.unicode() >= 0x80 && (c.unicode() < 0xa0 || c.category() == QChar::Other_Format))) {
            clean = false;
            break;
        }
    }
    if (clean)
        return text;
    QString escaped;
    escaped.reserve(text.size() + 16);
    for (const QChar c : std::as_const(text)) {
        const char16_t u = c.unicode();
        if (u == u'\n')
            escaped += u"\\n";
        else if (u == u'\t')
            escaped += u"\\t";
        else if (u == u'\r')
            escaped += u"\\r";
        else if (u < 0x20 || u == 0x7f || (u >= 0x80 && u < 0xa0) || c.category() == QChar::Other_Format)
            escaped += u"\\u" + QString::number(u, 16).rightJustified(4, u'0');
        else
            escaped += c;
    }
    return escaped;
}

void LogHub::write(LogLevel level, SourceLocation where, int downloadId, const QString &message)
{
    if (int(level) < m_minimumLevel.load(std::memory_order_relaxed))
        return;
    LogRecord record;
    record.timeMs = QDateTime::currentMSecsSinceEpoch();
    record.level = level;
    record.processId = platform::currentProcessId();
    record.threadId = platform::currentThreadId();
    record.downloadId = downloadId;
    record.file = baseName(where.file);
    record.line = where.line;
    record.message = sanitizeMessage(message);
    append(std::move(record));
}

void LogHub::append(LogRecord record)
{
    // The text is made before taking the lock (it does not depend on the sequence number): workers that
    // log at the same moment then wait only for each other's writes, not for each other's formatting.
    t_insideHub = true; // a Qt message raised while formatting goes to the previous handler, not back here
    const QByteArray line = m_writesText.load() ? record.toLine() : QByteArray();
    const LogLevel level = record.level;
    {
        std::unique_lock locker(m_mutex);
        const qint64 sequence = record.sequence = ++m_lastSequence;
        bool queued = false;
        if (!line.isEmpty()) {
            if (m_fileOpen) {
                m_pendingFile += line; // shares `line` when nothing else waits
                queued = true;
            }
            if (m_echo && level >= m_echoLevel) {
                m_pendingEcho += line;
                queued = true;
            }
        }
        if (m_ring.size() < m_capacity) {
            m_ring.append(std::move(record));
        } else {
            m_ring[m_head] = std::move(record);
            m_head = (m_head + 1) % m_capacity;
        }
        if (queued) {
            m_queuedUpTo = sequence;
            // A warning or an error may be the last thing the process says (qFatal() aborts right after it):
            // it is written when the call returns. So is any line while more than kMaxPendingBytes wait: the
            // output is slower than the threads that log (a slow disk, a terminal), and they must slow down
            // with it rather than pile up text in memory.
            const bool mustWait = level >= LogLevel::Warning || m_pendingFile.size() > kMaxPendingBytes
                || m_pendingEcho.size() > kMaxPendingBytes;
            if (m_writing && mustWait) {
                ++m_lineWaiters;
                // Until it is written, or the writer stepped down (it had written its own line and saw this
                // thread waiting) and leaves the writing to this one.
                m_written.wait(locker, [&] { return m_writtenUpTo >= sequence || !m_writing; });
                --m_lineWaiters;
            }
            // Nobody writing and text waiting (this line, or lines a writer that stepped down left): write
            // it.
            if (!m_writing && (!m_pendingFile.isEmpty() || !m_pendingEcho.isEmpty())) {
                m_writing = true;
                writePending(locker, sequence);
            }
        }
    }
    t_insideHub = false;
    if (!m_notifyPending.exchange(true))
        Q_EMIT recordsAdded();
}

void LogHub::writePending(std::unique_lock<std::mutex> &locker, qint64 ownSequence)
{
    // Text goes out of the lock, in the order the records were numbered, by one thread at a time: the first
    // to find nobody writing writes what waits until nothing does; the others add their lines and go on.
    // While a worker wrote its line under the lock, 16 workers on two cores kept running into each other
    // there (a futex wait, a sleep and a wake-up each time); now a line that comes while another is written
    // goes out with the next write. Only this thread touches the file and the stream until m_writing is
    // false again: setLogFile() and setEchoStream() wait for that.
    // Its turn ends once its own line is out and another thread waits to have its line written: then that
    // one writes. Otherwise a thread (the window's, say) that logged once during a burst could be kept
    // writing other threads' lines for as long as the burst lasts.
    std::FILE *echo = m_echo;
    bool wrote = false; // a turn writes at least once, so that stepping down always makes progress
    while (!m_pendingFile.isEmpty() || !m_pendingEcho.isEmpty()) {
        if (wrote && m_writtenUpTo >= ownSequence && m_lineWaiters > 0)
            break;
        wrote = true;
        const QByteArray file = std::exchange(m_pendingFile, {});
        const QByteArray echoed = std::exchange(m_pendingEcho, {});
        const qint64 upTo = m_queuedUpTo;
        locker.unlock();
        if (!file.isEmpty()) {
            m_logFile.write(file);
            m_logFile.flush(); // a crash must not take the last lines with it
        }
        if (!echoed.isEmpty()) {
            std::fwrite(echoed.constData(), 1, size_t(echoed.size()), echo);
            std::fflush(echo);
        }
        locker.lock();
        m_writtenUpTo = upTo;
        m_written.notify_all();
    }
    m_writing = false;
    m_written.notify_all();
}

QList<LogRecord> LogHub::recordsSince(qint64 sequence) const
{
    m_notifyPending.store(false);
    const std::lock_guard locker(m_mutex);
    const qsizetype size = m_ring.size();
    const qint64 oldest = m_lastSequence - size + 1;
    const qint64 first = qMax(sequence + 1, oldest);
    QList<LogRecord> result;
    if (first > m_lastSequence)
        return result;
    result.reserve(m_lastSequence - first + 1);
    for (qint64 s = first; s <= m_lastSequence; ++s)
        result.append(m_ring.at((m_head + (s - oldest)) % size));
    return result;
}

qint64 LogHub::lastSequence() const
{
    const std::lock_guard locker(m_mutex);
    return m_lastSequence;
}

void LogHub::clear()
{
    const std::lock_guard locker(m_mutex);
    m_ring.clear();
    m_head = 0;
}

void LogHub::setMinimumLevel(LogLevel level)
{
    m_minimumLevel.store(int(level));
}

LogLevel LogHub::minimumLevel() const
{
    return LogLevel(m_minimumLevel.load());
}

bool LogHub::setLogFile(const QString &path, QString *error)
{
    // A Qt message raised while opening (QFile warns about seeking /dev/stderr or a pipe) goes to stderr, not
    // back into the hub, whose lock this thread holds.
    const QScopedValueRollback insideHub(t_insideHub, true);
    std::unique_lock locker(m_mutex);
    m_written.wait(locker, [this] { return !m_writing; }); // the writer uses the file outside the lock
    m_fileOpen = false;
    if (m_logFile.isOpen())
        m_logFile.close();
    m_logFile.setFileName(path);
    if (!m_logFile.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text)) {
        m_writesText = m_echo != nullptr;
        if (error)
            *error = u"cannot write the log file %1: %2"_s.arg(path, m_logFile.errorString());
        return false;
    }
    m_fileOpen = true;
    m_writesText = true;
    return true;
}

void LogHub::setEchoStream(std::FILE *stream, LogLevel level)
{
    const QScopedValueRollback insideHub(t_insideHub, true);
    std::unique_lock locker(m_mutex);
    m_written.wait(locker, [this] { return !m_writing; }); // the writer uses the stream outside the lock
    m_echo = stream;
    m_echoLevel = level;
    m_writesText = m_echo != nullptr || m_fileOpen;
}

void LogHub::installQtMessageHandler()
{
    LogHub *expected = nullptr;
    if (g_qtHub.compare_exchange_strong(expected, this))
        m_previousHandler = qInstallMessageHandler(&LogHub::qtMessageHandler);
}

void LogHub::uninstallQtMessageHandler()
{
    LogHub *expected = this;
    if (g_qtHub.compare_exchange_strong(expected, nullptr))
        qInstallMessageHandler(m_previousHandler);
}

const char *LogHub::internCategory(const char *category)
{
    if (!category)
        return nullptr;
    const std::lock_guard locker(m_mutex);
    const QByteArray name(category);
    auto it = m_categories.constFind(name);
    if (it == m_categories.cend())
        it = m_categories.insert(name);
    return it->constData();
}

void LogHub::qtMessageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    LogHub *hub = g_qtHub.load();
    if (!hub || t_insideHub) {
        const QByteArray text = qFormatLogMessage(type, context, message).toLocal8Bit() + '\n';
        std::fwrite(text.constData(), 1, size_t(text.size()), stderr);
        return;
    }
    if (int(levelOf(type)) >= hub->m_minimumLevel.load(std::memory_order_relaxed)) {
        LogRecord record;
        record.timeMs = QDateTime::currentMSecsSinceEpoch();
        record.level = levelOf(type);
        record.processId = platform::currentProcessId();
        record.threadId = platform::currentThreadId();
        record.file = baseName(context.file);
        record.line = context.line;
        record.category = hub->internCategory(context.category);
        record.message = sanitizeMessage(message);
        hub->append(std::move(record));
    }
    if (type == QtFatalMsg)
        std::abort();
}

} // namespace heiko
