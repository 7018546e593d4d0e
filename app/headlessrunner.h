#pragma once

#include "commandline.h"
#include "downloadrequest.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>

#include <memory>

namespace heiko {
class DownloadManager;
class LogHub;
class QueuePersistence;
struct SavedDownload;
} // namespace heiko
class JsonEventWriter;
class SignalWatcher;
class TerminalProgress;

// `heiko --headless`: reads the URLs, runs them through the engine, reports on stderr (live progress on a
// terminal, plain log lines when piped) and optionally JSON events on stdout, and returns the exit status.
class HeadlessRunner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HeadlessRunner)

public:
    enum ExitCode { Success = 0, SomeFailed = 1, UsageError = 2, Interrupted = 130 };

    explicit HeadlessRunner(CommandLine::Options options, heiko::LogHub &log, QObject *parent = nullptr);
    ~HeadlessRunner() override;

    // Runs until every download finished or failed; returns the process exit status.
    int run();

private:
    bool readRequests(QList<heiko::DownloadRequest> *requests);
    void addRequests(const QList<heiko::DownloadRequest> &requests);
    void reportSkipped(const QString &source, const QString &text, const QString &reason);
    void handleRecordsAdded();
    void handleProgress(const QList<int> &ids);
    void handleIdle();
    void handleInterrupt(int count);
    void printSummary();

    CommandLine::Options m_options;
    heiko::LogHub &m_log;
    std::unique_ptr<heiko::DownloadManager> m_manager;
    std::unique_ptr<heiko::QueuePersistence> m_persistence; // goes before the manager it watches
    std::unique_ptr<JsonEventWriter> m_json;
    std::unique_ptr<TerminalProgress> m_terminal;
    std::unique_ptr<SignalWatcher> m_signals;
    QHash<int, qint64> m_lastJsonProgress; // id -> time of its last progress event
    qint64 m_lastRecord = 0;
    int m_skipped = 0;
    bool m_interrupted = false;
    QElapsedTimer m_elapsed;
    int m_exitCode = Success;
};
